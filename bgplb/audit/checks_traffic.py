"""Checks on traffic: the kernel's per-flow ECMP choice and the live probe from the clients."""

from __future__ import annotations

from collections import Counter
from ipaddress import IPv4Address

from bgplb.audit.checks_failover import node_evidence
from bgplb.audit.expect import Expectation
from bgplb.audit.findings import Finding, Severity, error, passed, warning
from bgplb.audit.naming import hop, hops, node_names, share, unavailable
from bgplb.audit.observations import (
    ClusterObservation,
    GatherFailure,
    Observations,
    Route,
    RouterObservation,
)
from bgplb.audit.parse_router import FLOWS_PER_HOP_FOR_CERTAINTY
from bgplb.model import Site

LAYER4_FIX = "set system ip multipath layer4-hashing"


def check_hash_spread(site: Site, router: RouterObservation | GatherFailure) -> list[Finding]:
    """7. the router's kernel spreads synthetic flows over every next hop of the LB routes,
    judged once per next-hop set (the flows are sampled per set: parse_router.flow_targets)."""
    obj = f"router {site.router.name} hashing"
    if isinstance(router, GatherFailure):
        return [unavailable("hash-spread", obj, router, "router configuration and flows")]
    names = {n.address: n.name for n in site.nodes}
    out: list[Finding] = []
    layer4 = router.config.layer4_hashing
    if layer4:
        out.append(passed("hash-spread", obj, "layer-4 hashing (ports in the ECMP hash)"))
    else:
        sev = Severity.ERROR if site.router.bgp.layer4_hashing else Severity.WARNING
        out.append(
            Finding(
                sev,
                "hash-spread",
                obj,
                "layer-4 hashing (ports in the ECMP hash)",
                "layer-3 only: one client address always lands on one node",
                LAYER4_FIX,
            )
        )
    for fib, group in _by_next_hops(router.routes).items():
        out.append(_spread_of(group, fib, router, names, layer4))
    return out


def _by_next_hops(routes: tuple[Route, ...]) -> dict[frozenset[IPv4Address], list[IPv4Address]]:
    """LB host routes with two or more FIB next hops, grouped by that set (address order)."""
    groups: dict[frozenset[IPv4Address], list[IPv4Address]] = {}
    for route in routes:
        if route.host_address is not None and len(route.fib) >= 2:
            groups.setdefault(route.fib, []).append(route.host_address)
    return {fib: sorted(ips) for fib, ips in groups.items()}


def _group_name(group: list[IPv4Address], sampled: set[IPv4Address]) -> str:
    if len(group) == 1:
        return str(group[0])
    return f"{group[0]} .. {group[-1]} ({len(group)} addresses, {len(sampled)} sampled)"


def _spread_of(
    group: list[IPv4Address],
    fib: frozenset[IPv4Address],
    router: RouterObservation,
    names: dict[IPv4Address, str],
    layer4: bool,
) -> Finding:
    """One next-hop set: the flows asked for any of its addresses, judged together (the
    kernel hashes every route over the same set alike)."""
    flows = [f for a in group for f in router.flows_to(a)]
    obj = _group_name(group, {f.destination for f in flows})
    if not flows:
        return Finding(
            Severity.SKIPPED, "hash-spread", obj, "flows asked", "no flow asked (--flows 0)"
        )
    counts = Counter(f.next_hop for f in flows if f.next_hop is not None)
    spread = share({hop(a, names): n for a, n in counts.items()})
    errors = sorted({f.error for f in flows if f.error})
    foreign = set(counts) - fib
    idle = fib - set(counts)
    expected = f"{len(flows)} flows over {hops(fib, names)}"
    if errors:
        return error(
            "hash-spread",
            obj,
            expected,
            f"{sum(1 for f in flows if f.error)} flow(s) unanswered: " + "; ".join(errors[:3]),
            "`ip route get` failed on the router",
        )
    if foreign:
        return error(
            "hash-spread",
            obj,
            expected,
            f"flows leave via {hops(foreign, names)}, outside the route",
            "the FIB changed during the audit, or policy routing applies",
        )
    if idle:
        certain = layer4 and len(flows) >= FLOWS_PER_HOP_FOR_CERTAINTY * len(fib)
        hint = (
            "ECMP hashing leaves a node idle"
            if certain
            else ("too few flows or layer-3 hashing: " + LAYER4_FIX + ", or ask more --flows")
        )
        return Finding(
            Severity.ERROR if certain else Severity.WARNING,
            "hash-spread",
            obj,
            expected,
            f"no flow to {hops(idle, names)}; {spread}",
            hint,
        )
    return passed("hash-spread", obj, expected, spread)


def _layer4(site: Site, router: RouterObservation | GatherFailure) -> bool:
    """Layer-4 hashing is configured (on the router, or intended by the inventory)."""
    if isinstance(router, RouterObservation):
        return router.config.layer4_hashing
    return site.router.bgp.layer4_hashing


