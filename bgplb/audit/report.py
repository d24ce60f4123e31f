"""The audit report: rich (summary line, LB IP -> next hop tree, findings table) and JSON."""

from __future__ import annotations

from collections import Counter
from ipaddress import IPv4Address
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from bgplb.audit.expect import Expectation
from bgplb.audit.findings import Severity, counts
from bgplb.audit.naming import hop, node_names
from bgplb.audit.observations import ClusterObservation, GatherFailure, Route, RouterObservation
from bgplb.audit.outcome import Outcome
from bgplb.terminal import markup_safe as escape

STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.SKIPPED: "magenta",
    Severity.PASS: "green",
}


def summary_line(outcome: Outcome) -> str:
    c = counts(outcome.findings)
    verdict = "[bold green]audit passed[/]" if outcome.ok else "[bold red]audit FAILED[/]"
    drained = f"; drained: {escape(', '.join(outcome.drained))}" if outcome.drained else ""
    return (
        f"{verdict}: {c['pass']} passed, {c['error']} error(s), {c['warning']} warning(s), "
        f"{c['skipped']} skipped{drained}"
    )


def render(outcome: Outcome, console: Console, verbose: int = 0) -> None:
    console.print(render_tree(outcome))
    shown = [f for f in outcome.findings if verbose or f.severity is not Severity.PASS]
    if shown:
        table = Table(title="Findings" if verbose else "Findings (passes hidden; -v shows them)")
        for col in ("severity", "check", "object", "expected", "actual", "hint"):
            table.add_column(col, overflow="fold")
        for f in shown:
            table.add_row(
                f"[{STYLE[f.severity]}]{f.severity.value}[/]",
                f.check,
                escape(f.object),
                escape(f.expected),
                escape(f.actual),
                escape(f.hint),
            )
        console.print(table)
    console.print(summary_line(outcome))


def _flow_counts(router: RouterObservation, ip: IPv4Address) -> Counter[IPv4Address]:
    return Counter(f.next_hop for f in router.flows if f.destination == ip and f.next_hop)


def _hop_line(
    a: IPv4Address,
    e: Expectation | None,
    route: Route | None,
    flows: Counter[IPv4Address],
    names: dict[IPv4Address, str],
) -> str:
    want = e.next_hops if e else frozenset()
    multipath = route.multipath if route else frozenset()
    fib = route.fib if route else frozenset()
    label = escape(hop(a, names))
    if a in want and a in multipath and a in fib:
        mark = f"[green]✔[/] {label}"
    elif a in want and a not in multipath:
        received = route is not None and a in route.received
        mark = f"[red]✘[/] {label} [red]{'not selected' if received else 'missing'}[/]"
    elif a in multipath and a not in fib:
        mark = f"[red]✘[/] {label} [red]not in the FIB[/]"
    elif a in multipath:
        mark = f"[red]![/] {label} [red]unexpected announcer[/]"
    else:
        mark = f"[dim]· {label} received, not selected[/]"
    total = sum(flows.values())
    if total:
        mark += f"  [dim]{flows.get(a, 0)}/{total} flows[/]"
    return mark


def render_tree(outcome: Outcome) -> Tree:
    obs = outcome.observations
    router, cluster = obs.router, obs.cluster
    names = node_names(outcome.site, cluster)
    tree = Tree(f"[bold]LB addresses[/] on router {escape(outcome.site.router.name)}")
    for failure in (router, cluster):
        if isinstance(failure, GatherFailure):
            tree.add(f"[red]{failure.source} not gathered[/]: {escape(failure.error)}")
    by_ip = {e.address: e for e in outcome.expectations}
    routed = (
        {r.host_address: r for r in router.routes if r.host_address}
        if isinstance(router, RouterObservation)
        else {}
    )
    for ip in sorted(set(by_ip) | set(routed)):
        e, route = by_ip.get(ip), routed.get(ip)
        title = f"[bold]{ip}[/]"
        title += f" {escape(e.service)} (pool {e.pool or 'none'})" if e else " [red]stale[/]"
        branch = tree.add(title)
        hops_ = set(e.next_hops if e else ()) | set(route.received if route else ())
        flows = _flow_counts(router, ip) if isinstance(router, RouterObservation) else Counter()
        for a in sorted(hops_):
            branch.add(_hop_line(a, e, route, flows, names))
        shown = {names.get(a) for a in hops_}
        for x in e.left_out if e else ():
            if x.node not in shown:
                branch.add(f"[dim]· {escape(x.node)} not an announcer: {escape(x.reason)}[/]")
        if not hops_:
            branch.add("[yellow]no next hop expected or routed[/]")
    if isinstance(cluster, ClusterObservation):
        for svc in cluster.services:
            if not svc.ingress_ips:
                tree.add(f"[red]{escape(svc.key)}: no address (pending)[/]")
    return tree


# ---------------------------------------------------------------- JSON


def _sessions(outcome: Outcome) -> list[dict[str, Any]]:
    router = outcome.observations.router
    if not isinstance(router, RouterObservation):
        return []
    names = node_names(outcome.site, outcome.observations.cluster)
    return [
        {
            "peer": str(s.peer),
            "node": names.get(s.peer),
            "local_as": s.local_as,
            "remote_as": s.remote_as,
            "state": s.state or ("Established" if s.is_up else "down"),
            "peer_state": s.peer_state,
            "established": s.established and not s.policy_blocked,
            "received_prefixes": s.received_prefixes,
            "last_read_s": s.liveness.last_read_s if s.liveness else None,
            "hold_s": s.liveness.hold_s if s.liveness else None,
            "keepalive_s": s.liveness.keepalive_s if s.liveness else None,
            "bfd": s.liveness.bfd_status if s.liveness else None,
        }
        for s in router.sessions
    ]


def _services(outcome: Outcome) -> list[dict[str, Any]]:
    cluster, router = outcome.observations.cluster, outcome.observations.router
    if not isinstance(cluster, ClusterObservation):
        return []
    by_ip = {e.address: e for e in outcome.expectations}
    out = []
    for svc in cluster.services:
        addresses = []
        for ip in svc.ingress_ips:
            e = by_ip.get(ip)
            route = router.route_to(ip) if isinstance(router, RouterObservation) else None
            flows = _flow_counts(router, ip) if isinstance(router, RouterObservation) else None
            addresses.append(
                {
                    "ip": str(ip),
                    "pool": e.pool if e else None,
                    "expected_announcers": [
                        {"node": a.node, "address": str(a.address)}
                        for a in (e.announcers if e else ())
                    ],
                    "left_out": [
                        {"node": x.node, "reason": x.reason} for x in (e.left_out if e else ())
                    ],
                    "router_multipath": sorted(map(str, route.multipath)) if route else [],
                    "fib": sorted(map(str, route.fib)) if route else [],
                    "flows": {str(k): v for k, v in sorted(flows.items())} if flows else {},
                }
            )
        out.append(
            {
                "namespace": svc.namespace,
                "name": svc.name,
                "ingress_ips": [str(i) for i in svc.ingress_ips],
                "external_traffic_policy": svc.external_traffic_policy,
                "ready_endpoint_nodes": sorted(svc.ready_endpoint_nodes),
                "addresses": addresses,
            }
        )
    return out


def json_document(outcome: Outcome) -> dict[str, Any]:
    """The one document `--json` prints."""
    return {
        "ok": outcome.ok,
        "summary": counts(outcome.findings),
        "drained": list(outcome.drained),
        "findings": [f.as_dict() for f in outcome.findings],
        "services": _services(outcome),
        "sessions": _sessions(outcome),
    }
