"""python -m runbooks.validate: validate the inventory, contact nothing, summarise the site."""

from __future__ import annotations

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
from bgplb.site_report import render_site, site_summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(
        "python -m runbooks.validate",
        "Validate an inventory without contacting anything and summarise the site.",
    )
    args = parser.parse(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    try:
        hosts = None if args.limit is None else resolve_limit(site, args.limit, role_groups(site))
    except InputError as exc:
        fail_input(exc, err, args.json)
    if args.json:
        emit_json(site_summary(site, hosts))
    else:
        render_site(site, out, hosts)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
