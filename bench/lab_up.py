"""Benchmark: from nothing to a ready twin, against the 10 s target.

Two measures, each from nothing (after `down`):
- `lab up` as the runbook starts it by default (fresh VMs: no router BGP, speakers unpeered):
  every process started and every login listening;
- preconfigured (`--preconfigured`): ready means every router BGP session Established and,
  with the demo address announced by the three nodes, the 3-way ECMP route installed in the
  router's kernel. Then `down`.
Holds the machine's twin lock (/var/tmp/bgplab.lock) as the tests do.
Run as root: .venv/bin/python bench/lab_up.py
"""

from __future__ import annotations

import fcntl
import sys
import time
from ipaddress import IPv4Network
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bgplb.model import load_site
from lab.lifecycle import Lab, down, up
from lab.observe import nexthops_of, router_sessions
from lab.operator import operator_session
from lab.poll import wait_for
from lab.speaker import speakers

TARGET_SECONDS = 10.0
TWIN_LOCK = Path("/var/tmp/bgplab.lock")
INVENTORY = Path(__file__).resolve().parent.parent / "inventory" / "lab"


def fresh_up() -> float:
    """Seconds of `up` as `python -m runbooks.lab up` does it (fresh VMs), then down."""
    site = load_site(INVENTORY)
    down(site)
    start = time.monotonic()
    try:
        up(site, peer=False, router_bgp=False)
        return time.monotonic() - start
    finally:
        down(site)


def main() -> int:
    TWIN_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with TWIN_LOCK.open("a") as lock, operator_session(load_site(INVENTORY)):
        fcntl.flock(lock, fcntl.LOCK_EX)  # waits for the other users of the twin
        fresh = fresh_up()
        verdict = "within" if fresh <= TARGET_SECONDS else "MISSES"
        print(
            f"lab up (fresh VMs, the runbook's default): {fresh:.2f} s "
            f"(target {TARGET_SECONDS:.0f} s: {verdict})"
        )
        return preconfigured()


def preconfigured() -> int:
    site = load_site(INVENTORY)
    lab = Lab.of(site)
    service = site.services[0]
    assert service.lb_ip is not None
    prefix = IPv4Network(f"{service.lb_ip}/32")
    down(site)
    start = time.monotonic()
    try:
        result = up(site, wait=False)
        built = time.monotonic() - start
        for sp in speakers(site):
            sp.announce(service.lb_ip)
        wanted = {n.address for n in site.router.neighbors}

        def ready() -> bool:
            states = {s.peer: s.state for s in router_sessions(lab.router_inst)}
            if not all(states.get(a) == "Established" for a in wanted):
                return False
            hops = nexthops_of(lab.topo.router.ns, prefix)
            return len(hops) == len(site.nodes)

        ok = wait_for(ready, timeout=60.0, interval=0.02)
        total = time.monotonic() - start
    finally:
        down(site)
    for name, at in result.steps:
        print(f"  {at:6.2f} s  {name}")
    print(f"  {built:6.2f} s  lab up returned")
    verdict = "within" if ok and total <= TARGET_SECONDS else "MISSES"
    state = "ready" if ok else "NOT READY after 60 s"
    print(
        f"lab up --preconfigured -> {state} ({len(site.nodes)}-way ECMP for {prefix}): "
        f"{total:.2f} s "
        f"(target {TARGET_SECONDS:.0f} s: {verdict})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
