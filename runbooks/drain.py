"""python -m runbooks.drain NODE: node maintenance without a dropped request.

Per node, one at a time: take it out of MetalLB's announcements in the way the version offers,
wait through the router's NAPALM driver until no LB IP's multipath set or FIB entry holds it,
cordon, evict its pods (PodDisruptionBudgets respected), report what moved. `--undo` reverses
it and waits until the router routes through the node every LB IP the audit expects it to
carry. Exit 0 done, 1 a phase failed, 2 bad input or a refusal (then nothing was changed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from rich.console import Console

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
from bgplb.drain.plan import NodePlan, apply_plan, plan_drain, plan_undo, unknown_nodes
from bgplb.drain.report import (
    NodeRun,
    PhaseRecord,
    plan_document,
    render_phase,
    render_plan,
    render_run,
    run_document,
)
from bgplb.errors import BgplbError, InputError
from bgplb.model import Site
from bgplb.nornir_init import init_nornir
from bgplb.secrets import secret_values
from tasks.audit_router import RouterDevice
from tasks.drain_k8s import Apis, node_pods, read_cluster
from tasks.drain_phases import Context, DrainOptions, run_node

Connect = Callable[[Site], tuple[Apis, RouterDevice, Callable[[], None]]]


def parser() -> Parser:
    p = base_parser(
        "python -m runbooks.drain",
        "Take Kubernetes nodes out of MetalLB's BGP announcements, prove the router agrees, "
        "then cordon and evict (or --undo it).",
    )
    p.add_argument("nodes", nargs="*", metavar="NODE", help="node(s) to act on, one at a time")
    p.add_argument("--undo", action="store_true", help="bring the node(s) back")
    p.add_argument(
        "--force",
        action="store_true",
        help="drain even the last announcer of an LB IP, and evict pods no controller owns",
    )
    p.add_argument("--no-evict", action="store_true", help="cordon only; evict no pod")
    p.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds each wait may take: the router, evictions (default 60)",
    )
    return p


def selected_nodes(site: Site, args: argparse.Namespace) -> list[str]:
    """Node names from NODE arguments and --limit, in order, each once; bad input raises."""
    names = list(args.nodes)
    unknown = unknown_nodes(site, names)
    if unknown:
        raise InputError(
            f"unknown node {', '.join(map(repr, unknown))}: the inventory's Kubernetes nodes "
            f"are {', '.join(n.name for n in site.nodes)}"
        )
    if args.limit is not None:
        chosen = resolve_limit(site, args.limit, role_groups(site))
        others = sorted(chosen - {n.name for n in site.nodes})
        if others:
            raise InputError(
                f"--limit {args.limit!r}: {', '.join(others)} is not a Kubernetes node"
            )
        names += [n.name for n in site.nodes if n.name in chosen]
    if not names:
        raise InputError("no node given: name one (NODE) or several (--limit)")
    if args.timeout <= 0:
        raise InputError(f"--timeout {args.timeout:g}: must be more than 0")
    return list(dict.fromkeys(names))


def connect(site: Site) -> tuple[Apis, RouterDevice, Callable[[], None]]:
    """The Kubernetes API clients and the router's NAPALM driver (opened through Nornir)."""
    nr = init_nornir(site, {site.router.name})
    apis = Apis.for_site(site)
    device: RouterDevice = nr.inventory.hosts[site.router.name].get_connection("napalm", nr.config)
    return apis, device, nr.close_connections


def make_plans(site: Site, apis: Apis, nodes: list[str], undo: bool, force: bool) -> list[NodePlan]:
    cluster = read_cluster(apis, site)
    plans = []
    for node in nodes:
        if undo:
            plan = plan_undo(site, cluster, node)
        else:
            plan = plan_drain(site, cluster, node, node_pods(apis, node), force)
        plans.append(plan)
        cluster = apply_plan(cluster, plan)
    return plans


def _phase_printer(node: str, console: Console) -> Callable[[PhaseRecord], None]:
    return lambda record: render_phase(node, record, console)


def main(argv: Sequence[str] | None = None, connect: Connect = connect) -> int:
    args = parser().parse(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    try:
        nodes = selected_nodes(site, args)
        apis, device, close = connect(site)
    except InputError as exc:
        fail_input(exc, err, args.json)
    except BgplbError as exc:
        err.print(f"[bold red]could not connect[/]: {exc}")
        return EXIT_FAILED
    try:
        return _run(site, args, nodes, apis, device, out, err)
    finally:
        close()


def _run(
    site: Site,
    args: argparse.Namespace,
    nodes: list[str],
    apis: Apis,
    device: RouterDevice,
    out: Console,
    err: Console,
) -> int:
    plans = make_plans(site, apis, nodes, args.undo, args.force)
    refused = [r for p in plans for r in p.refusals]
    if refused or args.dry_run:
        if args.json:
            doc: dict[str, Any] = {"ok": not refused, "dry_run": args.dry_run}
            doc["plans"] = [plan_document(p) for p in plans]
            if refused:
                doc["error"] = "refused"
            emit_json(doc, secret_values(site))
        else:
            for p in plans:
                render_plan(p, out)
        if refused:
            err.print(f"[bold red]refused[/]: {len(refused)} reason(s); nothing was changed")
            return EXIT_BAD_INPUT
        return EXIT_OK
    options = DrainOptions(timeout=args.timeout, evict=not args.no_evict)
    runs: list[NodeRun] = []
    for plan in plans:
        if not args.json:
            render_plan(plan, out)
        status: AbstractContextManager[Any] = (
            err.status(f"{plan.node}: starting") if err.is_terminal else nullcontext()
        )
        with status as spinner:
            ctx = Context(
                site,
                apis,
                device,
                options,
                NodeRun(plan),
                spinner.update if spinner else (lambda _text: None),
            )
            run = run_node(ctx, _phase_printer(plan.node, err))
        runs.append(run)
        if not args.json:
            render_run(run, out)
        if not run.ok:
            break  # one at a time: the next node waits until this one is sound
    ok = len(runs) == len(plans) and all(r.ok for r in runs)
    if args.json:
        emit_json(
            {
                "ok": ok,
                "dry_run": False,
                "action": "undo" if args.undo else "drain",
                "nodes": [run_document(r) for r in runs],
                "not_started": [p.node for p in plans[len(runs) :]],
            },
            secret_values(site),
        )
    return EXIT_OK if ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
