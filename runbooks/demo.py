"""python -m runbooks.demo [--inventory DIR]: what `make demo [INVENTORY=DIR]` runs: lab up,
deploy, audit on the local twin of a twin inventory (default inventory/lab; also
inventory/examples/current).

The steps hold the machine's twin lock (lab/lock.py), as tests and benchmarks do. The twin
is used as a real site: `lab up` puts its host keys in ~/.ssh/known_hosts and its secrets in
an env file, which the demo sources for deploy and audit. The twin is left up to explore
(the router's SSH, the nodes, the kubeconfig); `make lab-down` removes it. Steps whose
runbook does not exist yet are listed as missing; the demo then exits 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from bgplb.model import load_site
from lab.lock import TWIN_LOCK, TwinBusy, twin_lock
from lab.operator import env_file, read_env_file
from lab.state import LabPaths

TWIN = "inventory/lab"


def steps(twin: str) -> tuple[tuple[str, list[str]], ...]:
    return (
        ("runbooks.validate", ["--inventory", twin]),
        ("runbooks.lab", ["up", "--inventory", twin]),
        ("runbooks.lab", ["status", "--inventory", twin]),
        ("runbooks.deploy", ["--inventory", twin]),
        ("runbooks.audit", ["--inventory", twin]),
    )


def tear_down(twin: str) -> str:
    return f"make lab-down INVENTORY={twin} (or: python -m runbooks.lab down --inventory {twin})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runbooks.demo", description=__doc__)
    parser.add_argument("--inventory", default=TWIN, help=f"a twin inventory (default {TWIN})")
    args = parser.parse_args(argv)
    console = Console()
    console.print(f"taking the twin lock {TWIN_LOCK} (waits while tests or benchmarks hold it)")
    try:
        with twin_lock():
            return run_steps(console, args.inventory)
    except TwinBusy as exc:
        console.print(f"[bold red]demo not run[/]: {exc}")
        return 1


def run_steps(console: Console, twin: str = TWIN, cwd: Path | None = None) -> int:
    """The demo's steps, each `python -m <runbook>` in a child process run in `cwd` (a
    checkout; default the current directory); the caller holds the twin lock."""
    missing = []
    env = dict(os.environ)
    where = cwd or Path.cwd()
    for module, args in steps(twin):
        if importlib.util.find_spec(module) is None:
            console.print(f"[yellow]missing[/]: python -m {module} is not built yet")
            missing.append(module)
            continue
        console.rule(f"python -m {module} {' '.join(args)}")
        code = subprocess.call([sys.executable, "-m", module, *args], env=env, cwd=where)
        if code != 0:
            console.print(f"[bold red]demo stopped[/]: {module} exited {code}")
            console.print(f"tear the twin down with: {tear_down(twin)}")
            return code
        if args[0] == "up":  # as an operator: `. <state>/operator.env`
            env |= read_env_file(env_file(LabPaths.of(load_site(where / twin))))
    if missing:
        console.print(f"[yellow]demo incomplete[/]: not yet built: {', '.join(missing)}")
        return 1
    console.print("[bold green]demo complete[/]: the twin is deployed and the audit passed")
    console.print(f"the twin stays up to explore; tear it down with: {tear_down(twin)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
