"""python -m runbooks.demo: what `make demo` runs: lab up, deploy, audit on the local twin.

Steps whose runbook does not exist yet are listed as missing; the demo then exits 1.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Sequence

from rich.console import Console

TWIN = "inventory/lab"
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
    missing = []
    for module, args in STEPS:
        if importlib.util.find_spec(module) is None:
            console.print(f"[yellow]missing[/]: python -m {module} is not built yet")
            missing.append(module)
            continue
        console.rule(f"python -m {module} {' '.join(args)}")
        code = subprocess.call([sys.executable, "-m", module, *args])
        if code != 0:
            console.print(f"[bold red]demo stopped[/]: {module} exited {code}")
            return code
    if missing:
        console.print(f"[yellow]demo incomplete[/]: not yet built: {', '.join(missing)}")
        return 1
    console.print("[bold green]demo complete[/]: the twin is deployed and the audit passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
