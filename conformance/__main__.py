"""`python -m conformance` (`make conformance`): the renderer and the twin's VyOS emulator
checked against VyOS's own files in the reference dir (../shared/upstream or
$BGPLB_UPSTREAM_DIR).

(a) grammar: every set line the renderer produces (inventory/, inventory/lab/ under each
    product dialect, tests/vyos/golden/*) and every path the emulator accepts under
    `protocols bgp` / `system ip` is valid in the upstream grammar of its build, with the same
    node kind and the same accepted values (probed);
(b) smoketests: upstream's test_protocols_bgp.py / test_protocols_bfd.py (1.4.0) through a
    shim against an emulated 1.4.0 router: pass / out-of-scope (refused at `set`) / wrong
    translation / in-scope failure;
(c) reach: every leaf the emulator accepts changes what the router applies;
(d) the checkout's own copies: MetalLB stand-ins, write-up excerpts and the reference pins
    against upstream's files beside the reference dir (conformance/standalone.py).

Exit 1 on any grammar problem, wrong translation, in-scope failure or dropped path; 2 when the
reference dir is missing.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from conformance.grammar_checks import check_emulator, check_renderer
from conformance.reach_frr import check_reach
from conformance.references import SAMPLE_VERSIONS, reference, snapshot_for, upstream_dir
from conformance.smoketests import (
    IN_SCOPE_FAILURE,
    OUT_OF_SCOPE,
    PASS,
    SMOKETESTS,
    WRONG_TRANSLATION,
    run_smoketest,
)
from conformance.standalone import check_all
from lab.vyos.versions import router_version

SMOKETEST_VERSION = "1.4.0"


def main(console: Console) -> int:
    try:
        base = upstream_dir()
    except SystemExit as exc:
        console.print(str(exc))
        return 2
    console.print(f"reference dir: {base}")
    failed = False

    grammar = Table(title="(a) grammar against upstream")
    for col in ("check", "paths checked", "problems", "undecidable"):
        grammar.add_column(col)
    renderer = check_renderer(base)
    emulator = check_emulator(base, SAMPLE_VERSIONS)
    for name, found in (("renderer set lines", renderer), ("emulator grammar", emulator)):
        grammar.add_row(name, str(found.checked), str(len(found.problems)), str(len(found.unknown)))
        failed |= bool(found.problems)
    console.print(grammar)
    for line in renderer.problems + emulator.problems:
        console.print(f"  problem: {line}", markup=False)
    for line in sorted(set(renderer.unknown + emulator.unknown)):
        console.print(f"  undecidable: {line}", markup=False)

    router = router_version(SMOKETEST_VERSION)
    ref = reference(base, snapshot_for(router))
    cli = base / f"vyos-1x-{SMOKETEST_VERSION}" / "smoketest" / "scripts" / "cli"
    smoke = Table(title=f"(b) upstream smoketests ({SMOKETEST_VERSION}) against the emulator")
    columns = (PASS, OUT_OF_SCOPE, WRONG_TRANSLATION, IN_SCOPE_FAILURE)
    for col in ("file", *columns):
        smoke.add_column(col)
    details: list[str] = []
    for name in SMOKETESTS:
        report = run_smoketest(cli / name, router, ref)
        counts = report.counts()
        smoke.add_row(name, *(str(counts[c]) for c in columns))
        failed |= bool(counts[WRONG_TRANSLATION] or counts[IN_SCOPE_FAILURE])
        for v in report.verdicts:
            details.append(
                f"  {name} {v.test}: {v.verdict}" + (f" ({v.detail})" if v.detail else "")
            )
        for line in report.setup_refused:
            details.append(f"  {name} setUpClass: out of scope, not applied: {line}")
    console.print(smoke)
    for line in details:
        console.print(line, markup=False)

    reach = check_reach(SAMPLE_VERSIONS)
    console.print(
        f"(c) reach FRR: {reach.checked} accepted leaves committed, {len(reach.dropped)} dropped"
    )
    for line in reach.dropped:
        console.print(f"  dropped: {line}", markup=False)
    failed |= bool(reach.dropped)

    own = Table(title="(d) the checkout's own copies against upstream")
    for col in ("copies", "objects / excerpts checked", "problems"):
        own.add_column(col)
    copies = check_all(base)
    for name, copy in copies.items():
        own.add_row(name, str(copy.checked), str(len(copy.problems)))
        failed |= bool(copy.problems)
    console.print(own)
    for copy in copies.values():
        for line in copy.problems:
            console.print(f"  problem: {line}", markup=False)
    console.print("conformance: FAILED" if failed else "conformance: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Console(width=160)))
