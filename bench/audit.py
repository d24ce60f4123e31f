"""Benchmark: the audit's wall time on the twin, and the router round trips it costs.

Two sizes, each brought up under the machine-wide twin lock and torn down afterwards:
- small: the twin's 3 nodes and 10 LoadBalancer Services; the figure a user waits for is
  `python -m runbooks.audit --no-probe` as a process, imports included (target at most 2 s,
  issue 17; baseline 4.6-5.7 s); in process, baseline 1.3 s;
- large: 24 speaker nodes and 200 LB IPs (target: audit in process at most 3 s, issue 17;
  baseline 7.8 s), from a temporary inventory generated from inventory/lab (extra workers at
  198.18.30.x).
The router round trips (SSH `send_command`s of the bgplb_vyos driver) must be equal for both.

Services are created through the kubernetes client. In the small case the emulated MetalLB
announces them through the nodes' speakers; in the large case it only records (4,800
single announcements through vtysh take minutes) and each node's speaker announces the 200
addresses in one batch (`ip -batch`, one vtysh call), as MetalLB would.

Timed: `runbooks.audit.main([... "--json"])` in this process (gather, checks, report), and
`python -m runbooks.audit` as a process (what a user waits for, imports included), median of
RUNS each. Prints each figure beside its target and baseline; asserts nothing.
Run as root: .venv/bin/python bench/audit.py [small|large]
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402
from kubernetes import client as k8s  # noqa: E402
from kubernetes import config as k8s_config  # noqa: E402

from bgplb.audit.outcome import evaluate  # noqa: E402
from bgplb.model import Site, load_site  # noqa: E402
from lab import frr  # noqa: E402
from lab.observe import bgp_kernel_routes  # noqa: E402
from lab.operator import operator_session  # noqa: E402
from lab.poll import wait_for  # noqa: E402
from lab.speaker import Speaker  # noqa: E402
from napalm_bgplb_vyos.driver import BgplbVyosDriver  # noqa: E402
from runbooks.audit import main as audit_main  # noqa: E402
from tasks.audit_gather import AuditGather, GatherOptions  # noqa: E402
from tests.audit.twin.twin import AuditTwin, audit_twin, router_ns  # noqa: E402
from tests.conftest import twin_lock  # noqa: E402

INVENTORY = REPO / "inventory" / "lab"
RUNS = 3
SMALL = (3, 10, 3.0)  # nodes, LB IPs, target seconds (in process)
LARGE = (24, 200, 3.0)
PROCESS_TARGET_S = 2.0  # python -m runbooks.audit --no-probe, 3 nodes (issue 17)
WATCH_TARGET_S = 1.0  # one --watch round (gather, checks) over open connections, 3 nodes
BASELINE = {  # before issue 17, on the same 2-core machine
    "small in process": "1.3 s",
    "small process": "4.6-5.7 s",
    "large in process": "7.8 s",
    "large process": "not measured",
    "small watch": "no --watch before issue 17",
    "large watch": "no --watch before issue 17",
}
FIRST_EXTRA_WORKER = IPv4Address("198.18.30.62")


# ---- counting the driver's round trips ------------------------------------------------


@dataclass
class RoundTrips:
    count: int = 0


@contextlib.contextmanager
def counting_round_trips() -> Iterator[RoundTrips]:
    """Every `send_command` / `send_command_timing` on the driver's SSH connection."""
    counter = RoundTrips()
    original = BgplbVyosDriver.connection_factory

    def factory(*args: Any, **kwargs: Any) -> Any:
        conn = original(*args, **kwargs)
        for name in ("send_command", "send_command_timing"):
            inner = getattr(conn, name)

            def counted(*a: Any, _inner: Any = inner, **kw: Any) -> Any:
                counter.count += 1
                return _inner(*a, **kw)

            setattr(conn, name, counted)
        return conn

    BgplbVyosDriver.connection_factory = factory
    try:
        yield counter
    finally:
        BgplbVyosDriver.connection_factory = original


