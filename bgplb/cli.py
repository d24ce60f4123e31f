"""Conventions every runbook shares: options, exit codes, inventory loading, Nornir, JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console

from bgplb.errors import InputError
from bgplb.model import InventoryProblems, Site, load_site
from bgplb.terminal import text

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
    """(report console, diagnostics console). With --json the report goes to stderr."""
    err = Console(stderr=True)
    return (err if as_json else Console(), err)


def load_site_or_exit(directory: str | Path, err: Console, as_json: bool = False) -> Site:
    """Validate the inventory; on any error print every problem and exit 2."""
    try:
        return load_site(directory)
    except InventoryProblems as exc:
        fail_input(exc, err, as_json)


def fail_input(exc: InputError, err: Console, as_json: bool) -> NoReturn:
    problems = exc.problems if isinstance(exc, InventoryProblems) else []
    if as_json:
        doc: dict[str, Any] = {"ok": False, "error": "bad input"}
        doc["problems"] = [p.as_dict() for p in problems] or [{"message": str(exc)}]
        emit_json(doc)
    err.print(f"[bold red]bad input[/]: {len(problems) or 1} problem(s); nothing was contacted")
    for line in [str(p) for p in problems] or [str(exc)]:
        err.print(text(f"  {line}"), highlight=False, soft_wrap=True)
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


def secret_values(site: Site, env: dict[str, str] | None = None) -> list[str]:
    """Values of every secret the site references, for redaction of output and logs."""
    env = dict(os.environ) if env is None else env
    names = {site.router.login.credentials.password_env}
    names |= {n.password_env for n in site.router.neighbors}
    names |= {g.password_env for g in site.router.bgp.peer_groups}
    names |= {site.metallb.password_env, site.metallb.memberlist_secret_env}
    names |= {login.credentials.password_env for login in site.logins.values()}
    return sorted({env[n] for n in names if n and env.get(n)}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text


def emit_json(doc: Any, secrets: Sequence[str] = ()) -> None:
    """The one JSON document a runbook prints on stdout with --json."""
    sys.stdout.write(redact(json.dumps(doc, indent=2, sort_keys=True, default=str), secrets))
    sys.stdout.write("\n")
    sys.stdout.flush()
