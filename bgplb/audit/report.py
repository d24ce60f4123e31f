"""The audit report: rich (summary line, LB IP -> next hop tree, findings table) and JSON."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from ipaddress import IPv4Address
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from bgplb.audit.expect import Expectation
from bgplb.audit.findings import Severity, counts
from bgplb.audit.naming import hop, node_names, same_sets_memo
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
    return Counter(f.next_hop for f in router.flows_to(ip) if f.next_hop)


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


# Past this many LB IPs routed alike and as expected, they share one branch (a 5,000-address
# site would otherwise print a line per address and next hop); passes stay listed with -v.
GROUP_AT = 20
# Past this many nodes left out for one reason, they share one line (counted, a few named).
LEFT_OUT_LISTED = 3


def _left_out_lines(e: Expectation | None, shown: set[str | None]) -> list[str]:
    by_reason: dict[str, list[str]] = {}
    for x in e.left_out if e else ():
        if x.node not in shown:
            by_reason.setdefault(x.reason, []).append(x.node)
    lines = []
    for reason, nodes in by_reason.items():
        if len(nodes) <= LEFT_OUT_LISTED:
            lines += [f"[dim]· {escape(n)} not an announcer: {escape(reason)}[/]" for n in nodes]
        else:
            few = ", ".join(nodes[:LEFT_OUT_LISTED])
            lines.append(
                f"[dim]· {len(nodes)} nodes not announcers ({escape(few)}, ...): "
                f"{escape(reason)}[/]"
            )
    return lines


def _as_expected(
    e: Expectation | None,
    route: Route | None,
    same: Callable[[frozenset[IPv4Address], frozenset[IPv4Address]], bool],
) -> bool:
    return (
        e is not None
        and route is not None
        and bool(e.next_hops)
        and same(e.next_hops, route.multipath)
        and same(route.multipath, route.fib)
        and same(route.fib, route.received)
    )


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
    ips = sorted(set(by_ip) | set(routed))
    alike: dict[tuple[object, ...], list[IPv4Address]] = {}
    same = same_sets_memo()
    for ip in ips:
        e, route = by_ip.get(ip), routed.get(ip)
        if e is not None and _as_expected(e, route, same):
            alike.setdefault((e.pool, e.next_hops, e.left_out), []).append(ip)
    grouped = {ip for group in alike.values() if len(group) > GROUP_AT for ip in group}
    for group in alike.values():
        if len(group) > GROUP_AT:
            _add_group(tree, group, by_ip, routed, router, names)
    for ip in ips:
        if ip not in grouped:
            _add_address(tree, ip, by_ip.get(ip), routed.get(ip), router, names)
    if isinstance(cluster, ClusterObservation):
        for svc in cluster.services:
            if not svc.ingress_ips:
                tree.add(f"[red]{escape(svc.key)}: no address (pending)[/]")
    return tree


def _add_address(
    tree: Tree,
    ip: IPv4Address,
    e: Expectation | None,
    route: Route | None,
    router: RouterObservation | GatherFailure,
    names: dict[IPv4Address, str],
) -> None:
    title = f"[bold]{ip}[/]"
    title += f" {escape(e.service)} (pool {e.pool or 'none'})" if e else " [red]stale[/]"
    branch = tree.add(title)
    hops_ = set(e.next_hops if e else ()) | set(route.received if route else ())
    flows = _flow_counts(router, ip) if isinstance(router, RouterObservation) else Counter()
    for a in sorted(hops_):
        branch.add(_hop_line(a, e, route, flows, names))
    for line in _left_out_lines(e, {names.get(a) for a in hops_}):
        branch.add(line)
    if not hops_:
        branch.add("[yellow]no next hop expected or routed[/]")


def _add_group(
    tree: Tree,
    group: list[IPv4Address],
    by_ip: dict[IPv4Address, Expectation],
    routed: dict[IPv4Address, Route],
    router: RouterObservation | GatherFailure,
    names: dict[IPv4Address, str],
) -> None:
    """Many LB IPs routed alike, every one as expected: one branch, flows summed."""
    first = by_ip[group[0]]
    services = sorted({by_ip[ip].service for ip in group})
    shown = ", ".join(services[:LEFT_OUT_LISTED]) + (", ..." if len(services) > 3 else "")
    branch = tree.add(
        f"[bold]{group[0]} .. {group[-1]}[/] {len(group)} addresses, each as expected "
        f"({len(services)} services: {escape(shown)}; pool {first.pool or 'none'})"
    )
    flows: Counter[IPv4Address] = Counter()
    if isinstance(router, RouterObservation):
        for ip in group:
            flows.update(_flow_counts(router, ip))
    route = routed[group[0]]
    for a in sorted(first.next_hops):
        branch.add(_hop_line(a, first, route, flows, names))
    for line in _left_out_lines(first, {names.get(a) for a in first.next_hops}):
        branch.add(line)


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
