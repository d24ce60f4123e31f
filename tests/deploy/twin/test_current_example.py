"""inventory/examples/current on the twin: `make demo INVENTORY=inventory/examples/current`'s
steps (validate, lab up, status, deploy, audit) on Ubuntu 24.04 nodes with containerd,
Kubernetes 1.33, Calico v3.31.4, MetalLB 0.16.1 in FRR mode and VyOS 1.4.3. The nodes are the
twin's real Debian userland (README: what differs from Ubuntu); what they hold is read inside
them with `runbooks.lab exec`, from real dpkg and the systemctl stand-in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rich.console import Console

from bgplb.model import load_site
from lab.lifecycle import down
from runbooks.demo import run_steps

REPO = Path(__file__).resolve().parents[3]
CURRENT = "inventory/examples/current"


def test_current_stack_deploys_and_audits_on_the_twin(twin_session: None) -> None:
    del twin_session
    site = load_site(REPO / CURRENT)
    try:
        assert run_steps(Console(width=150), CURRENT, cwd=REPO) == 0
        for node in site.nodes:
            query = "dpkg-query -W -f '${Package} ${Version}\\n' kubeadm containerd cri-o"
            out, _ = _in_node(node.name, "sh", "-c", query + " 2>/dev/null; true")
            versions = dict(line.split() for line in out.splitlines())
            assert versions["kubeadm"].startswith("1.33.1-"), (node.name, out)
            assert "containerd" in versions and "cri-o" not in versions, (node.name, out)
            out, rc = _in_node(node.name, "systemctl", "is-active", "containerd")
            assert (out.strip(), rc) == ("active", 0), node.name
    finally:
        down(site)


def _in_node(node: str, *command: str) -> tuple[str, int]:
    argv = [sys.executable, "-m", "runbooks.lab", "--inventory", CURRENT, "exec", node, "--"]
    done = subprocess.run(
        [*argv, *command], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout, done.returncode
