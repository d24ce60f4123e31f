"""python -m runbooks.vyos_dialect: the router's BGP configuration and the inventory checked against
the VyOS version the router reports, and the dialect change planned from it.

It reads the router's `show version` (the driver's get_facts os_version) and `show configuration
commands`, and prints: the version the router reports and the inventory's `vyos_version`, with
their dialects; the form the BGP configuration is written in; vyos-1x's BGP migration scripts
between them (what an image upgrade did or will do); the set/delete lines still needed on the
router as it runs. --dry-run (or no --yes) changes nothing. --yes commits the lines, only when
the inventory already names the router's version, as the deploy commits (tasks/router_bgp.py
commit_confirmed): commit-confirm, every session that was up must be up again, then confirm
and save, else roll back. A commit-confirm a killed deploy left is a refusal. Exit 0 nothing
left to do or done, 1 the router failed or the commit was rolled back, 2 bad input or a
refusal (nothing was changed).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console

from bgplb.cli import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    base_parser,
    consoles,
    emit_json,
    load_site_or_exit,
)
from bgplb.errors import BgplbError
from bgplb.model import Site
from bgplb.nornir_init import init_nornir
from bgplb.pending_confirm import load_record
from bgplb.secrets import secret_values
from bgplb.terminal import markup_safe as escape
from bgplb.vyos.dialect_upgrade import DialectPlan, masked, plan_dialect_change
from bgplb.vyos.dialects import UnknownVyosVersion, dialect_for
from bgplb.vyos.paths import SHOW_COMMANDS
from tasks.router_bgp import commit_confirmed

COMMIT_MESSAGE = "bgplb: BGP configuration moved to the router's VyOS dialect"

Connect = Callable[[Site], tuple[Any, Callable[[], None]]]


def connect(site: Site) -> tuple[Any, Callable[[], None]]:
    nr = init_nornir(site, {site.router.name})
    device = nr.inventory.hosts[site.router.name].get_connection("napalm", nr.config)
    return device, nr.close_connections


def render(plan: DialectPlan, console: Console) -> None:
    console.print(
        f"router reports VyOS {escape(plan.reported)} ({plan.reported_dialect.name}, "
        f"bgp syntax {plan.reported_dialect.bgp_syntax_version}); the inventory names "
        f"{escape(plan.declared)} ({plan.declared_dialect.name})"
    )
    console.print(f"configuration written as: {plan.form or 'no BGP'}")
    for s in plan.steps:
        state = f"{s.changes} path(s) to change" if s.changes else "nothing left to do"
        console.print(f"  {s.step.script} (vyos-1x {s.step.commit}, {s.step.what}): {state}")
    for note in plan.notes:
        console.print(f"[yellow]note[/]: {escape(note)}")
    console.print(f"lines for the router as it runs ({len(plan.lines)}):")
    for line in plan.lines:
        console.print(f"  {escape(masked(line))}", highlight=False)
    if plan.preview:
        console.print("what the image upgrade's migrator will do:")
        for line in plan.preview:
            console.print(f"  {escape(masked(line))}", highlight=False)
    for reason in plan.refusals:
        console.print(f"[bold red]refused[/]: {escape(reason)}")


def document(plan: DialectPlan) -> dict[str, Any]:
    return {
        "reported": {"version": plan.reported, "dialect": plan.reported_dialect.name},
        "declared": {"version": plan.declared, "dialect": plan.declared_dialect.name},
        "form": str(plan.form) if plan.form else None,
        "steps": [
            {"script": s.step.script, "commit": s.step.commit, "changes": s.changes}
            for s in plan.steps
        ],
        "lines": [masked(line) for line in plan.lines],
        "preview": [masked(line) for line in plan.preview],
        "notes": list(plan.notes),
        "refusals": list(plan.refusals),
    }


def main(argv: Sequence[str] | None = None, connect: Connect = connect) -> int:
    p = base_parser("python -m runbooks.vyos_dialect", (__doc__ or "").split("\n")[0])
    p.add_argument("--yes", action="store_true", help="commit the lines (after a --dry-run)")
    args = p.parse(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    key = f"{site.inventory_dir / 'hosts.yaml'}: host {site.router.name}: data.vyos_version"
    try:
        device, close = connect(site)
    except BgplbError as exc:
        err.print(f"[bold red]could not connect[/]: {exc}")
        return EXIT_FAILED
    try:
        reported = str(device.get_facts()["os_version"])
        running = str(device.cli([SHOW_COMMANDS])[SHOW_COMMANDS])
        try:
            reported_dialect = dialect_for(reported)
        except UnknownVyosVersion as exc:
            err.print(f"[bold red]refused[/]: the router reports {escape(str(exc))}")
            return EXIT_BAD_INPUT
        plan = plan_dialect_change(
            running, reported, reported_dialect, site.router.vyos_version, site.router.dialect, key
        )
        refusals = list(plan.refusals)
        if (
            args.yes
            and not args.dry_run
            and plan.lines
            and plan.declared_dialect != reported_dialect
        ):
            refusals.append(f"{key}: set it to {reported} first, then commit the lines")
        left = load_record(site, site.router.name)
        if args.yes and not args.dry_run and plan.lines and left is not None:
            refusals.append(
                f"{left.describe()}: resolve it first (python -m runbooks.deploy "
                "--pending-confirm confirm|rollback)"
            )
        if args.json:
            emit_json(
                {
                    "ok": not refusals,
                    "dry_run": args.dry_run or not args.yes,
                    "plan": document(plan),
                    "refusals": refusals,
                },
                secret_values(site),
            )
        else:
            render(plan, out)
        if refusals:
            for reason in refusals[len(plan.refusals) :]:
                err.print(f"[bold red]refused[/]: {escape(reason)}")
            return EXIT_BAD_INPUT
        if args.dry_run or not args.yes or not plan.lines:
            return EXIT_OK
        device.load_merge_candidate(config="\n".join(plan.lines))
        diff = str(device.compare_config())
        err.print(escape("\n".join(masked(line) for line in diff.splitlines())), highlight=False)
        outcome = commit_confirmed(device, site, site.router.name, running, set(), COMMIT_MESSAGE)
        if not outcome.committed:
            err.print(f"[bold red]router failed[/]: {escape(outcome.text)}")
            return EXIT_FAILED
        err.print(f"[green]{escape(outcome.text)}[/]: {len(plan.lines)} line(s)")
        return EXIT_OK
    except BgplbError as exc:
        err.print(f"[bold red]router failed[/]: {escape(str(exc))}")
        return EXIT_FAILED
    finally:
        close()


if __name__ == "__main__":
    sys.exit(main())
