"""python -m runbooks.validate: validate the inventory, contact nothing, summarise the site."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Sequence

from bgplb.cli import (
    EXIT_OK,
    base_parser,
    consoles,
    emit_json,
    fail_input,
    load_site_or_exit,
    resolve_limit,
    role_groups,
)
from bgplb.errors import InputError
from bgplb.model import unset_secrets
from bgplb.site_report import render_site, site_summary
from tasks.phases import PHASES


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(
        "python -m runbooks.validate",
        "Validate an inventory without contacting anything and summarise the site.",
    )
    args = parser.parse(argv)
    out, err = consoles(args.json)
    try:
        site = load_site_or_exit(args.inventory, err, args.json)
        hosts = None if args.limit is None else resolve_limit(site, args.limit, role_groups(site))
        # Secrets a deploy would read and the environment lacks: warnings here (the deploy's
        # environment may differ), refused by the deploy before it contacts anything.
        unset = unset_secrets(site, os.environ, PHASES.names, warn=True)
        site = dataclasses.replace(site, warnings=(*site.warnings, *unset))
        summary = site_summary(site, hosts)
        if not args.json:
            render_site(site, out, hosts)
    except InputError as exc:
        fail_input(exc, err, args.json)
    except Exception as exc:
        # Validation contacts nothing, so whatever went wrong is the input's: exit 2 with the
        # error document like any other refusal (a bug shows up as "could not be validated").
        reason = f"the inventory could not be validated ({type(exc).__name__}: {exc})"
        fail_input(InputError(reason), err, args.json)
    if args.json:
        emit_json(summary)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
