"""The failover drill on the twin: worker02's link cut inside its namespace (through the
twin's `lab_netns` connection, `--cut-via lab_netns`), its session left open; the router's
withdraw comes with the hold time its speaker asked for (9 s), the clients see a loss window,
the node is restored every time, and a restore that does not bring the route
back in time is reported with the link up all the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from ipaddress import ip_network
from typing import Any

import pytest

from lab.frr_config import Timers
from lab.netns import ip_json
from lab.topology import ns_name
from runbooks.failover import main

from .conftest import INVENTORY
from .twin import AuditTwin, node_addresses

NODE = "worker02"


def drill(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(
        [
            "--inventory",
            str(INVENTORY),
            "--limit",
            NODE,
            "--yes",
            "--json",
            "--cut-via",
            "lab_netns",
            *extra,
        ]
    )
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return code, doc


# the pod network: its routes are the CNI's, which reinstalls them when a link comes back; the
# twin's stand-in (kube-proxy's data path, lab/k8s/datapath.py) reinstalls them only when a
# Service or a pod changes, so they are not the drill's to restore
POD_NET = ip_network("198.18.50.0/24")


def routes(node: str) -> list[str]:
    """The node's routes but BGP's (those come back with the session, in their own time) and
    the pod network's."""
    return sorted(
        str(r.get("dst")) + " " + str(r.get("gateway", ""))
        for r in ip_json(ns_name(node), ["-4", "route", "show"])
        if r.get("protocol") != "bgp" and not _in_pod_net(str(r.get("dst")))
    )


def _in_pod_net(dst: str) -> bool:
    try:
        return ip_network(dst, strict=False).subnet_of(POD_NET)
    except ValueError:
        return False  # "default"


def links_up(node: str) -> bool:
    links = ip_json(ns_name(node), ["link", "show"])
    return all("UP" in (link.get("flags") or []) for link in links if link.get("ifname") != "lo")


@pytest.fixture
def short_timers(healthy: AuditTwin) -> Iterator[AuditTwin]:
    sp = healthy.speaker(NODE)
    sp.set_timers(Timers(keepalive=3, holdtime=9))
    healthy.wait_ecmp(node_addresses(healthy.site))
    try:
        yield healthy
    finally:
        sp.set_timers(None, wait=30.0)


def test_drill_measures_and_restores(
    short_timers: AuditTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    before = routes(NODE)
    code, doc = drill(capsys, "--restore-timeout", "150")
    (node,) = doc["nodes"]
    assert code == 0, node
    assert node["mode"].startswith("hold 9 s / keepalive 3 s")
    assert node["withdraw_s"] is not None and 5.0 <= node["withdraw_s"] <= 11.0, node
    windows = [c["window_s"] for c in node["clients"].values() if c["window_s"] is not None]
    assert windows, node  # some client lost requests hashed to the dead node
    # The loss window is measured, not bounded here: besides the router's withdraw it holds
    # the flows kube-proxy on the live nodes still sends to the dead node's pod, until the
    # node's endpoints go (a real cluster: NotReady after the node monitor's grace period).
    assert node["restored"] is True and links_up(NODE)
    assert routes(NODE) == before  # the routes a link down flushes are back
    short_timers.wait_ecmp(node_addresses(short_timers.site))


def test_restore_that_does_not_bring_the_route_back_is_reported_link_up(
    short_timers: AuditTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    before = routes(NODE)
    code, doc = drill(capsys, "--restore-timeout", "0.5")
    (node,) = doc["nodes"]
    assert code == 1
    assert node["restored"] is False
    assert "not a next hop" in node["error"]
    assert links_up(NODE) and routes(NODE) == before  # nothing is left cut
    short_timers.wait_ecmp(node_addresses(short_timers.site))
