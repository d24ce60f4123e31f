"""The twin as the audit sees it: lab up, the emulated cluster, MetalLB and the demo Service.

Shared by the twin tests (tests/audit/twin) and the benchmark (bench/audit.py). The caller
holds the machine-wide twin lock (tests/conftest.py `twin_session` / `twin_lock`).

    with audit_twin(site) as twin:      # lab up, cluster, MetalLB + demo app, 3-way ECMP
        twin.restore()                  # back to healthy after a test broke something

The cluster is started directly through lab/k8s/kubeadm_backend (no node SSH): `init_cluster`
runs the API server in the control plane's namespace on its address (198.18.30.50:6443) with
the lab announcer (emulated MetalLB drives the nodes' FRR), then `join_node` per worker.
The site's kubeconfig (kubernetes.kubeconfig) receives the server's direct kubeconfig
(server at the listening address, tls-server-name = the endpoint name, TLS verified).

When the site's first Service has `external_traffic_policy: Local`, MetalLB announces its
address only from the nodes with a ready pod of it: the twin then waits for, and restores,
the route over those nodes (`AuditTwin.announcers`), not over every node.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

from kubernetes import client, config

from bgplb.model import Site
from bgplb.model.specs import ServiceSpec
from bgplb.nornir_init import init_nornir
from lab.k8s import kubeadm_backend as kb
from lab.k8s.server_process import stop_server
from lab.lifecycle import down, up
from lab.observe import nexthops_of
from lab.poll import wait_for
from lab.speaker import Speaker
from lab.topology import ns_name

MEMBERLIST_ENV = "BGPLB_METALLB_MEMBERLIST_KEY"
MEMBERLIST_KEY = "bgplb-audit-twin-memberlist-key"
ECMP_TIMEOUT_S = 60.0


def cluster_state_dir(site: Site) -> Path:
    """Where the emulated cluster keeps its state: the lab's <state>/k8s, as `kubeadm init` on
    the twin's nodes does (so `lab.lifecycle.down` stops its API server too)."""
    assert site.lab is not None, "the site is not a twin (no lab: section)"
    return Path(site.lab.state_dir) / "k8s"


def router_ns(site: Site) -> str:
    return ns_name(site.router.name)


def ecmp_hops(site: Site, address: IPv4Address) -> set[IPv4Address]:
    return set(nexthops_of(router_ns(site), IPv4Network(f"{address}/32")))


def node_addresses(site: Site) -> set[IPv4Address]:
    return {n.address for n in site.nodes}


def run_phase(site: Site, task: Callable[..., Any], **kwargs: Any) -> Any:
    """One deploy-phase task on the control-plane host (it only reads the kubeconfig)."""
    nr = init_nornir(site, {site.control_plane.name})
    result = nr.run(task=task, site=site, **kwargs)
    host = result[site.control_plane.name]
    if host.failed:
        raise RuntimeError(f"{task.__name__} failed: {host[0].result!r} {host[0].exception!r}")
    return host[0].result


@dataclass
class AuditTwin:
    site: Site
    state_dir: Path
    token: str
    lb_ip: IPv4Address
    announcers: frozenset[str] | None = None  # the nodes MetalLB announces from (None: all)

    @property
    def announcing(self) -> set[IPv4Address]:
        """The router's next hops for the LB IP when the twin is healthy."""
        names = self.announcers
        return {n.address for n in self.site.nodes if names is None or n.name in names}

    def speaker(self, node: str) -> Speaker:
        return Speaker(self.site, node)

    def wait_ecmp(self, want: set[IPv4Address], address: IPv4Address | None = None) -> None:
        address = address or self.lb_ip
        if not wait_for(lambda: ecmp_hops(self.site, address) == want, timeout=ECMP_TIMEOUT_S):
            got = sorted(map(str, ecmp_hops(self.site, address)))
            raise AssertionError(f"{address}: router next hops {got}, wanted {sorted(want)}")

    def wait_width(self, width: int, address: IPv4Address | None = None) -> bool:
        """The router's kernel route to the address has `width` next hops (within the timeout)."""
        address = address or self.lb_ip
        return wait_for(lambda: len(ecmp_hops(self.site, address)) == width, timeout=ECMP_TIMEOUT_S)

    def restore(self) -> None:
        """Every node's bgpd running, link up, the announcers announcing; the route back over
        them (every node unless the Service is Local)."""
        for node in self.site.nodes:
            sp = self.speaker(node.name)
            sp.start_bgpd()
            sp.restore_link()
            if self.announcers is None or node.name in self.announcers:
                sp.announce(self.lb_ip)
        self.wait_ecmp(self.announcing)


