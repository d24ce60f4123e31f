"""python -m runbooks.failover: measure failover, one node at a time (--limit).

For each selected node: cut its link on the node with its BGP session left open (a hard
failure: power, kernel, a dark port), self-restoring after a bound; measure from every client
the loss window and the time until the router drops the node as a next hop; restore the link;
wait for the route to come back; next node. Disruptive: it refuses without --yes (--dry-run
prints the plan and contacts nothing). Exit 0 when every node was measured and restored,
1 otherwise, 2 on bad input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address

from bgplb.cli import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    Parser,
    base_parser,
    consoles,
    emit_json,
    fail_input,
    load_site_or_exit,
    resolve_limit,
    role_groups,
)
from bgplb.errors import InputError
from bgplb.failover.drill import (
    POLICY_EFFECT,
    NodeLink,
    cut_command,
    interface_command,
    restore_command,
    target_service,
)
from bgplb.failover.report import NodeDrill, json_document, render
from bgplb.model import Site
from bgplb.secrets import secret_values
from tasks.failover import SHELL
from tasks.failover_drill import DrillOptions, drill_node

Drill = Callable[[Site, str, tuple[IPv4Address, int], DrillOptions], NodeDrill]


def parser() -> Parser:
    p = base_parser(
        "python -m runbooks.failover",
        "Failover drill: cut each selected node's link (its BGP session left open), measure the "
        "loss window from every client and the router's withdraw time, restore, next node.",
    )
    p.add_argument("--yes", action="store_true", help="run it: the drill cuts nodes' links")
    p.add_argument(
        "--cut-via",
        default=SHELL,
        metavar="CONNECTION",
        help="the Nornir connection the node's link is cut through (default: the node's shell "
        "from its inventory; on the twin: lab_netns, the node's namespace)",
    )
    p.add_argument(
        "--max-cut",
        type=float,
        default=DrillOptions.max_cut_s,
        metavar="S",
        help=f"a cut restores itself after at most S seconds (default {DrillOptions.max_cut_s:g})",
    )
    p.add_argument(
        "--restore-timeout",
        type=float,
        default=DrillOptions.restore_timeout_s,
        metavar="S",
        help="seconds to wait for the route to come back after the restore "
        f"(default {DrillOptions.restore_timeout_s:g})",
    )
    return p


def target_of(site: Site) -> tuple[IPv4Address, int]:
    svc = target_service(site)
    assert svc.lb_ip is not None  # target_service picks one with an lb_ip
    return svc.lb_ip, svc.port


# how the plan shows the commands: the interface and its routes are read on the node first
EXAMPLE = NodeLink("IFACE", ("ROUTE-VIA-IFACE",))


def plan_lines(
    site: Site, nodes: list[str], target: tuple[IPv4Address, int], o: DrillOptions
) -> list[str]:
    clients = ", ".join(c.name for c in site.clients) or "none"
    svc = target_service(site)
    lines = [
        f"target {target[0]}:{target[1]}; clients sampling it: {clients}",
        f"Service {svc.namespace}/{svc.name}: externalTrafficPolicy {svc.external_traffic_policy}"
        f" (inventory services[].external_traffic_policy): "
        f"{POLICY_EFFECT[svc.external_traffic_policy]}",
    ]
    for node in nodes:
        addr = site.node(node).address
        lines += [
            f"{node} ({addr}), through {o.via if o.via != SHELL else 'its shell'}:",
            f"  find its interface: {interface_command(addr)}",
            f"  cut (restores itself after the hold time + {2 * o.margin_s:g} s, at most "
            f"{o.max_cut_s:g} s): {cut_command(EXAMPLE, o.max_cut_s)}",
            f"  restore once the router dropped it: {restore_command(EXAMPLE)}",
            f"  wait up to {o.restore_timeout_s:g} s for {addr} to be a next hop again",
        ]
    return lines


def main(argv: Sequence[str] | None = None, drill: Drill = drill_node) -> int:
    args = parser().parse(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    options = DrillOptions(
        via=args.cut_via, max_cut_s=args.max_cut, restore_timeout_s=args.restore_timeout
    )
    try:
        hosts = resolve_limit(site, args.limit, role_groups(site))
        nodes = [n.name for n in site.nodes if n.name in hosts]
        if not nodes:
            raise InputError(f"--limit {args.limit!r} selects no Kubernetes node to drill")
        if not 0 < options.max_cut_s <= 3600 or not 0 < options.restore_timeout_s <= 3600:
            raise InputError("--max-cut and --restore-timeout: more than 0, at most 3600 s")
        target = target_of(site)
    except InputError as exc:
        fail_input(exc, err, args.json)
    if args.dry_run:
        for line in plan_lines(site, nodes, target, options):
            out.print(line, markup=False, highlight=False, soft_wrap=True)
        return EXIT_OK
    if not args.yes:
        err.print(
            "[bold red]refused[/]: the drill cuts each selected node's link (disruptive). "
            "Review the plan with --dry-run, then run with --yes."
        )
        return EXIT_BAD_INPUT
    results = [drill(site, node, target, options) for node in nodes]
    if args.json:
        emit_json(json_document(results), secret_values(site))
    else:
        render(results, out)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
