"""Benchmark: from nothing to a ready twin, against the 10 s target.

Ready means every router BGP session Established and, with the demo address announced by
the three nodes, the 3-way ECMP route installed in the router's kernel. Then `down`.
Run as root: .venv/bin/python bench/lab_up.py
"""

from __future__ import annotations

import sys
import time
from ipaddress import IPv4Network
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bgplb.model import load_site
from lab.lifecycle import Lab, down, up
from lab.observe import nexthops_of, router_sessions
from lab.poll import wait_for
from lab.speaker import speakers

TARGET_SECONDS = 10.0
INVENTORY = Path(__file__).resolve().parent.parent / "inventory" / "lab"


def main() -> int:
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
        f"lab up -> {state} ({len(site.nodes)}-way ECMP for {prefix}): {total:.2f} s "
        f"(target {TARGET_SECONDS:.0f} s: {verdict})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
