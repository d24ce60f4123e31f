"""The Kubernetes phases on a fresh twin: helpers to run them through Nornir and to observe
the nodes, the cluster and the router (tests marked `lab`, under the machine's twin lock)."""

from __future__ import annotations

import json
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import yaml
from nornir.core.task import AggregatedResult

from bgplb.model import Site, load_site
from bgplb.nornir_init import init_nornir
from lab import frr, real_nodes
from lab.instances import node_instance, router_instance
from lab.lifecycle import down, up
from lab.observe import bgp_kernel_routes, nexthops_of
from lab.state import LabPaths
from lab.topology import ns_name
from tasks.phases import PHASES as TABLE
from tests.model.mutate import absolute_manifests, pinned_file

REPO = Path(__file__).resolve().parents[3]
LAB_INVENTORY = REPO / "inventory" / "lab"
METALLB_0149 = REPO / "lab" / "manifests" / "metallb-v0.14.9" / "metallb-native.yaml"
LB_IP = IPv4Address("198.18.100.10")
# The deploy's Kubernetes phases in order, with the hosts each runs on.
PHASES = ("bootstrap", "control-plane", "join", "cni", "metallb", "router", "app")


def copy_inventory(dest: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """inventory/lab copied to `dest` (local manifest paths made absolute), site data edited."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("hosts", "groups"):
        (dest / f"{name}.yaml").write_text((LAB_INVENTORY / f"{name}.yaml").read_text())
    defaults = yaml.safe_load((LAB_INVENTORY / "defaults.yaml").read_text())
    site = defaults["data"]["site"]
    absolute_manifests(site, LAB_INVENTORY)
    edit(site)
    (dest / "defaults.yaml").write_text(yaml.safe_dump(defaults, sort_keys=False))
    return dest


def metallb_0149(site: dict[str, Any]) -> None:
    site["metallb"]["version"] = "0.14.9"
    site["metallb"]["manifests"] = [pinned_file(METALLB_0149)]  # the stand-in, pinned
    site["metallb"]["control_plane_announces"] = False
    site["metallb"].pop("memberlist_secret_env", None)


def fresh_twin(site: Site) -> None:
    """As `python -m runbooks.lab up` starts it: router without BGP, speakers unpeered,
    nodes not bootstrapped, no cluster."""
    down(site)
    up(site, peer=False, router_bgp=False, wait=False)


def phase_hosts(site: Site, phase: str) -> set[str]:
    return set(TABLE.hosts_of(site, phase))


def run_phase(site: Site, phase: str, dry_run: bool = False) -> AggregatedResult:
    nr = init_nornir(site, phase_hosts(site, phase), num_workers=4)
    try:
        return nr.run(task=TABLE[phase].task, site=site, dry_run=dry_run)
    finally:
        nr.close_connections()


def describe(result: AggregatedResult) -> dict[str, str]:
    return {
        host: f"failed={r.failed} changed={r.changed}: {r[0].result!s:.400} {r[0].exception!r}"
        for host, r in result.items()
    }


def run_all(site: Site, dry_run: bool = False) -> dict[str, dict[str, bool]]:
    """Every phase in order; assert none failed; {phase: {host: changed}}."""
    changed: dict[str, dict[str, bool]] = {}
    for phase in PHASES:
        result = run_phase(site, phase, dry_run)
        assert not result.failed, (phase, describe(result))
        changed[phase] = {h: r.changed for h, r in result.items()}
    return changed


def router_paths(site: Site) -> set[IPv4Address]:
    return set(nexthops_of(ns_name(site.router.name), IPv4Network(f"{LB_IP}/32")))


def router_bgp_routes(site: Site) -> list[str]:
    return [str(r.prefix) for r in bgp_kernel_routes(ns_name(site.router.name))]


def snapshot(site: Site) -> dict[str, object]:
    """Everything a deploy may change: node states, the cluster's files and objects, the
    local kubeconfig, the router's config.boot and FRR config, every speaker's FRR config."""
    paths = LabPaths.of(site)
    nodes = real_nodes.changes(site)  # the nodes' files changed over the rootfs
    k8s = sorted(str(p.relative_to(paths.k8s_dir)) for p in paths.k8s_dir.rglob("*"))
    objects = paths.k8s_dir / "objects.json"
    boot = paths.vyos_dir / "config.boot"
    frr_configs = {
        inst.pathspace: frr.vtysh(inst, "show running-config")
        for inst in [router_instance(site), *(node_instance(site, n.name) for n in site.nodes)]
    }
    return {
        "nodes": json.dumps(nodes, sort_keys=True),
        "k8s files": k8s,
        "objects": objects.read_text() if objects.exists() else None,
        "kubeconfig": site.kubernetes.kubeconfig.exists(),
        "config.boot": boot.read_text() if boot.exists() else None,
        "frr": frr_configs,
    }


__all__ = ["load_site"]
