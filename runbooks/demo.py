"""python -m runbooks.demo: what `make demo` runs: lab up, deploy, audit on the local twin.

The steps hold the machine's twin lock (lab/lock.py), as tests and benchmarks do. The twin
is used as a real site: `lab up` puts its host keys in ~/.ssh/known_hosts and its secrets in
an env file, which the demo sources for deploy and audit. The twin is left up to explore
(the router's SSH, the nodes, the kubeconfig); `make lab-down` removes it. Steps whose
runbook does not exist yet are listed as missing; the demo then exits 1.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence

from rich.console import Console

from bgplb.model import load_site
from lab.lock import TWIN_LOCK, TwinBusy, twin_lock
from lab.operator import env_file, read_env_file
from lab.state import LabPaths

TWIN = "inventory/lab"
TEAR_DOWN = f"make lab-down (or: python -m runbooks.lab down --inventory {TWIN})"
STEPS: tuple[tuple[str, list[str]], ...] = (
    ("runbooks.validate", ["--inventory", TWIN]),
    ("runbooks.lab", ["up", "--inventory", TWIN]),
    ("runbooks.lab", ["status", "--inventory", TWIN]),
    ("runbooks.deploy", ["--inventory", TWIN]),
    ("runbooks.audit", ["--inventory", TWIN]),
)


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    console = Console()
    console.print(f"taking the twin lock {TWIN_LOCK} (waits while tests or benchmarks hold it)")
    try:
        with twin_lock():
            return _steps(console)
    except TwinBusy as exc:
        console.print(f"[bold red]demo not run[/]: {exc}")
        return 1


def _steps(console: Console) -> int:
    missing = []
    env = dict(os.environ)
    for module, args in STEPS:
        if importlib.util.find_spec(module) is None:
            console.print(f"[yellow]missing[/]: python -m {module} is not built yet")
            missing.append(module)
            continue
        console.rule(f"python -m {module} {' '.join(args)}")
        code = subprocess.call([sys.executable, "-m", module, *args], env=env)
        if code != 0:
            console.print(f"[bold red]demo stopped[/]: {module} exited {code}")
            console.print(f"tear the twin down with: {TEAR_DOWN}")
            return code
        if args[0] == "up":  # as an operator: `. <state>/operator.env`
            env |= read_env_file(env_file(LabPaths.of(load_site(TWIN))))
    if missing:
        console.print(f"[yellow]demo incomplete[/]: not yet built: {', '.join(missing)}")
        return 1
    console.print("[bold green]demo complete[/]: the twin is deployed and the audit passed")
    console.print(f"the twin stays up to explore; tear it down with: {TEAR_DOWN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