# ---- the audit, timed ------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRun:
    seconds: float
    code: int
    round_trips: int
    doc: dict[str, Any]

    @property
    def errors(self) -> list[str]:
        return [
            f"{f['check']} {f['object']}: {f['actual']}"
            for f in self.doc.get("findings", [])
            if f["severity"] == "error"
        ]


def audit_in_process(inventory: Path, extra: list[str]) -> AuditRun:
    out = io.StringIO()
    with (
        counting_round_trips() as trips,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        start = time.monotonic()
        code = audit_main(["--inventory", str(inventory), "--json", *extra])
        seconds = time.monotonic() - start
    return AuditRun(seconds, code, trips.count, json.loads(out.getvalue()))


def audit_process(
    inventory: Path, extra: list[str], python: list[str] | None = None
) -> tuple[float, int]:
    start = time.monotonic()
    argv = [sys.executable, *(python or []), "-m", "runbooks.audit"]
    done = subprocess.run(
        [*argv, "--inventory", str(inventory), "--json", *extra],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    if python:
        Path(f"{python[-1]}.stderr").write_bytes(done.stderr)
    return time.monotonic() - start, done.returncode


# ---- Services and announcements ----------------------------------------------------------


def core_api(site: Site) -> Any:
    api = k8s_config.new_client_from_config(str(site.kubernetes.kubeconfig))  # type: ignore[no-untyped-call]
    return k8s.CoreV1Api(api)


def lb_addresses(twin: AuditTwin, count: int) -> list[IPv4Address]:
    return [twin.lb_ip + i for i in range(count)]


def create_services(twin: AuditTwin, addresses: list[IPv4Address]) -> float:
    """One LoadBalancer Service per address beyond the demo's (selector app=nginx); returns
    the seconds until every one holds its address."""
    core = core_api(twin.site)
    svc = twin.site.services[0]
    start = time.monotonic()
    for i, address in enumerate(addresses):
        if address == twin.lb_ip:
            continue
        body = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"bench-{i:03d}", "namespace": svc.namespace},
            "spec": {
                "type": "LoadBalancer",
                "loadBalancerIP": str(address),
                "selector": {"app": svc.app},
                "externalTrafficPolicy": "Cluster",
                "ports": [{"name": "http", "protocol": "TCP", "port": svc.port}],
            },
        }
        core.create_namespaced_service(svc.namespace, body)
    wanted = {str(a) for a in addresses}

    def assigned() -> bool:
        items = core.list_service_for_all_namespaces().items
        ips = {
            ing.ip
            for s in items
            if s.status.load_balancer and s.status.load_balancer.ingress
            for ing in s.status.load_balancer.ingress
        }
        return wanted <= ips

    if not wait_for(assigned, timeout=120.0, interval=0.5):
        raise RuntimeError("Services did not all get their address within 120 s")
    return time.monotonic() - start


def announce_batch(site: Site, node: str, addresses: list[IPv4Address]) -> None:
    """What MetalLB's speaker does for every address, in one `ip -batch` and one vtysh call."""
    sp = Speaker(site, node)
    batch = "".join(f"addr replace {a}/32 dev lo\n" for a in addresses)
    subprocess.run(["ip", "-n", sp.ns, "-batch", "-"], input=batch, text=True, check=True)
    frr.vtysh(
        sp.inst,
        "configure terminal",
        f"router bgp {sp.node.asn}",
        "address-family ipv4 unicast",
        *(f"network {a}/32" for a in addresses),
        "end",
        "write memory",
    )


def routes_complete(site: Site, addresses: list[IPv4Address], width: int) -> int:
    """How many of the addresses the router's kernel routes over `width` next hops."""
    wanted = set(addresses)
    return sum(
        1
        for r in bgp_kernel_routes(router_ns(site))
        if r.prefix.prefixlen == 32
        and r.prefix.network_address in wanted
        and len(r.nexthops) == width
    )


