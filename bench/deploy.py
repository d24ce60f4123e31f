"""Benchmark: `python -m runbooks.deploy --inventory inventory/lab` on the twin.

Figures, against their targets:
- the one-time build of the nodes' Debian rootfs (lab/rootfs.py; cached per machine: printed
  as it was measured when it ran), and `lab up` (not a target);
- full deploy on a fresh twin (as `python -m runbooks.lab up` starts it: router without BGP,
  speakers unpeered, nodes real Debian userlands not bootstrapped), audit included: target at
  most 60 s with real apt on the nodes, after the cached rootfs (issue 18; issue 17's 20 s
  was measured on the shell emulator);
- converged re-runs right after it (0 changed expected), RERUNS of them: target at most 8 s
  (issue 17; baseline 16.8 s).
Each deploy is the wall time of the runbook as a process (what a user waits for, imports
included), run in a temporary working directory (its nornir.log stays there). `lab up` is
timed apart. The full deploy is timed on FULL_RUNS fresh twins (each brought up again), the
re-run RERUNS times; each figure is printed run by run, then as the median beside its target
and baseline.
Holds the machine's twin lock (lab/lock.py) as the tests do; leaves the lab down.
Prints figures; asserts nothing. Run as root: .venv/bin/python bench/deploy.py [FULL_RUNS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bgplb.model import load_site  # noqa: E402
from lab import rootfs  # noqa: E402
from lab.lifecycle import down, up  # noqa: E402
from lab.lock import twin_lock  # noqa: E402
from lab.operator import operator_session  # noqa: E402

INVENTORY = REPO / "inventory" / "lab"
FULL_TARGET_S = 60.0  # issue 18: real apt on real-userland nodes
RERUN_TARGET_S = 8.0  # issue 17
RERUNS = 3
FULL_RUNS = 1  # a fresh twin each: `python bench/deploy.py 3` for a median of 3
FULL_TARGET_EMULATED_S = 20.0  # issue 17's, set when the nodes were the shell emulator
# before issue 17 (shell emulator nodes), same machine
BASELINE = {"full": "26 s (emulated nodes)", "rerun": "16.8 s"}


@dataclass(frozen=True)
class DeployRun:
    seconds: float
    code: int
    ok: bool
    changed: int
    failed: list[str]


def deploy(workdir: Path) -> DeployRun:
    argv = [sys.executable, "-m", "runbooks.deploy", "--inventory", str(INVENTORY), "--json"]
    start = time.monotonic()
    # this checkout's code, whatever the venv's editable install points at (cwd is workdir)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - start
    try:
        doc = json.loads(done.stdout)
    except ValueError:
        return DeployRun(seconds, done.returncode, False, -1, [done.stderr.strip()[-300:]])
    if "results" not in doc:  # bad input: nothing ran
        problems = [str(p.get("message", p)) for p in doc.get("problems", [])]
        return DeployRun(seconds, done.returncode, False, -1, problems or [str(doc)[:300]])
    failed = [
        f"{r['phase']} on {r['host']}: {r['detail']}"
        for r in doc["results"]
        if r["outcome"] == "failed"
    ]
    return DeployRun(seconds, done.returncode, bool(doc["ok"]), int(doc["changed"]), failed)


def line(label: str, run: DeployRun, target: float, baseline: str) -> str:
    verdict = "within" if run.seconds <= target else "MISSES"
    status = "ok" if run.ok else "FAILED"
    text = (
        f"{label}: {run.seconds:.2f} s (target {target:.0f} s: {verdict}; baseline {baseline}); "
        f"exit {run.code}, {status}, {run.changed} changed"
    )
    return "\n".join([text, *(f"  failed: {f}" for f in run.failed)])


def median_line(label: str, runs: list[DeployRun], target: float, baseline: str) -> str:
    seconds = [r.seconds for r in runs]
    med = statistics.median(seconds)
    verdict = "within" if med <= target else "MISSES"
    ok = "all ok" if all(r.ok for r in runs) else "NOT all ok"
    return (
        f"{label}: median {med:.2f} s of {len(runs)} (min {min(seconds):.2f}, max "
        f"{max(seconds):.2f}; target {target:.0f} s: {verdict}; baseline {baseline}); {ok}"
    )


def main(argv: list[str]) -> int:
    full_runs = int(argv[0]) if argv else FULL_RUNS
    site = load_site(INVENTORY)
    fulls: list[DeployRun] = []
    reruns: list[DeployRun] = []
    with twin_lock(), operator_session(site):
        base = rootfs.ensure()
        how = "built now" if base.built_now else "cached; built once"
        print(f"nodes' rootfs, one-time build: {base.build_seconds:.1f} s ({how})", flush=True)
        for _ in range(full_runs):
            with tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp:
                down(site)
                try:
                    started = time.monotonic()
                    up(site, peer=False, router_bgp=False, wait=False)
                    print(f"lab up (fresh VMs): {time.monotonic() - started:.2f} s", flush=True)
                    fulls.append(deploy(Path(tmp)))
                    full = fulls[-1]
                    label = "deploy, fresh twin to audit passed"
                    print(line(label, full, FULL_TARGET_S, BASELINE["full"]), flush=True)
                    for _ in range(RERUNS if not reruns else 0):
                        reruns.append(deploy(Path(tmp)))
                        label = "deploy, converged re-run"
                        print(
                            line(label, reruns[-1], RERUN_TARGET_S, BASELINE["rerun"]),
                            flush=True,
                        )
                finally:
                    down(site)
    print(median_line("deploy, fresh twin", fulls, FULL_TARGET_S, BASELINE["full"]))
    print(
        median_line(
            "deploy, fresh twin (issue 17's target, set for emulated nodes)",
            fulls,
            FULL_TARGET_EMULATED_S,
            BASELINE["full"],
        )
    )
    print(median_line("deploy, converged re-run", reruns, RERUN_TARGET_S, BASELINE["rerun"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
