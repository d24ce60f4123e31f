"""A node drained on purpose (`runbooks.drain`): cordoned and excluded, it carries nothing.

One finding per drained node: a pass when the router routes no LB IP through it (the node is
named in the report's summary), an error when some LB route still points at it.
"""

from __future__ import annotations

from bgplb.audit.expect import drained_nodes
from bgplb.audit.findings import Finding, error, passed
from bgplb.audit.observations import ClusterObservation, GatherFailure, RouterObservation
from bgplb.model import Site


def check_drained(
    site: Site,
    router: RouterObservation | GatherFailure,
    cluster: ClusterObservation | GatherFailure,
) -> list[Finding]:
    if not isinstance(cluster, ClusterObservation) or not isinstance(router, RouterObservation):
        return []  # the announcers check reports the missing source
    out = []
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
