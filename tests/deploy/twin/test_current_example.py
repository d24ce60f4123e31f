"""inventory/examples/current on the twin: `make demo INVENTORY=inventory/examples/current`'s
steps (validate, lab up, status, deploy, audit) on Ubuntu 24.04 nodes with containerd,
Kubernetes 1.33, Calico v3.31.4, MetalLB 0.16.1 in FRR mode and VyOS 1.4.3."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from bgplb.model import load_site
from lab.lifecycle import down
from lab.state import LabPaths
from lab.ubuntu.node_state import NodeStore
from runbooks.demo import run_steps

REPO = Path(__file__).resolve().parents[3]
CURRENT = "inventory/examples/current"


def test_current_stack_deploys_and_audits_on_the_twin(twin_session: None) -> None:
    del twin_session
    site = load_site(REPO / CURRENT)
    try:
        assert run_steps(Console(width=150), CURRENT, cwd=REPO) == 0
        paths = LabPaths.of(site)
        for node in site.nodes:
            state = NodeStore.in_lab(paths.root, node.name, node.os).load()
            assert state.release.pretty.startswith("Ubuntu 24.04"), node.name
            assert state.services["containerd"].active, node.name
            assert "crio" not in state.services, node.name
            assert state.packages["kubeadm"].version.startswith("1.33.1"), node.name
    finally:
        down(site)
