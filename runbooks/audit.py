"""python -m runbooks.audit: is every LB IP routed over the right nodes, and does ECMP spread it?

Gathers the router (NAPALM bgplb_vyos) and the cluster (Kubernetes API) in parallel, optionally
probes from the clients, runs the pure checks of bgplb.audit and reports. Exit 0 when no
error-level finding, 1 otherwise, 2 on bad input (then nothing was contacted).

`--watch SECONDS` audits again every SECONDS over the same connections (`--count N` rounds, or
until interrupted) and shows what changed since the last round: a live view on a terminal, a
line per change otherwise. The exit code is the last round's.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

from rich.console import Console
from rich.live import Live

from bgplb.audit.checks_failover import DEFAULT_BLACKHOLE_THRESHOLD_S
from bgplb.audit.findings import Finding
from bgplb.audit.observations import Observations
from bgplb.audit.outcome import evaluate
from bgplb.audit.parse_router import DEFAULT_FLOWS, FLOWS_PER_HOP_FOR_CERTAINTY
from bgplb.audit.progress import GatherProgress
from bgplb.audit.report import json_document, render
from bgplb.audit.watch import Change, changes, live_view, round_line
from bgplb.cli import (
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
from bgplb.model import Site
from bgplb.secrets import secret_values
from tasks.audit_gather import AuditGather, GatherOptions, gather_with_nornir, gathered_from

Gather = Callable[[Site, Collection[str], GatherOptions, Console], Observations]
# --watch: a gather whose connections outlive one round; each call of what it yields is a round
Rounds = Callable[
    [Site, Collection[str], GatherOptions], AbstractContextManager[Callable[[], Observations]]
]
MAX_ROUNDS = 1_000_000  # until interrupted, still a bounded loop


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= 86400:
        raise argparse.ArgumentTypeError("must be between 0 and 86400 seconds")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def parser() -> Parser:
    p = base_parser(
        "python -m runbooks.audit",
        "Audit BGP sessions, ECMP routes, FIB, hashing and Services against MetalLB's semantics.",
    )
    p.add_argument(
        "--flows",
        type=_positive,
        default=DEFAULT_FLOWS,
        metavar="N",
        help="synthetic flows per sampled LB IP asked of the router's kernel (default "
        f"{DEFAULT_FLOWS}; LB IPs are sampled per next-hop set for "
        f"{FLOWS_PER_HOP_FOR_CERTAINTY} flows per next hop)",
    )
    p.add_argument(
        "--probe",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="live HTTP probe from the clients group (default: on)",
    )
    p.add_argument(
        "--requests",
        type=_positive,
        default=30,
        metavar="N",
        help="HTTP requests per client and LB IP when probing (default 30)",
    )
    p.add_argument(
        "--blackhole-threshold",
        type=_seconds,
        default=DEFAULT_BLACKHOLE_THRESHOLD_S,
        metavar="S",
        help="warn when a hard node death would blackhole flows longer than S seconds "
        f"(negotiated hold time, unless BFD is up; default {DEFAULT_BLACKHOLE_THRESHOLD_S:g})",
    )
    p.add_argument(
        "--watch",
        type=_interval,
        default=None,
        metavar="SECONDS",
        help="audit again every SECONDS over the same connections and show what changed "
        "(until interrupted, or --count rounds)",
    )
    p.add_argument(
        "--count",
        type=_count,
        default=None,
        metavar="N",
        help="with --watch: stop after N rounds",
    )
    return p


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError("must be more than 0 and less than a day")
    return value


def nornir_gather(
    site: Site, hosts: Collection[str], options: GatherOptions, console: Console
) -> Observations:
    with GatherProgress(console) as progress:
        return gather_with_nornir(site, hosts, options, [progress])


@contextmanager
def nornir_rounds(
    site: Site, hosts: Collection[str], options: GatherOptions
) -> Iterator[Callable[[], Observations]]:
    with AuditGather(site, hosts, options) as gather:
        yield gather


def watch(
    site: Site,
    rounds: Callable[[], Observations],
    out: Console,
    interval: float,
    count: int | None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Round after round until `count` (or interrupted): a live view on a terminal, else one
    line per round and one per change. Returns the last round's exit code."""
    live = out.is_terminal
    code = EXIT_OK
    previous: list[Finding] | None = None
    latest: list[Change] = []
    changed_in = 1
    view = Live(console=out, auto_refresh=False) if live else None
    try:
        if view is not None:
            view.start()
        for number in range(1, min(count or MAX_ROUNDS, MAX_ROUNDS) + 1):
            start = clock()
            outcome = evaluate(site, rounds())
            seconds = clock() - start
            code = EXIT_OK if outcome.ok else EXIT_FAILED
            found = list(outcome.findings)
            now = time.strftime("%H:%M:%S")
            delta = changes(previous, found) if previous is not None else []
            if delta:
                latest, changed_in = delta, number
            if view is not None:
                view.update(live_view(number, now, outcome, seconds, latest, changed_in))
                view.refresh()
            else:
                out.print(
                    round_line(number, now, outcome, seconds),
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
                for c in delta:
                    out.print(f"  changed: {c.text}", markup=False, highlight=False, soft_wrap=True)
            previous = found
            if count is None or number < count:
                sleep(max(0.0, interval - (clock() - start)))
    except KeyboardInterrupt:
        pass
    finally:
        if view is not None:
            view.stop()
    return code


def main(
    argv: Sequence[str] | None = None,
    gather: Gather = nornir_gather,
    rounds: Rounds = nornir_rounds,
) -> int:
    args = parser().parse(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    options = GatherOptions(flows=args.flows, probe=args.probe, requests=args.requests)
    try:
        if args.count is not None and args.watch is None:
            raise InputError("--count N counts --watch rounds: give --watch SECONDS too")
        if args.watch is not None and args.json:
            raise InputError("--watch shows changes as they come: it does not print --json")
        hosts = resolve_limit(site, args.limit, role_groups(site))
        if not gathered_from(site, hosts, options):
            raise InputError(
                f"nothing to do: --limit {args.limit!r} selects none of the hosts the audit "
                "gathers from (the router, a control-plane node, a client when probing)"
            )
        if args.watch is not None:
            with rounds(site, hosts, options) as gather_round:
                return watch(site, gather_round, out, args.watch, args.count)
        observations = gather(site, hosts, options, err)
    except InputError as exc:
        fail_input(exc, err, args.json)
    outcome = evaluate(site, observations, args.blackhole_threshold)
    if args.json:
        emit_json(json_document(outcome), secret_values(site))
    else:
        render(outcome, out, args.verbose)
    return EXIT_OK if outcome.ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
