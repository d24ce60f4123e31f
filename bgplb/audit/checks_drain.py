"""A node drained on purpose (`runbooks.drain`): cordoned and excluded, it carries nothing.

One finding per drained node: a pass when the router routes no LB IP through it (the node is
named in the report's summary), an error when some LB route still points at it. On MetalLB 0.9
to 0.12, a warning per ConfigMap peer that does not leave out drained nodes yet: a drain would
have to change it, and those speakers reset a changed peer's session on every node
(bgplb/drain/plan.py session_resets; the deploy renders the selector).
"""

from __future__ import annotations

from bgplb.audit.expect import drained_nodes
from bgplb.audit.findings import Finding, error, passed, warning
from bgplb.audit.observations import ClusterObservation, GatherFailure, RouterObservation
from bgplb.audit.semantics import DRAIN_LABEL
from bgplb.drain.mechanism import cluster_mechanism, leaves_out_drained
from bgplb.model import Site


def check_drained(
    site: Site,
    router: RouterObservation | GatherFailure,
    cluster: ClusterObservation | GatherFailure,
) -> list[Finding]:
    if not isinstance(cluster, ClusterObservation) or not isinstance(router, RouterObservation):
        return []  # the announcers check reports the missing source
    out = _drain_ready(site, cluster)
    for name in drained_nodes(site, cluster):
        seen = cluster.node(name)
        known = next((n for n in site.nodes if n.name == name), None)
        address = known.address if known else seen.address if seen else None
        obj = f"node {name}" + (f" ({address})" if address else "")
        expected = "drained: no LB IP routed through it"
        still = sorted(
            str(r.host_address)
            for r in router.routes
            if r.host_address and address is not None and address in r.multipath | r.fib
        )
        if still:
            out.append(
                error(
                    "drain",
                    obj,
                    expected,
                    f"the router still routes {', '.join(still)} through it",
                    "is its MetalLB speaker still announcing? (python -m runbooks.drain waits "
                    "for this before evicting)",
                )
            )
        else:
            out.append(passed("drain", obj, expected, "drained: cordoned, excluded, no route"))
    return out


def _drain_ready(site: Site, cluster: ClusterObservation) -> list[Finding]:
    if cluster.config is None or cluster_mechanism(site, cluster).name != "peer-node-selectors":
        return []
    return [
        warning(
            "drain",
            f"MetalLB peer {p.peer_address} AS{p.peer_asn} (ConfigMap metallb-system/config)",
            f"node-selectors that leave out nodes labelled {DRAIN_LABEL} (the deploy renders it)",
            "no such requirement: a drain would have to change the peer, and MetalLB "
            f"{site.metallb.version} resets a changed peer's session on every node it selects",
            "run the deploy in a maintenance window (one reset of every session); drains then "
            "take one node out alone",
        )
        for p in cluster.config.peers
        if not leaves_out_drained(p.node_selectors)
    ]
