"""The routing checks, one pure function each, and run_checks() that runs every check.

Every check returns Findings naming the object, the expected and the actual value, a pass
included. A check whose input could not be gathered returns an error finding (or `skipped`
when the source was deliberately left out), never a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address

from bgplb.audit.checks_drain import check_drained
from bgplb.audit.checks_failover import DEFAULT_BLACKHOLE_THRESHOLD_S, check_liveness
from bgplb.audit.checks_services import check_metallb, check_service_addresses, check_stale_routes
from bgplb.audit.checks_traffic import check_hash_spread, check_probe
from bgplb.audit.expect import (
    Expectation,
    drained_nodes,
    intended_announcers,
    router_peers,
)
from bgplb.audit.findings import Finding, Severity, error, passed, warning
from bgplb.audit.naming import hop, hops_memo, node_names, same_sets_memo, unavailable
from bgplb.audit.observations import (
    ClusterObservation,
    GatherFailure,
    MetallbPeer,
    Observations,
    RouterObservation,
)
from bgplb.audit.selectors import any_selector_matches
from bgplb.model import K8sNode, Site
from bgplb.vyos.paths import (
    EBGP_REQUIRES_POLICY,
    MAXIMUM_PATHS_EBGP,
    bgp_base,
    render_delete,
    render_set,
)


def policy_hint(site: Site) -> str:
    base = bgp_base(site.router.dialect, site.router.bgp.asn)
    line = render_delete((*base, *EBGP_REQUIRES_POLICY))
    return (
        "FRR's ebgp-requires-policy is on: the session is up but exchanges nothing; on VyOS "
        f"`{line}` (or add import/export route-maps)"
    )


def check_sessions(
    site: Site,
    router: RouterObservation | GatherFailure,
    cluster: ClusterObservation | GatherFailure,
) -> list[Finding]:
    """1. every node expected to speak has an Established session with matching ASNs."""
    if isinstance(router, GatherFailure):
        return [unavailable("session", f"router {site.router.name}", router, "BGP sessions")]
    names = node_names(site, cluster)
    config = cluster.config if isinstance(cluster, ClusterObservation) else None
    peers = router_peers(site, config) if config else ()
    out: list[Finding] = []
    asn = site.router.bgp.asn
    for neighbor in site.router.neighbors:
        obj = f"peer {hop(neighbor.address, names)}"
        node = next((n for n in site.nodes if n.address == neighbor.address), None)
        if node is not None and config is not None and isinstance(cluster, ClusterObservation):
            seen = cluster.node(node.name)
            labels = seen.labels if seen else node.labels
            if seen is not None and node.name in drained_nodes(site, cluster):
                out.append(
                    passed("session", obj, "any state: the node is drained (runbooks.drain)")
                )
                continue
            if not any(any_selector_matches(p.node_selectors, labels) for p in peers):
                out.append(
                    warning(
                        "session",
                        obj,
                        "a MetalLB peer for the router selecting the node",
                        "no MetalLB peer selects it: the router's neighbor will never come up",
                    )
                )
                continue
        s = router.session(neighbor.address)
        expected = f"Established, AS {asn} <-> AS {neighbor.remote_as}"
        if s is None:
            out.append(
                error(
                    "session",
                    obj,
                    expected,
                    "no such neighbor on the router",
                    f"set protocols bgp neighbor {neighbor.address} ... (see the deploy runbook)",
                )
            )
            continue
        if s.policy_blocked:
            out.append(error("session", obj, expected, s.shown_state, policy_hint(site)))
            continue
        if not s.established:
            hint = (
                "the neighbor is shut down on the router"
                if not s.is_enabled
                else f"is the MetalLB speaker on {names.get(neighbor.address, 'the node')} "
                "running, and TCP 179 reachable?"
            )
            out.append(error("session", obj, expected, s.shown_state, hint))
            continue
        mismatch = _asn_mismatch(s.local_as, s.remote_as, asn, neighbor.remote_as, node, peers)
        if mismatch:
            out.append(
                error(
                    "session",
                    obj,
                    expected,
                    mismatch,
                    "align the ASNs in inventory, router and MetalLB config",
                )
            )
            continue
        out.append(
            passed(
                "session",
                obj,
                expected,
                f"Established, AS {s.local_as} <-> AS "
                f"{s.remote_as}, {s.received_prefixes} prefix(es) received",
            )
        )
    known = {n.address for n in site.router.neighbors}
    for s in router.sessions:
        if s.peer not in known:
            out.append(
                warning(
                    "session",
                    f"peer {hop(s.peer, names)}",
                    "not configured (inventory)",
                    f"{s.shown_state}, AS {s.remote_as}",
                    "a neighbor the inventory lacks",
                )
            )
    return out


def _asn_mismatch(
    local_as: int,
    remote_as: int,
    site_asn: int,
    neighbor_as: int,
    node: K8sNode | None,
    peers: tuple[MetallbPeer, ...],
) -> str:
    problems = []
    if local_as != site_asn:
        problems.append(f"router local AS {local_as}, inventory says {site_asn}")
    if remote_as != neighbor_as:
        problems.append(f"router remote AS {remote_as}, inventory says {neighbor_as}")
    node_asn = node.asn if node else None
    for p in peers:
        if p.peer_asn != site_asn:
            problems.append(f"MetalLB peer {p.name} peer-asn {p.peer_asn}, router AS {site_asn}")
        if node_asn is not None and p.my_asn != node_asn:
            problems.append(f"MetalLB peer {p.name} my-asn {p.my_asn}, node AS {node_asn}")
    return "; ".join(problems)


def check_announcers(
    site: Site,
    router: RouterObservation | GatherFailure,
    cluster: ClusterObservation | GatherFailure,
    expected: tuple[Expectation, ...],
) -> list[Finding]:
    """2. for every LB IP, the router's multipath set equals MetalLB's expected announcers."""
    if isinstance(router, GatherFailure):
        return [unavailable("announcers", "every LB IP", router, "router routes")]
    if isinstance(cluster, GatherFailure):
        return [unavailable("announcers", "every LB IP", cluster, "cluster state")]
    if cluster.config is None:
        return [
            error(
                "announcers",
                "every LB IP",
                "MetalLB config read",
                cluster.config_error or "missing",
                "see the metallb finding",
            )
        ]
    names = node_names(site, cluster)
    named = hops_memo(names)
    same = same_sets_memo()
    intended = intended_announcers(site)
    out: list[Finding] = []
    for e in expected:
        obj = f"{e.address} ({e.service})"
        route = router.route_to(e.address)
        actual = route.multipath if route else frozenset()
        want = e.next_hops
        if not want:
            why = "; ".join(f"{x.node}: {x.reason}" for x in e.left_out) or "no node"
            sev = Severity.ERROR if actual else Severity.WARNING
            out.append(
                Finding(
                    sev,
                    "announcers",
                    obj,
                    "no announcer (MetalLB announces from no node)",
                    f"router multipath: {named(actual)}",
                    f"nobody should: {why}",
                )
            )
            continue
        if same(actual, want):
            out.append(passed("announcers", obj, named(want)))
        else:
            out.append(
                error(
                    "announcers",
                    obj,
                    named(want),
                    f"router multipath: {named(actual)}",
                    _announcer_hint(want, actual, router, names, e),
                )
            )
        degraded = [
            x for x in e.left_out if x.node in intended and x.kind not in ("policy", "drained")
        ]
        if degraded:
            out.append(
                warning(
                    "announcers",
                    obj,
                    f"announced by every intended node ({len(intended)})",
                    "; ".join(f"{x.node} left out: {x.reason}" for x in degraded),
                    "the inventory's control_plane_announces and the cluster disagree"
                    if all(x.kind == "config" for x in degraded)
                    else "capacity is reduced",
                )
            )
    return out


def _announcer_hint(
    want: frozenset[IPv4Address],
    actual: frozenset[IPv4Address],
    router: RouterObservation,
    names: dict[IPv4Address, str],
    e: Expectation,
) -> str:
    parts = []
    limit = router.config.maximum_paths_ebgp
    for a in sorted(want - actual):
        s = router.session(a)
        if s is None or not s.established or s.policy_blocked:
            parts.append(f"{hop(a, names)} has no working session")
        elif limit is not None and len(actual) >= limit:
            parts.append(f"{hop(a, names)} not selected: maximum-paths {limit} truncates")
        else:
            parts.append(f"{hop(a, names)} does not announce it (speaker state?)")
    left = {x.node: x.reason for x in e.left_out}
    for a in sorted(actual - want):
        reason = left.get(names.get(a, ""), "not a MetalLB announcer")
        parts.append(f"{hop(a, names)} announces it though: {reason}")
    return "; ".join(parts)


def check_fib(site: Site, router: RouterObservation | GatherFailure) -> list[Finding]:
    """3. every LB route BGP selected is in the kernel FIB with all its next hops."""
    if isinstance(router, GatherFailure):
        return [unavailable("fib", f"router {site.router.name}", router, "router routes")]
    names = {n.address: n.name for n in site.nodes}
    named = hops_memo(names)
    same = same_sets_memo()
    out = []
    for route in router.routes:
        if route.host_address is None or not route.multipath:
            continue
        obj = str(route.host_address)
        if same(route.fib, route.multipath):
            out.append(passed("fib", obj, f"in the FIB via {named(route.multipath)}"))
        else:
            out.append(
                error(
                    "fib",
                    obj,
                    f"in the FIB via {named(route.multipath)}",
                    f"FIB: {named(route.fib)}",
                    "BGP selected next hops the kernel does not use: check zebra and "
                    "`ip route show` on the router (nexthop limits, r/q flags)",
                )
            )
    return out


def check_maximum_paths(
    site: Site, router: RouterObservation | GatherFailure, expected: tuple[Expectation, ...]
) -> list[Finding]:
    """4. maximum-paths is not below the number of announcers (ECMP truncated silently)."""
    obj = f"router {site.router.name} maximum-paths"
    if isinstance(router, GatherFailure):
        return [unavailable("maximum-paths", obj, router, "router configuration")]
    # eBGP only: validation refuses nodes in the router's AS (bgplb/model/checks.py)
    kind = "ebgp"
    value = router.config.maximum_paths_ebgp
    need = max((len(e.announcers) for e in expected), default=len(site.expected_announcers))
    need = max(need, 1)
    intended = site.router.bgp.maximum_paths.ebgp
    truncated = [
        str(r.host_address)
        for r in router.routes
        if r.host_address and value and len(r.multipath) == value < need
    ]
    evidence = f"; truncated: {', '.join(truncated)}" if truncated else ""
    base = bgp_base(site.router.dialect, site.router.bgp.asn)
    fix = render_set((*base, *MAXIMUM_PATHS_EBGP), str(max(need, intended)))
    if value is None:
        return [
            warning(
                "maximum-paths",
                obj,
                f"{kind} >= {need} (inventory: {intended})",
                "not set: FRR's default applies",
                fix,
            )
        ]
    if value < need:
        return [
            error(
                "maximum-paths",
                obj,
                f"{kind} >= {need} announcers",
                f"{kind} {value}{evidence}",
                fix,
            )
        ]
    out = [passed("maximum-paths", obj, f"{kind} >= {need} announcers", f"{kind} {value}")]
    if value != intended:
        out.append(
            warning(
                "maximum-paths",
                obj,
                f"{kind} {intended} (inventory)",
                f"{kind} {value}",
                "the router drifted from the inventory",
            )
        )
    return out


CheckRun = Callable[[], list[Finding]]


def run_checks(
    site: Site,
    obs: Observations,
    expected: tuple[Expectation, ...],
    threshold_s: float = DEFAULT_BLACKHOLE_THRESHOLD_S,
) -> list[Finding]:
    """Every check, in report order. A check that raises becomes an error finding."""
    router, cluster = obs.router, obs.cluster
    runs: list[tuple[str, CheckRun]] = [
        ("metallb", lambda: check_metallb(site, cluster)),
        ("session", lambda: check_sessions(site, router, cluster)),
        ("announcers", lambda: check_announcers(site, router, cluster, expected)),
        ("fib", lambda: check_fib(site, router)),
        ("maximum-paths", lambda: check_maximum_paths(site, router, expected)),
        ("drain", lambda: check_drained(site, router, cluster)),
        ("stale-route", lambda: check_stale_routes(site, router, cluster)),
        ("service-address", lambda: check_service_addresses(site, cluster)),
        ("hash-spread", lambda: check_hash_spread(site, router)),
        ("probe", lambda: check_probe(site, obs, expected)),
        ("liveness", lambda: check_liveness(site, router, cluster, threshold_s)),
    ]
    findings: list[Finding] = []
    for name, run in runs:
        try:
            findings.extend(run())
        except Exception as exc:  # a bug in one check must not hide the others' findings
            findings.append(
                error(
                    name,
                    "audit",
                    "the check runs",
                    f"it raised {exc!r}",
                    "a bug in bgplb.audit: please report it",
                )
            )
    return findings


__all__ = [
    "check_announcers",
    "check_drained",
    "check_fib",
    "check_hash_spread",
    "check_liveness",
    "check_maximum_paths",
    "check_metallb",
    "check_probe",
    "check_service_addresses",
    "check_sessions",
    "check_stale_routes",
    "run_checks",
]
