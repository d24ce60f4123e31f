"""Checks on failover: silent peers from the router's own data, and how long a hard node death
would blackhole flows with the negotiated timers and BFD.

A node that dies hard (power, kernel panic, a dark NIC or switch port) never closes its TCP
session: the router keeps it as a next hop until the hold timer runs out, and every flow hashed
to it is lost meanwhile. FRR's time since the last message read from the peer tells it before
the hold timer does: a healthy peer sends a keepalive every keepalive interval, so more than two
intervals of silence means the peer is gone (parse_router.liveness_from_driver).
"""

from __future__ import annotations

from ipaddress import IPv4Address

from bgplb.audit.findings import Finding, error, passed, warning
from bgplb.audit.naming import hop, node_names, unavailable
from bgplb.audit.observations import (
    BgpSession,
    ClusterObservation,
    GatherFailure,
    PeerLiveness,
    RouterObservation,
)
from bgplb.model import Site

DEFAULT_BLACKHOLE_THRESHOLD_S = 10.0


def node_evidence(cluster: ClusterObservation | GatherFailure, node: str | None) -> str:
    """What Kubernetes says about the node: its Ready condition and its speaker's readiness."""
    if node is None:
        return ""
    if isinstance(cluster, GatherFailure):
        return f"Kubernetes: not gathered ({cluster.error})"
    seen = cluster.node(node)
    if seen is None:
        return f"Kubernetes: no node {node}"
    parts = [f"Kubernetes: node {node} Ready={'True' if seen.ready else 'not True'}"]
    if seen.lease_age_s is not None:
        parts.append(f"Lease renewed {seen.lease_age_s:.0f} s ago")
    speaker = next((p for p in cluster.speakers if p.node == node), None)
    if speaker is None:
        parts.append("no speaker pod")
    else:
        parts.append(f"speaker {speaker.name} {'ready' if speaker.ready else 'not ready'}")
    return ", ".join(parts)


def silent_cause(cluster: ClusterObservation | GatherFailure, node: str | None) -> str:
    """The likely cause of a silent peer, from the evidence beside it."""
    evidence = node_evidence(cluster, node)
    if isinstance(cluster, ClusterObservation) and node is not None:
        seen = cluster.node(node)
        if seen is not None and not seen.ready:
            return f"the node is down (hard failure: power, kernel, link); {evidence}"
        speaker = next((p for p in cluster.speakers if p.node == node), None)
        if speaker is not None and not speaker.ready:
            return f"the speaker is down without closing its session; {evidence}"
    return (
        "the node or its link died without closing the session (Kubernetes may not have "
        f"noticed yet); {evidence}"
        if evidence
        else "the node or its link died without closing the session"
    )


def silent_finding(
    obj: str, live: PeerLiveness, cluster: ClusterObservation | GatherFailure, node: str | None
) -> Finding | None:
    silent = live.silent_s
    if silent is None:
        return None
    left = live.hold_left_s
    more = f"; the router keeps routing to it for up to {left:.0f} s more" if left else ""
    return error(
        "liveness",
        obj,
        f"a message at least every {live.keepalive_s:g} s (keepalive)",
        f"peer silent for {silent:.0f} s{more}",
        silent_cause(cluster, node),
    )


def exposure_finding(obj: str, live: PeerLiveness, threshold_s: float) -> Finding:
    """How long the router would keep a hard-dead node as a next hop."""
    if live.bfd_up:
        return passed("failover", obj, f"blackhole <= {threshold_s:g} s", "BFD up")
    timers = f"hold {live.hold_s:g} s / keepalive {live.keepalive_s:g} s"
    bfd = f"BFD {live.bfd_status}" if live.bfd_status else "no BFD"
    if live.hold_s == 0:
        return warning(
            "failover",
            obj,
            f"blackhole <= {threshold_s:g} s on a hard node death",
            f"hold 0 (keepalives off), {bfd}: a dead node is never detected",
            "set a hold time (e.g. 9 s / keepalive 3 s) or enable BFD",
        )
    if live.hold_s is None or live.hold_s > threshold_s:
        return warning(
            "failover",
            obj,
            f"blackhole <= {threshold_s:g} s on a hard node death",
            f"up to {live.hold_s:g} s ({timers}, {bfd})"
            if live.hold_s is not None
            else f"hold time unknown, {bfd}",
            "lower the hold time (e.g. 9 s / keepalive 3 s) or enable BFD (300 ms x 3); "
            "see the README's failover section",
        )
    return passed(
        "failover", obj, f"blackhole <= {threshold_s:g} s", f"up to {live.hold_s:g} s ({timers})"
    )


def check_liveness(
    site: Site,
    router: RouterObservation | GatherFailure,
    cluster: ClusterObservation | GatherFailure,
    threshold_s: float = DEFAULT_BLACKHOLE_THRESHOLD_S,
) -> list[Finding]:
    """9. every Established peer spoke within two keepalives; the failover exposure per peer."""
    if isinstance(router, GatherFailure):
        return [unavailable("liveness", f"router {site.router.name}", router, "peer timers")]
    names = node_names(site, cluster)
    out: list[Finding] = []
    for neighbor in site.router.neighbors:
        s = router.session(neighbor.address)
        if s is None or not s.established:
            continue  # the session check reports it
        obj = f"peer {hop(neighbor.address, names)}"
        if s.liveness is None:
            out.append(
                error(
                    "liveness",
                    obj,
                    "the time since the peer's last message",
                    "not reported by the router driver",
                    "the bgplb_vyos driver's get_bgp_peer_liveness gives it",
                )
            )
            continue
        found = silent_finding(obj, s.liveness, cluster, names.get(neighbor.address))
        if found is not None:
            out.append(found)
        else:
            out.append(
                passed(
                    "liveness",
                    obj,
                    f"a message at least every {s.liveness.keepalive_s:g} s",
                    f"last message {s.liveness.last_read_s:g} s ago",
                )
            )
        out.append(exposure_finding(obj, s.liveness, threshold_s))
    return out


def silent_peers(router: RouterObservation | GatherFailure) -> dict[IPv4Address, BgpSession]:
    """Established peers the router has not heard from for more than two keepalives."""
    if isinstance(router, GatherFailure):
        return {}
    return {
        s.peer: s
        for s in router.sessions
        if s.established and s.liveness is not None and s.liveness.silent_s is not None
    }