def wait_routes(site: Site, addresses: list[IPv4Address]) -> float:
    start = time.monotonic()
    width = len(site.nodes)
    if not wait_for(
        lambda: routes_complete(site, addresses, width) == len(addresses),
        timeout=180.0,
        interval=0.5,
    ):
        got = routes_complete(site, addresses, width)
        raise RuntimeError(f"{got}/{len(addresses)} routes {width}-wide after 180 s")
    return time.monotonic() - start


# ---- the large inventory -----------------------------------------------------------------


def large_inventory(dest: Path, nodes: int) -> Path:
    """inventory/lab with workers up to `nodes` nodes (198.18.30.62 on), each a router peer,
    maximum-paths raised to 32 and the inventory's relative manifest paths made absolute."""
    files = {
        n: yaml.safe_load((INVENTORY / f"{n}.yaml").read_text())
        for n in ("hosts", "groups", "defaults")
    }
    hosts = files["hosts"]
    existing = sum(
        1 for h in hosts.values() if set(h.get("groups", [])) & {"workers", "control_plane"}
    )
    bgp = hosts["vyos"]["data"]["bgp"]
    bgp["maximum_paths"] = {"ebgp": 32, "ibgp": 32}
    for i in range(nodes - existing):
        name = f"worker{i + 3:02d}"
        address = FIRST_EXTRA_WORKER + i
        hosts[name] = {
            "hostname": str(address),
            "groups": ["workers"],
            "data": {"mac": f"52:54:00:88:9d:{i + 3:02x}"},
        }
        bgp["neighbors"].append({"address": str(address), "peer_group": "group01"})
    site = files["defaults"]["data"]["site"]
    cni = site["kubernetes"]["cni"]
    cni["manifest"] = str((INVENTORY / cni["manifest"]).resolve())
    site["metallb"]["manifests"] = [  # entries: a path, or {source: path, sha256: ...}
        {**m, "source": str((INVENTORY / m["source"]).resolve())}
        if isinstance(m, dict)
        else m
        if "://" in m
        else str((INVENTORY / m).resolve())
        for m in site["metallb"]["manifests"]
    ]
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (dest / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


# ---- the two sizes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    label: str
    nodes: int
    lb_ips: int
    target: float
    setup: float
    runs: list[AuditRun]
    process_s: list[float]
    process_code: list[int]
    watch_s: list[float]
    probe_run: AuditRun | None


def measure(inventory: Path, label: str, size: tuple[int, int, float], setup: float) -> Figures:
    nodes, ips, target = size
    audit_in_process(inventory, ["--no-probe"])  # warm: imports, first TLS, discovery
    runs = [audit_in_process(inventory, ["--no-probe"]) for _ in range(RUNS)]
    processes = [audit_process(inventory, ["--no-probe"]) for _ in range(RUNS)]
    process_s = [s for s, _ in processes]
    process_code = sorted({c for _, c in processes})
    if os.environ.get("BGPLB_BENCH_PROFILE"):  # where a process's time goes: cProfile dump
        out = Path(os.environ["BGPLB_BENCH_PROFILE"])
        audit_process(
            inventory, ["--no-probe"], ["-X", "importtime", "-m", "cProfile", "-o", str(out)]
        )
    watch_s = watch_rounds(inventory)
    probe_run = audit_in_process(inventory, []) if ips <= 10 else None
    return Figures(
        label, nodes, ips, target, setup, runs, process_s, process_code, watch_s, probe_run
    )


def watch_rounds(inventory: Path) -> list[float]:
    """What `--watch` repeats: gather over the open connections and evaluate, after a first
    round that opened them."""
    site = load_site(inventory)
    seconds = []
    with AuditGather(site, site.host_names, GatherOptions(probe=False)) as rounds:
        evaluate(site, rounds())
        for _ in range(RUNS):
            start = time.monotonic()
            evaluate(site, rounds())
            seconds.append(time.monotonic() - start)
    return seconds


def small() -> Figures:
    _, ips, _ = SMALL
    site = load_site(INVENTORY)
    start = time.monotonic()
    with audit_twin(site) as twin:
        addresses = lb_addresses(twin, ips)
        create_services(twin, addresses)
        wait_routes(site, addresses)
        return measure(INVENTORY, "small", SMALL, time.monotonic() - start)


def large() -> Figures:
    nodes, ips, _ = LARGE
    with tempfile.TemporaryDirectory(prefix="bgplb-bench-audit-") as tmp:
        inventory = large_inventory(Path(tmp) / "inventory", nodes)
        site = load_site(inventory)
        assert len(site.nodes) == nodes, len(site.nodes)
        start = time.monotonic()
        with audit_twin(site, announcer="record") as twin:
            addresses = lb_addresses(twin, ips)
            create_services(twin, addresses)
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda n: announce_batch(site, n.name, addresses), site.nodes))
            wait_routes(site, addresses)
            return measure(inventory, "large", LARGE, time.monotonic() - start)


