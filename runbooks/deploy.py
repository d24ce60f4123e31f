"""python -m runbooks.deploy: from bare VMs to a verified ECMP LoadBalancer service.

Phases, each parallel across its hosts: vms (only with --tags) -> bootstrap -> control-plane ->
join -> cni -> metallb -> router -> app -> audit.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

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
from bgplb.deploy.phases import PHASE_NAMES, select_phases
from bgplb.deploy.progress import phase_progress
from bgplb.deploy.report import render_ledger
from bgplb.deploy.runner import DeployRun, run_phases
from bgplb.errors import InputError
from bgplb.nornir_init import init_nornir
from bgplb.secrets import configure_nornir_log, secret_values
from tasks.phases import registry


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser("python -m runbooks.deploy", (__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--tags", metavar="PHASES", help=f"run only these phases ({','.join(PHASE_NAMES)})"
    )
    parser.add_argument("--skip-tags", metavar="PHASES", help="skip these phases")
    args = parser.parse_args(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    try:
        phases = select_phases(args.tags, args.skip_tags)
        hosts = resolve_limit(site, args.limit, role_groups(site))
        secrets = secret_values(site)
        nr = init_nornir(site, hosts)
    except InputError as exc:
        fail_input(exc, err, args.json)
    configure_nornir_log(secrets)
    run = DeployRun(site, nr, phases, hosts, args.dry_run, registry(), secrets)
    with phase_progress(err, site, phases) as progress:
        ledger = run_phases(run, on_entry=progress)
    render_ledger(ledger, phases, out, args.dry_run)
    if args.json:
        emit_json({**ledger.as_json(), "dry_run": args.dry_run, "phases": list(phases)}, secrets)
    return EXIT_FAILED if ledger.failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
