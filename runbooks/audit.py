"""python -m runbooks.audit: is every LB IP routed over the right nodes, and does ECMP spread it?

Gathers the router (NAPALM bgplb_vyos) and the cluster (Kubernetes API) in parallel, optionally
probes from the clients, runs the pure checks of bgplb.audit and reports. Exit 0 when no
error-level finding, 1 otherwise, 2 on bad input (then nothing was contacted).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Collection, Sequence

from rich.console import Console

from bgplb.audit.checks_failover import DEFAULT_BLACKHOLE_THRESHOLD_S
from bgplb.audit.observations import Observations
from bgplb.audit.outcome import evaluate
from bgplb.audit.parse_router import DEFAULT_FLOWS, FLOWS_PER_HOP_FOR_CERTAINTY
from bgplb.audit.progress import GatherProgress
from bgplb.audit.report import json_document, render
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
from tasks.audit_gather import GatherOptions, gather_with_nornir, gathered_from

Gather = Callable[[Site, Collection[str], GatherOptions, Console], Observations]


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
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


def main(argv: Sequence[str] | None = None, gather: Gather = nornir_gather) -> int:
    args = parser().parse(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    options = GatherOptions(flows=args.flows, probe=args.probe, requests=args.requests)
    try:
        hosts = resolve_limit(site, args.limit, role_groups(site))
        if not gathered_from(site, hosts, options):
            raise InputError(
                f"nothing to do: --limit {args.limit!r} selects none of the hosts the audit "
                "gathers from (the router, a control-plane node, a client when probing)"
            )
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
