"""python -m runbooks.deploy: from bare VMs to a verified ECMP LoadBalancer service.

Phases, each parallel across its hosts: vms (only with --tags) -> bootstrap -> control-plane ->
join -> cni -> metallb -> router -> app -> audit.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from functools import partial

from bgplb.cli import (
    EXIT_FAILED,
    EXIT_OK,
    base_parser,
    consoles,
    emit_json,
    fail_input,
    load_site_or_exit,
    resolve_limit,
    role_groups,
)
from bgplb.deploy.progress import phase_progress
from bgplb.deploy.report import render_ledger
from bgplb.deploy.runner import DeployRun, run_phases
from bgplb.errors import InputError
from bgplb.model import InventoryProblems, unset_secrets
from bgplb.nornir_init import init_nornir
from bgplb.pending_confirm import CHOICES, check_choice
from bgplb.secrets import configure_nornir_log, redact, secret_values
from bgplb.site_state import site_lock
from tasks.phases import PHASES


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser("python -m runbooks.deploy", (__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--tags", metavar="PHASES", help=f"run only these phases ({','.join(PHASES.names)})"
    )
    parser.add_argument("--skip-tags", metavar="PHASES", help="skip these phases")
    parser.add_argument(
        "--pending-confirm",
        choices=CHOICES,
        help="a router commit-confirm an interrupted deploy left: confirm it, or roll it back "
        "(the router phase does it first)",
    )
    args = parser.parse(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    with ExitStack() as held:
        try:
            phases = PHASES.select(args.tags, args.skip_tags)
            hosts = resolve_limit(site, args.limit, role_groups(site))
            PHASES.require_work(site, phases, hosts)
            secrets = secret_values(site)
            held.enter_context(site_lock(site, redact(_command(argv), secrets)))
            check_choice(site, phases, hosts, args.pending_confirm)
            missing = unset_secrets(site, os.environ, phases)
            if missing:
                raise InventoryProblems(missing)
            nr = init_nornir(site, hosts)
        except InputError as exc:
            fail_input(exc, err, args.json)
        table = PHASES
        if args.pending_confirm:
            router = partial(PHASES["router"].task, pending_confirm=args.pending_confirm)
            table = PHASES.with_tasks({"router": router})
        configure_nornir_log(secrets)
        run = DeployRun(site, nr, phases, hosts, args.dry_run, table, secrets)
        with phase_progress(err, site, table, phases) as progress:
            ledger = run_phases(run, on_entry=progress)
    render_ledger(ledger, phases, out, args.dry_run)
    if args.json:
        emit_json({**ledger.as_json(), "dry_run": args.dry_run, "phases": list(phases)}, secrets)
    return EXIT_FAILED if ledger.failed else EXIT_OK


def _command(argv: Sequence[str] | None) -> str:
    args = sys.argv[1:] if argv is None else argv
    return shlex.join(["python", "-m", "runbooks.deploy", *args])


if __name__ == "__main__":
    sys.exit(main())
