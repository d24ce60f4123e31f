"""Benchmark: failover on the twin, per mode, beside the targets of issue 13.

One node (worker02) at a time, brought up under the machine-wide twin lock and torn down:
- default timers: what the emulated MetalLB 0.9.6 (native mode) asks for, a 90 s hold; the
  honest figure is about the hold time (target: reported, no bound);
- hold 9 s / keepalive 3 s (the node's session timers): target at most 10 s;
- BFD 300 ms x 3: target at most 1.5 s. A second twin, MetalLB 0.16.1 in FRR mode with
  `metallb.bfd: {}` (the speakers' BFDProfile), and the router's side rendered by the product
  (`protocols bfd peer <node>`, the neighbors' `bfd`) and committed over SSH; real bfdd on
  both sides; FRR mode asks for no timers, so the hold is FRR's 180 s;
- speaker stopped cleanly (bgpd SIGTERM: a NOTIFICATION closes the session): target <= 1 s.

The hard failures go through `python -m runbooks.failover`'s own drill (tasks/failover_drill,
`--cut-via lab_netns`: the node's link cut inside its namespace, the session left open). The
clean stop uses the same client sampling and router polling around `Speaker.stop_bgpd`.
Prints figures beside the targets (met or not); asserts nothing. Run as root:
.venv/bin/python bench/failover.py [--only default|short|bfd|clean ...] [--traffic-policy P]

--traffic-policy cluster (default) or local: the demo Service's externalTrafficPolicy, set
through the inventory's own knob (services[].external_traffic_policy, which the deploy applies)
in a copy of inventory/lab; each twin is fresh and torn down, inventory/lab is not touched.
With Local, MetalLB announces only from nodes with a ready pod of the Service: the demo's 2
replicas land one per worker (the twin's scheduler spreads a Deployment's pods, the control
plane is tainted), so the cut node (worker02) holds one; the bench checks it and says so.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bgplb.failover.report import NodeDrill  # noqa: E402
from bgplb.model import Site, load_site  # noqa: E402
from bgplb.nornir_init import init_nornir  # noqa: E402
from bgplb.vyos.bgp_config import render_commands  # noqa: E402
from lab.frr_config import Timers  # noqa: E402
from lab.instances import router_instance  # noqa: E402
from lab.operator import operator_session  # noqa: E402
from lab.poll import wait_for  # noqa: E402
from lab.speaker import frr_bfd_peers  # noqa: E402
from runbooks.failover import target_of  # noqa: E402
from tasks.failover import router_next_hops  # noqa: E402
from tasks.failover_drill import DrillOptions, collect_loss, drill_node, start_clients  # noqa: E402
from tests.audit.twin.twin import AuditTwin, audit_twin, router_commit  # noqa: E402
from tests.conftest import twin_lock  # noqa: E402
from tests.deploy.twin.conftest import copy_inventory  # noqa: E402
from tests.failover.twin.test_bfd_twin import frr_mode_bfd  # noqa: E402

INVENTORY = REPO / "inventory" / "lab"
NODE = "worker02"
Row = tuple[str, str, float | None, float | None, str]  # mode, target, withdraw, loss, note
BOUNDS = {"<= 10 s": 10.0, "<= 1.5 s": 1.5, "<= 1 s": 1.0}  # "about the hold": no bound
POLICIES = {"cluster": "Cluster", "local": "Local"}
Edit = Callable[[dict[str, Any], dict[str, Any]], None]  # (hosts.yaml, site data) in place


def site_edit(policy: str, bfd: bool) -> Edit | None:
    """How a twin's inventory differs from inventory/lab (None: it is inventory/lab): BFD needs
    MetalLB 0.16.1 in FRR mode; the policy is every Service's external_traffic_policy."""
    if not bfd and policy == "cluster":
        return None

    def edit(hosts: dict[str, Any], site: dict[str, Any]) -> None:
        if bfd:
            frr_mode_bfd(hosts, site)
        for svc in site.get("services") or []:
            svc["external_traffic_policy"] = POLICIES[policy]

    return edit


def twin_site(tmp: Path, policy: str, bfd: bool) -> Site:
    edit = site_edit(policy, bfd)
    if edit is None:
        return load_site(INVENTORY)
    return load_site(copy_inventory(tmp / ("bfd" if bfd else "timers"), edit))


def placement(twin: AuditTwin) -> str | None:
    """Under Local: where MetalLB announces from (the ready pods' nodes); an error text when
    the cut node is not among them (nothing to measure there). None under Cluster."""
    if twin.announcers is None:
        return None
    nodes = ", ".join(sorted(twin.announcers)) or "no node"
    if NODE not in twin.announcers:
        raise RuntimeError(f"{NODE} holds no ready pod of the Service (pods on: {nodes})")
    return f"Local: announced from {nodes} (their ready pods)"


