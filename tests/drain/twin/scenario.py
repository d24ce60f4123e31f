"""The drain scenario both MetalLB dialects go through on the twin (tests and bench)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from kubernetes import client, config

from bgplb.model import Site
from lab.frr import vtysh_json
from lab.instances import router_instance
from lab.lifecycle import down, up
from runbooks import audit as audit_runbook
from runbooks import drain as drain_runbook
from tests.audit.twin.twin import (
    AuditTwin,
    cluster_state_dir,
    deploy,
    ecmp_hops,
    start_cluster,
    stop_cluster,
)
from tests.drain.twin.load import RequestLoop

Capture = Callable[[], str]  # what the runbook printed on stdout since the last call


def run_json(main: Callable[[list[str]], int], read: Capture, argv: list[str]) -> tuple[int, Any]:
    read()
    code = main([*argv, "--json"])
    return code, json.loads(read())


@dataclass
class Step:
    code: int
    doc: dict[str, Any]
    failed: int
    requests: int
    hops: set[IPv4Address]
    errors: list[str]

    def report(self) -> str:
        return "; ".join([f"{self.failed} of {self.requests} requests failed", *self.errors])


def drain_step(
    twin: AuditTwin, inventory: Path, read: Capture, *args: str, lb_ip: IPv4Address | None = None
) -> Step:
    """Run the drain runbook with `args` under a request loop from every client."""
    address = lb_ip or twin.lb_ip
    with RequestLoop(twin.site, address) as loop:
        code, doc = run_json(drain_runbook.main, read, ["--inventory", str(inventory), *args])
    return Step(code, doc, loop.failed, loop.total, ecmp_hops(twin.site, address), loop.errors)


def audit_json(inventory: Path, read: Capture) -> tuple[int, Any]:
    return run_json(audit_runbook.main, read, ["--inventory", str(inventory)])


def router_drops(site: Site) -> dict[str, int]:
    """Node address -> how many times the router's session with it went down (FRR's
    connectionsDropped): a session reset shows here however quickly it came back."""
    summary = vtysh_json(router_instance(site), "show bgp ipv4 unicast summary json")
    af: Any = summary.get("ipv4Unicast", summary)
    return {str(a): int(p.get("connectionsDropped", 0)) for a, p in af["peers"].items()}


def core_api(site: Site) -> client.CoreV1Api:
    api = config.new_client_from_config(str(site.kubernetes.kubeconfig.expanduser()))
    return client.CoreV1Api(api)


def node_state(site: Site) -> dict[str, tuple[bool, dict[str, str]]]:
    """node -> (cordoned, labels)."""
    return {
        n.metadata.name: (bool(n.spec.unschedulable), dict(n.metadata.labels or {}))
        for n in core_api(site).list_node().items
    }


def pods_on(site: Site, node: str, namespace: str = "default") -> list[str]:
    pods = core_api(site).list_namespaced_pod(namespace, field_selector=f"spec.nodeName={node}")
    return [p.metadata.name for p in pods.items]


@contextmanager
def drain_twin(site: Site) -> Iterator[AuditTwin]:
    """audit_twin for any MetalLB version: up, cluster, MetalLB and the app, then the router
    routing the LB IP over the nodes the site means to announce; always torn down."""
    lb_ip = site.services[0].lb_ip
    assert lb_ip is not None
    state_dir = cluster_state_dir(site)
    down(site)
    try:
        up(site)
        token = start_cluster(site, state_dir)
        deploy(site)
        twin = AuditTwin(site, state_dir, token, lb_ip)
        twin.wait_ecmp({n.address for n in site.expected_announcers})
        yield twin
    finally:
        stop_cluster(site, state_dir)
        down(site)
