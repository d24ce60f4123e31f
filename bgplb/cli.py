"""Conventions every runbook shares: options, exit codes, inventory loading, Nornir, JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.text import Text

from bgplb.errors import InputError
from bgplb.model import InventoryProblems, Site, load_site
from bgplb.model.connections import UNSAFE
from bgplb.secrets import masked_stream, redact, redact_data

EXIT_OK = 0
EXIT_FAILED = 1  # a host or a check failed
EXIT_BAD_INPUT = 2  # bad input: nothing was contacted

REPO_ROOT = Path(__file__).resolve().parent.parent
NORNIR_CONFIG = REPO_ROOT / "config.yaml"


def base_parser(
    prog: str, description: str, default_inventory: str = "inventory"
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--inventory",
        default=default_inventory,
        metavar="DIR",
        help="inventory directory with hosts.yaml, groups.yaml, defaults.yaml "
        f"(default: {default_inventory}/)",
    )
    parser.add_argument(
        "--limit",
        default=None,
        metavar="NAMES",
        help="comma-separated host or group names to act on (default: all)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout and nothing else"
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more detail")
    return parser


def consoles(as_json: bool) -> tuple[Console, Console]:
    """(report console, diagnostics console). With --json the report goes to stderr.

    Both mask every known secret in what they print (bgplb.secrets)."""
    err = Console(file=masked_stream(lambda: sys.stderr))
    return (err if as_json else Console(file=masked_stream(lambda: sys.stdout)), err)


def load_site_or_exit(directory: str | Path, err: Console, as_json: bool = False) -> Site:
    """Validate the inventory; on any error print every problem and exit 2. Connection options
    the site allowed although they weaken safety are printed on every run (stderr)."""
    try:
        site = load_site(directory)
    except InventoryProblems as exc:
        fail_input(exc, err, as_json)
    for warning in site.warnings:
        if warning.message.startswith(UNSAFE):
            err.print(Text(str(warning), style="bold yellow"), highlight=False, soft_wrap=True)
    return site


def fail_input(exc: InputError, err: Console, as_json: bool) -> NoReturn:
    problems = exc.problems if isinstance(exc, InventoryProblems) else []
    if as_json:
        doc: dict[str, Any] = {"ok": False, "error": "bad input"}
        doc["problems"] = [p.as_dict() for p in problems] or [{"message": redact(str(exc))}]
        emit_json(doc)
    err.print(f"[bold red]bad input[/]: {len(problems) or 1} problem(s); nothing was contacted")
    for line in [redact(str(p)) for p in problems] or [redact(str(exc))]:
        err.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(EXIT_BAD_INPUT)


def resolve_limit(site: Site, limit: str | None, groups: dict[str, set[str]]) -> set[str]:
    """Host names selected by --limit (host or group names); unknown names are bad input."""
    everyone = set(site.host_names)
    if not limit:
        return everyone
    chosen: set[str] = set()
    unknown = []
    for name in (n.strip() for n in limit.split(",") if n.strip()):
        if name in everyone:
            chosen.add(name)
        elif name in groups:
            chosen |= groups[name]
        else:
            unknown.append(name)
    if unknown:
        raise InputError(
            f"--limit: unknown host or group {', '.join(map(repr, unknown))} "
            f"(hosts: {', '.join(sorted(everyone))}; groups: {', '.join(sorted(groups))})"
        )
    return chosen


def role_groups(site: Site) -> dict[str, set[str]]:
    """Role group name -> host names, as the inventory's groups define them."""
    out: dict[str, set[str]] = {
        "router": {site.router.name},
        "control_plane": {n.name for n in site.nodes if n.role == "control_plane"},
        "workers": {n.name for n in site.workers},
        "k8s_nodes": {n.name for n in site.nodes},
        "clients": {c.name for c in site.clients},
        "hypervisor": {site.hypervisor.name} if site.hypervisor else set(),
    }
    return out


def emit_json(doc: Any, secrets: Sequence[str] = ()) -> None:
    """The one JSON document a runbook prints on stdout with --json, secrets masked in its
    strings before it is serialised (never in the JSON text, where they may be escaped)."""
    sys.stdout.write(json.dumps(redact_data(doc, secrets), indent=2, sort_keys=True, default=str))
    sys.stdout.write("\n")
    sys.stdout.flush()
