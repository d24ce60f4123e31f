"""Benchmark: the bgplb_vyos NAPALM driver against stock napalm-vyos, on the twin's router.

Side by side in one run, through nornir_napalm from init_nornir (strict host keys):
  (a) a dry-run configure: napalm_configure(dry_run=True) with the site's rendered config,
      on a fresh Nornir (so the SSH login is included, as a user sees it);
  (b) get_bgp_neighbors + get_route_to(pool, longer=True) (napalm_get, same connection).
Targets: (a) <= 2 s, (b) <= 1.5 s, (a) at least 10x faster than stock. Then the SSH round
trips of (a) and (b) for 3 peers and for 24 peers (a twin variant with 24 speaker nodes,
worker03..worker23, built from inventory/lab in a temporary directory). Prints figures, never
asserts. Holds the machine's twin lock (lab/lock.py) throughout; tears every twin down.
Run as root: .venv/bin/python bench/router_driver.py
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netmiko import BaseConnection
from nornir_napalm.plugins.tasks import napalm_configure, napalm_get

from bgplb.model import Site, load_site
from bgplb.nornir_init import init_nornir
from bgplb.vyos.bgp_config import render_commands
from lab.lifecycle import down, up
from lab.lock import twin_lock
from lab.observe import nexthops_of
from lab.operator import operator_session
from lab.poll import wait_for
from lab.speaker import speakers
from lab.topology import ns_name

REPO = Path(__file__).resolve().parent.parent
INVENTORY = REPO / "inventory" / "lab"
TARGET_A_S = 2.0
TARGET_B_S = 1.5
TARGET_RATIO = 10.0
PLATFORMS = ("bgplb_vyos", "vyos")  # this driver, stock napalm-vyos
EXTRA_WORKERS = range(3, 24)  # worker03..worker23: 24 speaker nodes in all


# ---- counting SSH round trips: every write to the channel is one exchange with the router


class WriteCounter:
    def __init__(self) -> None:
        self.count = 0


@contextmanager
def counting_writes() -> Iterator[WriteCounter]:
    counter = WriteCounter()
    original = BaseConnection.write_channel

    def write_channel(self: BaseConnection, out_data: str) -> None:
        counter.count += 1
        original(self, out_data)

    BaseConnection.write_channel = write_channel  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        BaseConnection.write_channel = original  # type: ignore[method-assign]


@dataclass
class Figure:
    seconds: float
    trips: int
    outcome: str


def timed(action: Callable[[], str]) -> Figure:
    with counting_writes() as counter:
        start = time.monotonic()
        outcome = action()
        seconds = time.monotonic() - start
    return Figure(seconds, counter.count, outcome)


def pool(site: Site) -> str:
    return str(site.metallb.pools[0].addresses[0])


@dataclass
class Run:
    login: Figure  # nornir_napalm opening the connection (SSH login, session preparation)
    dry_run: Figure  # (a) on the open connection
    getters: Figure  # (b)
    neighbors: Figure  # get_bgp_neighbors alone

    @property
    def a_seconds(self) -> float:
        """(a) as a user sees it on a fresh Nornir: login + dry run."""
        return self.login.seconds + self.dry_run.seconds


def run_platform(site: Site, platform: str) -> Run:
    name = site.router.name
    nr = init_nornir(site, {name})
    host = nr.inventory.hosts[name]
    host.platform = platform
    config = "\n".join(render_commands(site, os.environ)) + "\n"

    def login() -> str:
        host.get_connection("napalm", nr.config)
        return "connected"

    def dry_run() -> str:
        res = nr.run(task=napalm_configure, configuration=config, dry_run=True, on_failed=True)[
            name
        ]
        return _outcome(res, lambda r: f"diff {len(r[0].diff.splitlines())} lines")

    def getters(names: list[str]) -> Callable[[], str]:
        options = {"route_to": {"destination": pool(site), "longer": True}}

        def get() -> str:
            res = nr.run(task=napalm_get, getters=names, getters_options=options, on_failed=True)[
                name
            ]

            def summary(r: Any) -> str:
                got = r[0].result
                peers = len(got.get("bgp_neighbors", {}).get("global", {}).get("peers", {}))
                text = f"{peers} peers"
                if "route_to" in got:
                    hops = sum(len(v) for v in got["route_to"].values())
                    text += f", {len(got['route_to'])} prefix(es) / {hops} next hops"
                return text

            return _outcome(res, summary)

        return get

    try:
        return Run(
            login=timed(login),
            dry_run=timed(dry_run),
            getters=timed(getters(["bgp_neighbors", "route_to"])),
            neighbors=timed(getters(["bgp_neighbors"])),
        )
    finally:
        nr.close_connections(on_good=True, on_failed=True)


def _outcome(res: Any, ok: Callable[[Any], str]) -> str:
    if res.failed:
        exc = res[0].exception
        text = f"{type(exc).__name__}: {exc}" if exc else str(res[0].result)
        return "FAILED " + text.strip().splitlines()[0][:90]
    return ok(res)


# ---- twins ---------------------------------------------------------------------------------


def bring_up(site: Site) -> None:
    down(site)
    up(site)
    lb = site.services[0].lb_ip
    assert lb is not None
    for sp in speakers(site):
        sp.announce(lb)
    width = min(len(site.nodes), site.router.bgp.maximum_paths.ebgp)
    net = IPv4Network(f"{lb}/32")
    if not wait_for(lambda: len(nexthops_of(ns_name(site.router.name), net)) == width, 60.0):
        print(f"  warning: the {width}-way ECMP route to {lb} did not appear within 60 s")


def inventory_24(dest: Path) -> Path:
    """inventory/lab with worker03..worker23 (198.18.30.103..123) peering with the router."""
    files = {n: yaml.safe_load((INVENTORY / f"{n}.yaml").read_text()) for n in _NAMES}
    hosts = files["hosts"]
    neighbors = hosts["vyos"]["data"]["bgp"]["neighbors"]
    for i in EXTRA_WORKERS:
        address = IPv4Address("198.18.30.100") + i
        hosts[f"worker{i:02d}"] = {"hostname": str(address), "groups": ["workers"]}
        neighbors.append({"address": str(address), "peer_group": "group01"})
    site_data = files["defaults"]["data"]["site"]
    kube = site_data["kubernetes"]
    kube["cni"]["manifest"] = str((INVENTORY / kube["cni"]["manifest"]).resolve())
    metallb = site_data["metallb"]
    metallb["manifests"] = [str((INVENTORY / m).resolve()) for m in metallb["manifests"]]
    for name, data in files.items():
        (dest / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


_NAMES = ("hosts", "groups", "defaults")


# ---- report --------------------------------------------------------------------------------


def verdict(value: float, target: float) -> str:
    return "within target" if value <= target else "MISSES target"


def report(peers: int, runs: dict[str, Run]) -> None:
    ours, stock = runs["bgplb_vyos"], runs["vyos"]
    print(
        f"{peers} peers, through nornir_napalm (fresh Nornir from init_nornir, strict host keys):"
    )
    for label, r in (("bgplb_vyos", ours), ("stock vyos", stock)):
        print(
            f"  {label:<11} login {r.login.seconds:5.2f} s + (a) dry-run configure "
            f"{r.dry_run.seconds:5.2f} s = {r.a_seconds:5.2f} s  [{r.dry_run.outcome}]"
        )
        print(
            f"  {label:<11} (b) get_bgp_neighbors + get_route_to(pool, longer=True) "
            f"{r.getters.seconds:5.2f} s  [{r.getters.outcome}]"
        )
        print(
            f"  {label:<11}     get_bgp_neighbors alone {r.neighbors.seconds:5.2f} s  "
            f"[{r.neighbors.outcome}]"
        )
    ratio = stock.a_seconds / ours.a_seconds if ours.a_seconds else float("inf")
    print(
        f"  (a) bgplb_vyos {ours.a_seconds:.2f} s (login included) vs target "
        f"{TARGET_A_S:.1f} s: {verdict(ours.a_seconds, TARGET_A_S)}"
    )
    print(
        f"  (b) bgplb_vyos {ours.getters.seconds:.2f} s vs target {TARGET_B_S:.1f} s: "
        f"{verdict(ours.getters.seconds, TARGET_B_S)}"
    )
    print(
        f"  (a) stock / bgplb_vyos = {stock.a_seconds:.2f} s / {ours.a_seconds:.2f} s = "
        f"{ratio:.1f}x (target >= {TARGET_RATIO:.0f}x: "
        f"{'met' if ratio >= TARGET_RATIO else 'NOT met'})"
    )


def report_trips(by_peers: dict[int, dict[str, Run]]) -> None:
    print("SSH round trips (netmiko channel writes; login counted apart):")
    print(f"  {'peers':>5}  {'driver':<11} {'login':>6} {'(a) dry run':>12} {'(b) getters':>12}")
    for peers, runs in sorted(by_peers.items()):
        for platform, r in runs.items():
            label = "bgplb_vyos" if platform == "bgplb_vyos" else "stock vyos"
            b_text = (
                f"{r.getters.trips}*"
                if r.getters.outcome.startswith("FAILED")
                else (str(r.getters.trips))
            )
            print(
                f"  {peers:>5}  {label:<11} {r.login.trips:>6} {r.dry_run.trips:>12} {b_text:>12}"
            )
    print("  * stock napalm-vyos has no get_route_to: (b) fails after its neighbor query")


def main() -> int:
    if os.geteuid() != 0:
        print("run as root: the twin needs network namespaces")
        return 1
    logging.getLogger("nornir").setLevel(logging.CRITICAL)  # stock's NotImplementedError
    site = load_site(INVENTORY)
    by_peers: dict[int, dict[str, Run]] = {}
    with twin_lock(), operator_session(site):
        try:
            bring_up(site)
            by_peers[len(site.nodes)] = {p: run_platform(site, p) for p in PLATFORMS}
        finally:
            down(site)
        report(len(site.nodes), by_peers[len(site.nodes)])
        with tempfile.TemporaryDirectory(prefix="bgplb-bench-24-") as tmp:
            site24 = load_site(inventory_24(Path(tmp)))
            try:
                bring_up(site24)
                by_peers[len(site24.nodes)] = {p: run_platform(site24, p) for p in PLATFORMS}
            finally:
                down(site24)
            report(len(site24.nodes), by_peers[len(site24.nodes)])
    report_trips(by_peers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