def dead_hop_cause(
    address: IPv4Address,
    node: str | None,
    router: RouterObservation | GatherFailure,
    cluster: ClusterObservation | GatherFailure,
    service_local_without_endpoint: bool,
) -> str:
    """The likely cause of a next hop answering nothing, from the evidence gathered."""
    evidence = node_evidence(cluster, node)
    session = router.session(address) if isinstance(router, RouterObservation) else None
    live = session.liveness if session else None
    if live is not None and live.silent_s is not None:
        left = live.hold_left_s
        more = f"; the router keeps routing to it for up to {left:.0f} s more" if left else ""
        return f"node silent: no BGP message for {live.silent_s:.0f} s{more}; {evidence}"
    if isinstance(cluster, ClusterObservation) and node is not None:
        seen = cluster.node(node)
        if seen is not None and not seen.ready:
            return f"node down; {evidence}"
        speaker = next((p for p in cluster.speakers if p.node == node), None)
        if speaker is not None and not speaker.ready:
            return f"speaker down; {evidence}"
    if service_local_without_endpoint:
        return f"no ready endpoint on the node (externalTrafficPolicy Local); {evidence}"
    tail = f"; {evidence}" if evidence else ""
    return f"the node or its backend does not answer (link, firewall, kube-proxy?){tail}"


def _local_without_endpoint(
    cluster: ClusterObservation | GatherFailure, target: IPv4Address, node: str | None
) -> bool:
    if not isinstance(cluster, ClusterObservation) or node is None:
        return False
    return any(
        target in svc.ingress_ips
        and svc.external_traffic_policy == "Local"
        and node not in svc.ready_endpoint_nodes
        for svc in cluster.services
    )


def check_dead_hops(
    obs: Observations,
    names: dict[IPv4Address, str],
) -> list[Finding]:
    """A next hop the router uses for an LB address that answered none of the probe's
    requests while others failed: the flows hashed to it are lost. Needs backends that name
    themselves ({"node": ...}) and the router's FIB."""
    router, cluster = obs.router, obs.cluster
    if not isinstance(router, RouterObservation):
        return []
    answered: dict[IPv4Address, set[str]] = {}
    failed: Counter[IPv4Address] = Counter()
    named: set[IPv4Address] = set()
    for probe in obs.probes:
        if isinstance(probe, GatherFailure):
            continue
        for r in probe.results:
            answered.setdefault(r.target, set()).update(r.by_node)
            failed[r.target] += r.requests - r.successes
            if r.by_node or r.successes == 0:
                named.add(r.target)
    out: list[Finding] = []
    for target in sorted(t for t in failed if failed[t] and t in named):
        route = router.route_to(target)
        for address in sorted(route.fib if route else ()):
            node = names.get(address)
            if node is not None and node in answered[target]:
                continue
            out.append(
                error(
                    "probe",
                    f"next hop {hop(address, names)} for {target}",
                    "answers the requests hashed to it",
                    f"answered none; {failed[target]} request(s) to {target} failed",
                    dead_hop_cause(
                        address,
                        node,
                        router,
                        cluster,
                        _local_without_endpoint(cluster, target, node),
                    ),
                )
            )
    return out


def check_probe(site: Site, obs: Observations, expected: tuple[Expectation, ...]) -> list[Finding]:
    """8. live probe: bounded HTTP requests from each client, success and share per node.
    Any failed request is an error; a next hop answering none of them is named."""
    if not obs.probe_requested:
        return [
            Finding(
                Severity.SKIPPED,
                "probe",
                "clients",
                "live HTTP probe",
                "not requested (--no-probe)",
            )
        ]
    if not obs.probes:
        return [
            warning(
                "probe",
                "clients",
                "live HTTP probe",
                "no client selected",
                "add hosts to the clients group or widen --limit",
            )
        ]
    names = node_names(site, obs.cluster)
    announcers = {e.address: {a.node for a in e.announcers} for e in expected}
    layer4 = _layer4(site, obs.router)
    out: list[Finding] = []
    for probe in obs.probes:
        if isinstance(probe, GatherFailure):
            out.append(unavailable("probe", f"client {probe.host}", probe, "probe results"))
            continue
        if not probe.results:
            out.append(
                warning(
                    "probe",
                    f"client {probe.client}",
                    "an LB address to probe",
                    "no target: no Service holds an address",
                )
            )
        for r in probe.results:
            obj = f"{probe.client} -> {r.target}:{r.port}"
            ok = f"{r.successes}/{r.requests} answered"
            spread = share(dict(r.by_node))
            if r.successes < r.requests:
                detail = f"{ok}; {spread}" if r.by_node else ok
                out.append(
                    error(
                        "probe",
                        obj,
                        f"{r.requests}/{r.requests} answered",
                        detail,
                        ("; ".join(r.errors[:3]) or "nothing answered")
                        + " (a node that drops what it receives, e.g. externalTrafficPolicy "
                        "Local without a local endpoint, or a dead backend)",
                    )
                )
                continue
            want = announcers.get(r.target, set())
            missed = sorted(want - set(r.by_node)) if r.by_node else []
            if missed and r.requests >= FLOWS_PER_HOP_FOR_CERTAINTY * len(want):
                out.append(
                    warning(
                        "probe",
                        obj,
                        f"requests on every announcer ({len(want)})",
                        f"{ok}; none reached {', '.join(missed)}; {spread}",
                        "layer-4 hashing is on: is the node's route in the FIB (see fib, "
                        "announcers)?"
                        if layer4
                        else "layer-3 hashing pins a client to one node; " + LAYER4_FIX,
                    )
                )
            else:
                out.append(
                    passed(
                        "probe",
                        obj,
                        f"{r.requests}/{r.requests} answered",
                        f"{ok}; {spread}" if r.by_node else ok,
                    )
                )
    return out + check_dead_hops(obs, names)
