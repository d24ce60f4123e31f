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
from bgplb.audit.parse_router import DEFAULT_FLOWS
from bgplb.audit.probe import ProbeTarget
from bgplb.model import Site
from bgplb.nornir_init import init_nornir
from tasks.audit_cluster import KubeClients, audit_cluster
from tasks.audit_probe import audit_probe
from tasks.audit_router import audit_router


@dataclass(frozen=True)
class GatherOptions:
    flows: int = DEFAULT_FLOWS
    probe: bool = True
    requests: int = 30
    timeout_s: float = 2.0


def cluster_host(site: Site, hosts: Collection[str]) -> str | None:
    return next((n.name for n in site.nodes if n.role == "control_plane" and n.name in hosts), None)


def audit_source(
    task: Task,
    site: Site,
    options: GatherOptions,
    cluster_on: str | None,
    kube: KubeClients | None = None,
) -> Result:
    """Phase-1 dispatcher: the router gathers the router, one control-plane host the cluster."""
    if task.host.name == site.router.name:
        return audit_router(task, site, options.flows)
    if task.host.name == cluster_on:
        return audit_cluster(task, site, kube)
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


def gathered_from(site: Site, hosts: Collection[str], options: GatherOptions) -> set[str]:
    """The hosts among `hosts` (--limit) the audit contacts: the router, one control-plane
    node, and the clients when probing."""
    clients = {c.name for c in site.clients if c.name in hosts} if options.probe else set()
    return {h for h in (_router_on(site, hosts), cluster_host(site, hosts)) if h} | clients


def _router_on(site: Site, hosts: Collection[str]) -> str | None:
    return site.router.name if site.router.name in hosts else None


class AuditGather:
    """The audit's gather over Nornir, its connections kept open from one round to the next
    (`--watch`) until close(): the router's SSH session, the client shells, the Kubernetes
    API clients and their connection pool. Each call is one round: Observations."""

    def __init__(
        self,
        site: Site,
        hosts: Collection[str],
        options: GatherOptions,
        processors: list[Any] | None = None,
    ) -> None:
        self.site, self.options, self.processors = site, options, processors
        self.router_on = _router_on(site, hosts)
        self.cluster_on = cluster_host(site, hosts)
        self.clients = sorted(c.name for c in site.clients if c.name in hosts)
        self.kube = KubeClients()
        self._phase1: Nornir | None = None
        self._probe: Nornir | None = None

    def __enter__(self) -> AuditGather:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for nr in (self._phase1, self._probe):
            if nr is not None:
                nr.close_connections()
        self._phase1 = self._probe = None
        self.kube.close()

    def __call__(self) -> Observations:
        """Everything the checks need; raises only InputError (missing secret: exit 2)."""
        site, options = self.site, self.options
        phase1 = {h for h in (self.router_on, self.cluster_on) if h}
        router: RouterObservation | GatherFailure
        cluster: ClusterObservation | GatherFailure
        if phase1:
            if self._phase1 is None:
                self._phase1 = _nornir(site, phase1, self.processors)
            result = self._phase1.run(
                task=audit_source,
                site=site,
                options=options,
                cluster_on=self.cluster_on,
                kube=self.kube,
            )
            router = _pick(result, "router", self.router_on, RouterObservation)
            cluster = _pick(result, "cluster", self.cluster_on, ClusterObservation)
        else:
            router = _pick(AggregatedResult("none"), "router", None, RouterObservation)
            cluster = _pick(AggregatedResult("none"), "cluster", None, ClusterObservation)
        probes: tuple[ProbeObservation | GatherFailure, ...] = ()
        if options.probe and self.clients:
            if self._probe is None:
                self._probe = _nornir(site, set(self.clients), self.processors)
            result = self._probe.run(
                task=audit_probe,
                site=site,
                targets=probe_targets(site, cluster),
                requests=options.requests,
                timeout_s=options.timeout_s,
            )
            probes = tuple(_pick(result, "probe", c, ProbeObservation) for c in self.clients)
        return Observations(router, cluster, probes, probe_requested=options.probe)


def gather_with_nornir(
    site: Site,
    hosts: Collection[str],
    options: GatherOptions,
    processors: list[Any] | None = None,
) -> Observations:
    """One round of the audit's gather, every connection closed afterwards."""
    with AuditGather(site, hosts, options, processors) as gather:
        return gather()


def _nornir(site: Site, hosts: set[str], processors: list[Any] | None) -> Nornir:
    nr = init_nornir(site, hosts)
    return nr.with_processors(processors) if processors else nr