def report(f: Figures) -> None:
    times = [r.seconds for r in f.runs]
    trips = sorted({r.round_trips for r in f.runs})
    codes = sorted({r.code for r in f.runs})
    med = statistics.median(times)
    verdict = "within" if med <= f.target else "MISSES"
    print(f"{f.label}: {f.nodes} nodes, {f.lb_ips} LB IPs (twin ready in {f.setup:.1f} s)")
    print(
        f"  audit --no-probe, in process: median {med:.2f} s over {len(times)} runs "
        f"(min {min(times):.2f}, max {max(times):.2f}; target {f.target:.0f} s: {verdict}; "
        f"baseline {BASELINE[f.label + ' in process']}); exit {codes}; router round trips {trips}"
    )
    pmed = statistics.median(f.process_s)
    ptarget = PROCESS_TARGET_S if f.label == "small" else None
    pverdict = (
        f"target {ptarget:.1f} s: {'within' if pmed <= ptarget else 'MISSES'}"
        if ptarget
        else "no target"
    )
    print(
        f"  python -m runbooks.audit --no-probe (process): median {pmed:.2f} s over "
        f"{len(f.process_s)} runs (min {min(f.process_s):.2f}, max {max(f.process_s):.2f}; "
        f"{pverdict}; baseline {BASELINE[f.label + ' process']}); exit {f.process_code}"
    )
    wmed = statistics.median(f.watch_s)
    wverdict = "within" if wmed <= WATCH_TARGET_S else "MISSES"
    print(
        f"  --watch round (gather over open connections + checks): median {wmed:.2f} s over "
        f"{len(f.watch_s)} rounds (target {WATCH_TARGET_S:.0f} s: {wverdict}; "
        f"baseline {BASELINE[f.label + ' watch']})"
    )
    if f.probe_run is not None:
        p = f.probe_run
        print(
            f"  audit with the probe (30 requests x {f.lb_ips} IPs x 3 clients): "
            f"{p.seconds:.2f} s, exit {p.code}, router round trips {p.round_trips}"
        )
    for line in f.runs[-1].errors[:5]:
        print(f"  error finding: {line}")


def main(argv: list[str]) -> int:
    which = argv or ["small", "large"]
    figures: list[Figures] = []
    with twin_lock(), operator_session(load_site(INVENTORY)):
        for name in which:
            figures.append(small() if name == "small" else large())
            report(figures[-1])
    if len(figures) == 2:
        trips = [{r.round_trips for r in f.runs} for f in figures]
        same = len(trips[0] | trips[1]) == 1
        print(
            "router round trips: "
            + ", ".join(f"{f.label} {sorted(t)}" for f, t in zip(figures, trips, strict=True))
            + (" (equal)" if same else " (NOT equal)")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
