"""A node dead hard on the twin (its switch port down, its BGP session left open): the audit
fails, naming the node, with the probe and from router data alone, long before the router's
hold timer drops the node. The node's speaker asks for keepalive 5 s / hold 45 s so that
"silent beyond two keepalives" (2 x 15 s, the router's negotiated keepalive: 45/3) comes
within a test's patience; the router still routes to the dead node until 45 s."""

from __future__ import annotations

import time
from collections.abc import Iterator
from ipaddress import IPv4Address

import pytest

from lab import frr
from lab.frr_config import Timers
from lab.instances import router_instance
from lab.poll import wait_for

from .test_audit_twin import audit, errors, label, shown
from .twin import AuditTwin, ecmp_hops

DEAD = "worker02"
TIMERS = Timers(keepalive=5, holdtime=45)


def router_peer(twin: AuditTwin, address: IPv4Address) -> dict[str, object]:
    doc = frr.vtysh_json(router_instance(twin.site), f"show bgp neighbors {address} json")
    peer = doc.get(str(address), {})
    return peer if isinstance(peer, dict) else {}


def last_read_ms(twin: AuditTwin, address: IPv4Address) -> int:
    value = router_peer(twin, address).get("bgpTimerLastRead", 0)
    return value if isinstance(value, int) else 0


@pytest.fixture
def dead_node(healthy: AuditTwin, capsys: pytest.CaptureFixture[str]) -> Iterator[AuditTwin]:
    """worker02 with short timers, then its link cut; timers and link restored afterwards.
    (A healthy twin's audit is test_audit_twin.py's test_healthy_twin_passes.)"""
    sp = healthy.speaker(DEAD)
    sp.set_timers(TIMERS)
    healthy.wait_ecmp({n.address for n in healthy.site.nodes})
    address = healthy.site.node(DEAD).address
    assert router_peer(healthy, address).get("bgpTimerHoldTimeMsecs") == 45000
    try:
        sp.cut_link()
        yield healthy
    finally:
        sp.restore_link()
        sp.set_timers(None, wait=30.0)


def wait_silent(twin: AuditTwin, address: IPv4Address) -> float:
    """Until the router has not heard from the peer for more than two keepalives (15 s)."""
    start = time.monotonic()
    assert wait_for(lambda: last_read_ms(twin, address) > 31000, timeout=40.0, interval=0.5)
    return time.monotonic() - start


def test_dead_node_fails_the_audit_with_the_probe(
    dead_node: AuditTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    site = dead_node.site
    address = site.node(DEAD).address
    name = label(site, DEAD)
    wait_silent(dead_node, address)
    assert address in ecmp_hops(site, dead_node.lb_ip)  # the router still uses it
    start = time.monotonic()
    code, doc = audit(capsys)
    took = time.monotonic() - start
    # the time is a figure, not a test (bench/ checks speed): printed for the log
    print(f"audit with a dead node: {took:.1f} s")
    assert code == 1, shown(doc)
    assert doc["ok"] is False
    silent = [f for f in errors(doc) if f["check"] == "liveness"]
    assert [f["object"] for f in silent] == [f"peer {name}"], shown(doc)
    assert silent[0]["actual"].startswith("peer silent for "), shown(doc)
    assert "the router keeps routing to it for up to" in silent[0]["actual"]
    hops = [f for f in errors(doc) if f["object"].startswith("next hop ")]
    assert [f["object"] for f in hops] == [f"next hop {name} for {dead_node.lb_ip}"], shown(doc)
    assert hops[0]["hint"].startswith("node silent"), shown(doc)
    assert not any("hash" in f["hint"] for f in errors(doc)), shown(doc)  # layer-4 is on
    clients = [f for f in errors(doc) if f["check"] == "probe" and "->" in f["object"]]
    assert clients, shown(doc)


def test_dead_node_fails_the_audit_from_router_data_alone(
    dead_node: AuditTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    site = dead_node.site
    address = site.node(DEAD).address
    wait_silent(dead_node, address)
    code, doc = audit(capsys, "--no-probe")
    assert code == 1, shown(doc)
    assert [f["object"] for f in errors(doc)] == [f"peer {label(site, DEAD)}"], shown(doc)
    assert errors(doc)[0]["check"] == "liveness"
    # found before the hold time ran out: the router still routes to the dead node
    assert address in ecmp_hops(site, dead_node.lb_ip)
