"""python -m runbooks.validate: validate the inventory, contact nothing, summarise the site."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bgplb.cli import EXIT_OK, base_parser, consoles, emit_json, load_site_or_exit
from bgplb.site_report import render_site, site_summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(
        "python -m runbooks.validate",
        "Validate an inventory without contacting anything and summarise the site.",
    )
    args = parser.parse_args(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    if args.json:
        emit_json(site_summary(site))
    else:
        render_site(site, out)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