def hard(twin: AuditTwin, timers: Timers | None, label: str, target: str) -> Row:
    sp = twin.speaker(NODE)
    if timers is not None:
        sp.set_timers(timers)
        twin.wait_ecmp(twin.announcing)
    # margin 30 s: the cut and the sampling last the detection bound + 60 s, long enough for the
    # node monitor's grace period (40 s) to take the dead node's pods out of kube-proxy's rules,
    # so the loss window's end is seen, not cut short by the end of sampling
    options = DrillOptions(via="lab_netns", max_cut_s=150.0, restore_timeout_s=180.0, margin_s=30.0)
    result: NodeDrill = drill_node(twin.site, NODE, target_of(twin.site), options)
    twin.restore()
    note = result.mode + ("" if result.ok else f"; {result.error}")
    failing = sorted(name for name, w in result.loss.items() if w.failed and not w.recovered)
    if failing:  # their window is "until sampling ended", a lower bound
        note += (
            f"; still failing when sampling ended ({result.cut_s:g} s cut): {', '.join(failing)}"
        )
    return label, target, result.withdraw_s, result.worst_loss_s, note


def clean_stop(twin: AuditTwin) -> Row:
    site: Site = twin.site
    lb_ip, port = target_of(site)
    address = site.node(NODE).address
    nr_router = init_nornir(site, {site.router.name})
    device = nr_router.inventory.hosts[site.router.name].get_connection("napalm", nr_router.config)
    nr_clients = init_nornir(site, {c.name for c in site.clients})
    sampler = start_clients(nr_clients, site, (lb_ip, port), 8.0)
    time.sleep(1.0)
    twin.speaker(NODE).stop_bgpd()
    t0 = time.monotonic()
    withdraw = None
    while time.monotonic() - t0 < 5.0:
        if address not in router_next_hops(device, lb_ip):
            withdraw = time.monotonic() - t0
            break
        time.sleep(0.05)
    loss, error = collect_loss(sampler)
    for nr in (nr_router, nr_clients):
        nr.close_connections()
    twin.restore()
    windows = [w.window_s for w in loss.values() if w.window_s is not None]
    return "speaker stopped cleanly", "<= 1 s", withdraw, max(windows) if windows else None, error


def bfd(twin: AuditTwin) -> Row:
    """The router's BFD lines as the product renders them for this site, committed; then the
    same hard failure as the other modes."""
    site = twin.site
    lines = [line for line in render_commands(site, os.environ) if "bfd" in line.split()]
    router_commit(site, lines)
    address = str(site.node(NODE).address)

    def up() -> bool:
        peers = frr_bfd_peers(router_instance(site))
        return any(p.get("peer") == address and p.get("status") == "up" for p in peers)

    if not wait_for(up, timeout=30, interval=0.5):
        return "BFD 300 ms x 3", "<= 1.5 s", None, None, "BFD did not come up"
    return hard(twin, None, "BFD 300 ms x 3 (MetalLB 0.16.1 FRR mode)", "<= 1.5 s")


def meets(target: str, withdraw: float | None, loss: float | None) -> str:
    bound = BOUNDS.get(target)
    if bound is None or withdraw is None:
        return "-"
    worst = max(withdraw, loss or 0.0)
    return "yes" if worst <= bound else f"no ({worst:.2f} s)"


MODES = ("default", "short", "bfd", "clean")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=MODES, default=list(MODES))
    ap.add_argument("--traffic-policy", choices=sorted(POLICIES), default="cluster")
    args = ap.parse_args(argv)
    only, policy = set(args.only), args.traffic_policy
    rows: list[Row] = []
    notes: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-failover-") as tmp,
        twin_lock(),
        operator_session(load_site(INVENTORY)),
    ):
        if only & {"default", "short", "clean"}:
            with audit_twin(twin_site(Path(tmp), policy, bfd=False)) as twin:
                notes.append(f"timers twin: {placement(twin) or 'Cluster: every node announces'}")
                if "default" in only:
                    label = "default timers (MetalLB 0.9.6 native)"
                    rows.append(hard(twin, None, label, "about the hold"))
                if "short" in only:
                    rows.append(hard(twin, Timers(3, 9), "hold 9 s / keepalive 3 s", "<= 10 s"))
                if "clean" in only:
                    rows.append(clean_stop(twin))
        if "bfd" in only:
            with audit_twin(twin_site(Path(tmp), policy, bfd=True)) as twin:
                notes.append(f"BFD twin: {placement(twin) or 'Cluster: every node announces'}")
                rows.append(bfd(twin))
    for note in notes:
        print(note)
    table = Table(
        title=f"failover on the twin ({NODE}, externalTrafficPolicy {POLICIES[policy]}): "
        "router withdraw and client loss window"
    )
    cols = ("mode", "target", "router withdraw", "loss window (worst client)", "met", "note")
    for col in cols:
        table.add_column(col)
    for mode, target, withdraw, loss, note in rows:
        table.add_row(
            mode,
            target,
            f"{withdraw:.2f} s" if withdraw is not None else "-",
            f"{loss:.2f} s" if loss is not None else "no loss" if withdraw is not None else "-",
            meets(target, withdraw, loss),
            note,
        )
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