def start_cluster(site: Site, state_dir: Path, announcer: str = "lab") -> str:
    """kubeadm init on the control plane, join every worker; the site's kubeconfig written.

    announcer "lab": the emulated MetalLB drives the nodes' FRR; "record": it only records
    what it would announce (a benchmark then announces in bulk itself)."""
    if state_dir.exists():
        stop_server(state_dir)
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True)
    token = kb.init_cluster(site, state_dir, announcer=announcer)
    for node in site.nodes:
        if node.role != "control_plane":
            kb.join_node(state_dir, node.name, token)
    kubeconfig = site.kubernetes.kubeconfig.expanduser()
    kubeconfig.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(kb.direct_conf(state_dir), kubeconfig)
    kubeconfig.chmod(0o600)
    return token


def deploy(site: Site) -> None:
    """The toolkit's own deploy phases: CNI (nodes Ready), MetalLB and its config, the app."""
    from tasks.k8s_phases import app, cni, metallb

    os.environ.setdefault(MEMBERLIST_ENV, MEMBERLIST_KEY)
    run_phase(site, cni)
    run_phase(site, metallb)
    run_phase(site, app)


def router_commit(site: Site, lines: list[str]) -> str:
    """Merge `set`/`delete` lines into the router over SSH (the bgplb_vyos driver), commit;
    returns the diff that was committed."""
    nr = init_nornir(site, {site.router.name})
    device = nr.inventory.hosts[site.router.name].get_connection("napalm", nr.config)
    try:
        device.load_merge_candidate(config="\n".join(lines))
        diff = str(device.compare_config())
        device.commit_config()
    finally:
        nr.close_connections()
    return diff


@contextmanager
def router_changed(site: Site, change: list[str], undo: list[str]) -> Iterator[str]:
    """The router with `change` committed, and `undo` committed on the way out."""
    diff = router_commit(site, change)
    try:
        yield diff
    finally:
        router_commit(site, undo)


def stop_cluster(site: Site, state_dir: Path) -> None:
    stop_server(state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)
    site.kubernetes.kubeconfig.expanduser().unlink(missing_ok=True)


def ready_pod_nodes(site: Site, svc: ServiceSpec) -> list[str]:
    """The node of each ready pod of the Service (its `app` label), from the API server."""
    kubeconfig = site.kubernetes.kubeconfig.expanduser()
    api = client.CoreV1Api(config.new_client_from_config(str(kubeconfig)))  # type: ignore[no-untyped-call]
    pods: list[Any] = api.list_namespaced_pod(svc.namespace, label_selector=f"app={svc.app}").items
    return sorted(
        str(p.spec.node_name)
        for p in pods
        if p.spec.node_name
        and any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
    )


def local_announcers(site: Site) -> frozenset[str] | None:
    """With externalTrafficPolicy Local, the nodes MetalLB announces the first Service from:
    its ready pods' nodes among those allowed to announce (None for Cluster: every node)."""
    svc = site.services[0]
    if svc.external_traffic_policy != "Local":
        return None
    allowed = {n.name for n in site.expected_announcers}
    found: list[str] = []

    def all_ready() -> bool:
        nonlocal found
        found = ready_pod_nodes(site, svc)
        return len(found) >= svc.replicas

    wait_for(all_ready, timeout=ECMP_TIMEOUT_S, interval=0.5)
    return frozenset(found) & allowed


@contextmanager
def audit_twin(
    site: Site, log: Callable[[str], None] = lambda _: None, announcer: str = "lab"
) -> Iterator[AuditTwin]:
    """The healthy twin for the audit, always torn down (lab and cluster) on the way out.

    With announcer="record" nothing is announced by MetalLB: the caller announces."""
    lb_ip = site.services[0].lb_ip
    assert lb_ip is not None, "the site's first Service has no lb_ip"
    state_dir = cluster_state_dir(site)
    start = time.monotonic()
    down(site)
    try:
        up(site)
        log(f"{time.monotonic() - start:6.2f}s lab up")
        token = start_cluster(site, state_dir, announcer)
        log(f"{time.monotonic() - start:6.2f}s cluster up ({len(site.nodes)} nodes)")
        deploy(site)
        log(f"{time.monotonic() - start:6.2f}s MetalLB and app applied")
        twin = AuditTwin(site, state_dir, token, lb_ip, local_announcers(site))
        if announcer == "lab":
            twin.wait_ecmp(twin.announcing)
            log(f"{time.monotonic() - start:6.2f}s {len(twin.announcing)}-way ECMP route installed")
        yield twin
    finally:
        stop_cluster(site, state_dir)
        down(site)
