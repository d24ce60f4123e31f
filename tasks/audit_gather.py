"""Run the audit's gather tasks with Nornir and turn their Results into Observations.

Phase 1, in parallel: the router (NAPALM) and the cluster (Kubernetes API, run on the first
selected control-plane host). Phase 2, optional: the live probe from the clients, aimed at the
addresses phase 1 found (the Services' ingress IPs, else the inventory's), through each
client's shell connection as its inventory chooses it (tasks/audit_probe.py). A failed host is a
GatherFailure, never an exception; a source left out by --limit is a skipped GatherFailure.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from nornir.core import Nornir
from nornir.core.task import AggregatedResult, MultiResult, Result, Task

from bgplb.audit.observations import (
    ClusterObservation,
    GatherFailure,
    Observations,
    ProbeObservation,
    RouterObservation,
)
from bgplb.audit.probe import ProbeTarget
from bgplb.model import Site
from bgplb.nornir_init import init_nornir
from tasks.audit_cluster import audit_cluster
from tasks.audit_probe import audit_probe
from tasks.audit_router import audit_router


@dataclass(frozen=True)
class GatherOptions:
    flows: int = 30
    probe: bool = True
    requests: int = 30
    timeout_s: float = 2.0


def cluster_host(site: Site, hosts: Collection[str]) -> str | None:
    return next((n.name for n in site.nodes if n.role == "control_plane" and n.name in hosts), None)


def audit_source(task: Task, site: Site, options: GatherOptions, cluster_on: str | None) -> Result:
    """Phase-1 dispatcher: the router gathers the router, one control-plane host the cluster."""
    if task.host.name == site.router.name:
        return audit_router(task, site, options.flows)
    if task.host.name == cluster_on:
        return audit_cluster(task, site)
    return Result(host=task.host, result=None)


def _failure(source: str, host: str, multi: MultiResult | None) -> GatherFailure:
    if multi is None:
        return GatherFailure(source, host, "no result")
    exc = next((r.exception for r in multi if r.exception is not None), None)
    text = f"{type(exc).__name__}: {exc}" if exc else str(multi[0].result)
    return GatherFailure(source, host, " ".join(text.split())[:500])


def _pick(result: AggregatedResult, source: str, host: str | None, kind: type[Any]) -> Any:
    if host is None:
        return GatherFailure(source, "-", "no host selected for it (--limit)", skipped=True)
    multi = result.get(host)
    if multi is None or multi.failed or not isinstance(multi[0].result, kind):
        return _failure(source, host, multi)
    return multi[0].result


def probe_targets(site: Site, cluster: ClusterObservation | GatherFailure) -> list[ProbeTarget]:
    if isinstance(cluster, ClusterObservation):
        return [
            ProbeTarget(ip, svc.ports[0] if svc.ports else 80)
            for svc in cluster.services
            for ip in svc.ingress_ips
        ]
    return [ProbeTarget(s.lb_ip, s.port) for s in site.services if s.lb_ip is not None]


def gather_with_nornir(
    site: Site,
    hosts: Collection[str],
    options: GatherOptions,
    processors: list[Any] | None = None,
) -> Observations:
    """Everything the checks need; raises only InputError (missing secret: exit 2)."""
    router_on = site.router.name if site.router.name in hosts else None
    cluster_on = cluster_host(site, hosts)
    phase1 = {h for h in (router_on, cluster_on) if h}
    router: RouterObservation | GatherFailure
    cluster: ClusterObservation | GatherFailure
    if phase1:
        nr = _nornir(site, phase1, processors)
        try:
            result = nr.run(task=audit_source, site=site, options=options, cluster_on=cluster_on)
        finally:
            nr.close_connections()
        router = _pick(result, "router", router_on, RouterObservation)
        cluster = _pick(result, "cluster", cluster_on, ClusterObservation)
    else:
        router = _pick(AggregatedResult("none"), "router", None, RouterObservation)
        cluster = _pick(AggregatedResult("none"), "cluster", None, ClusterObservation)
    probes: tuple[ProbeObservation | GatherFailure, ...] = ()
    clients = sorted(c.name for c in site.clients if c.name in hosts)
    if options.probe and clients:
        targets = probe_targets(site, cluster)
        nr = _nornir(site, set(clients), processors)
        try:
            result = nr.run(
                task=audit_probe,
                site=site,
                targets=targets,
                requests=options.requests,
                timeout_s=options.timeout_s,
            )
        finally:
            nr.close_connections()
        probes = tuple(_pick(result, "probe", c, ProbeObservation) for c in clients)
    return Observations(router, cluster, probes, probe_requested=options.probe)


def _nornir(site: Site, hosts: set[str], processors: list[Any] | None) -> Nornir:
    nr = init_nornir(site, hosts)
    return nr.with_processors(processors) if processors else nr
