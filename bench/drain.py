"""Benchmark: `runbooks.drain` and its undo on the twin, under a request loop from every client.

The twin with MetalLB 0.9.6 (the reference lab) is brought up under the machine-wide twin lock
and torn down afterwards. Each run drains worker01 and undoes it, each while every client sends
HTTP requests (a new TCP connection each) to the LB IP. Printed per step: the runbook's wall time
(in this process, report included), the part spent waiting for the router (withdraw / return),
the time the evicted pods took to stop (the demo app's preStop sleep, `stop_delay_seconds`,
which the app decides, not the drain), the rest, and the failed requests, beside the targets
(each step at most 5 s on the twin besides the pods' own stop; 0 failed requests). Prints
figures; asserts nothing.

Run as root: .venv/bin/python bench/drain.py
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bgplb.model import load_site  # noqa: E402
from lab.operator import operator_session  # noqa: E402
from runbooks.drain import main as drain_main  # noqa: E402
from tests.audit.twin.twin import AuditTwin, audit_twin, node_addresses  # noqa: E402
from tests.conftest import twin_lock  # noqa: E402
from tests.drain.twin.load import RequestLoop  # noqa: E402

INVENTORY = REPO / "inventory" / "lab"
RUNS = 3
NODE = "worker01"
TARGET_S = 5.0
WAITS = ("withdraw", "return")


@dataclass(frozen=True)
class Step:
    seconds: float
    router_wait: float
    pods_wait: float  # the evict phase: the evicted pods' preStop hooks run before they go
    code: int
    failed: int
    requests: int


def step(twin: AuditTwin, *args: str) -> Step:
    out = io.StringIO()
    with (
        RequestLoop(twin.site, twin.lb_ip) as loop,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        start = time.monotonic()
        code = drain_main(["--inventory", str(INVENTORY), "--json", *args])
        seconds = time.monotonic() - start
    doc = json.loads(out.getvalue())
    phases = [p for n in doc["nodes"] for p in n["phases"]]
    wait = sum(p["seconds"] for p in phases if p["name"] in WAITS)
    pods = sum(p["seconds"] for p in phases if p["name"] == "evict")
    return Step(seconds, wait, pods, code, loop.failed, loop.total)


def line(name: str, steps: list[Step]) -> str:
    secs = [s.seconds for s in steps]
    waits = [s.router_wait for s in steps]
    failed = sum(s.failed for s in steps)
    total = sum(s.requests for s in steps)
    codes = sorted({s.code for s in steps})
    own = [s.seconds - s.pods_wait for s in steps]
    ok = max(own) <= TARGET_S and failed == 0 and codes == [0]
    median, wait = statistics.median(secs), statistics.median(waits)
    return (
        f"{name:<6} median {median:5.2f} s (max {max(secs):5.2f}; router wait "
        f"median {wait:4.2f} s, pods stopping max {max(s.pods_wait for s in steps):4.2f} s, "
        f"rest median {median - wait:4.2f} s; besides the pods' stop max {max(own):4.2f} s)"
        f"  target <= {TARGET_S:.0f} s | failed requests {failed}/{total} (target 0)"
        f" | exit {codes} | {'ok' if ok else 'MISSED'}"
    )


def main() -> None:
    site = load_site(INVENTORY)
    with twin_lock(), operator_session(site):
        start = time.monotonic()
        with audit_twin(site) as twin:
            print(f"twin up with MetalLB {site.metallb.version}: {time.monotonic() - start:.1f} s")
            drains, undos = [], []
            for _ in range(RUNS):
                drains.append(step(twin, NODE))
                undos.append(step(twin, "--undo", NODE))
                twin.wait_ecmp(node_addresses(site))
            print(f"{RUNS} runs, draining {NODE} of {len(site.nodes)} announcers")
            print(line("drain", drains))
            print(line("undo", undos))


if __name__ == "__main__":
    main()
