"""python -m runbooks.migrate_metallb: switch a running MetalLB from its ConfigMap (0.9-0.12) to
the CRD version the inventory now names (0.13+), keeping every LB IP routed throughout.

Set `metallb.version` and `metallb.manifests` in the inventory to the new version first. Review
with --dry-run (the plan, the ConfigMap converted by MetalLB's own rules and what will be
applied, passwords masked; nothing is changed), then run with --yes. Steps: crds, config,
controller, speakers (one node at a time, the router waited for), finish, audit.
Exit 0 done, 1 a step failed (run it again to resume), 2 bad input or a refusal (then nothing
was changed).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from nornir.core import Nornir
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
)
from bgplb.errors import BgplbError, InputError
from bgplb.k8s.manifests import load_manifest, site_manifests
from bgplb.k8s.metallb_switch import check_inputs, plan_switch
from bgplb.k8s.metallb_switch_report import (
    plan_document,
    render_plan,
    render_step,
    steps_document,
)
from bgplb.model import Site
from bgplb.nornir_init import init_nornir
from bgplb.secrets import register, secret_values
from bgplb.terminal import markup_safe as escape
from tasks.k8s_client import dynamic_client
from tasks.metallb_switch import Io, read_live
from tasks.metallb_switch_steps import STEP_FUNCTIONS, Context, SwitchOptions, run_steps

Connect = Callable[[Site], tuple[Io, Callable[[], None]]]


def parser() -> Parser:
    p = base_parser(
        "python -m runbooks.migrate_metallb",
        "Switch MetalLB from its ConfigMap (0.9-0.12) to the CRD version the inventory names, "
        "one node at a time, with every LB IP routed throughout.",
    )
    p.add_argument("--yes", action="store_true", help="run it (review it with --dry-run first)")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a speaker even where it is an LB IP's only next hop (its route goes)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="seconds each wait may take: CRDs, controller, each node (default 120)",
    )
    return p


def connect(site: Site) -> tuple[Io, Callable[[], None]]:
    """The Kubernetes API (typed and dynamic clients) and the router's NAPALM driver."""
    from tasks.drain_k8s import Apis

    nr = init_nornir(site, {site.router.name})
    device = nr.inventory.hosts[site.router.name].get_connection("napalm", nr.config)
    apis = Apis.for_site(site)
    dyn = dynamic_client(site.kubernetes.kubeconfig.expanduser())
    return Io(apis.core, dyn, device), nr.close_connections


def _inputs(site: Site, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Everything checked before anything is contacted; the new version's manifests (read last:
    an https one is fetched)."""
    if args.timeout <= 0:
        raise InputError(f"--timeout {args.timeout:g}: must be more than 0")
    check_inputs(site, os.environ)
    if not args.dry_run and not args.yes:
        raise InputError(
            "the switch replaces every node's MetalLB speaker: review the plan with "
            "--dry-run, then run with --yes"
        )
    return [
        doc
        for source in site_manifests(site)["metallb"]
        for doc in load_manifest(source, base_dir=site.inventory_dir)
    ]


def main(argv: Sequence[str] | None = None, connect: Connect = connect) -> int:
    args = parser().parse(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    try:
        manifests = _inputs(site, args)
    except InputError as exc:
        fail_input(exc, err, args.json)
    try:
        io, close = connect(site)
    except BgplbError as exc:
        err.print(f"[bold red]could not connect[/]: {exc}")
        return EXIT_FAILED
    try:
        return _run(site, args, manifests, io, out, err)
    finally:
        close()


def _run(
    site: Site,
    args: argparse.Namespace,
    manifests: list[dict[str, Any]],
    io: Io,
    out: Console,
    err: Console,
) -> int:
    try:
        plan = plan_switch(site, read_live(io, site), manifests, os.environ, args.force)
    except InputError as exc:  # the cluster's ConfigMap is not MetalLB's: read, not changed
        if args.json:
            emit_json({"ok": False, "error": "refused", "problems": [{"message": str(exc)}]})
        err.print(f"[bold red]refused[/]: {escape(str(exc))}; nothing was changed")
        return EXIT_BAD_INPUT
    register(*plan.passwords)  # the ConfigMap's own: masked wherever they would appear
    secrets = [*secret_values(site), *plan.passwords]
    if plan.refusals or args.dry_run:
        if args.json:
            doc: dict[str, Any] = {"ok": not plan.refusals, "dry_run": args.dry_run}
            doc["plan"] = plan_document(plan)
            if plan.refusals:
                doc["error"] = "refused"
            emit_json(doc, secrets)
        else:
            render_plan(plan, out)
        if plan.refusals:
            err.print(f"[bold red]refused[/]: {len(plan.refusals)} reason(s); nothing was changed")
            return EXIT_BAD_INPUT
        return EXIT_OK
    if not args.json:
        render_plan(plan, out)
    status: AbstractContextManager[Any] = (
        err.status("starting") if err.is_terminal else nullcontext()
    )

    def audit_nornir() -> Nornir:
        return init_nornir(site, set(site.host_names))

    with status as spinner:
        ctx = Context(
            site,
            io,
            plan,
            SwitchOptions(timeout=args.timeout, force=args.force),
            audit_nornir,
            spinner.update if spinner else (lambda _text: None),
        )
        records = run_steps(ctx, lambda r: render_step(r, err))
    ok = len(records) == len(STEP_FUNCTIONS) and all(r.ok for r in records)
    if args.json:
        emit_json(
            {
                "ok": ok,
                "dry_run": False,
                "plan": plan_document(plan),
                "steps": steps_document(records),
            },
            secrets,
        )
    elif ok:
        out.print(f"[bold green]MetalLB {plan.target} runs on every node; audit passed[/]")
    return EXIT_OK if ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
