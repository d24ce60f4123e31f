"""get_bgp_peer_liveness on verbatim `show ip bgp neighbors json` (FRR 7.5.1 and 8.4.4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bgplb.errors import ParseError
from napalm_bgplb_vyos import BgplbVyosDriver
from napalm_bgplb_vyos.parse_bgp_liveness import parse_bgp_liveness
from napalm_bgplb_vyos.parse_bgp_neighbors import NEIGHBORS_CMD
from napalm_bgplb_vyos.vtysh_commands import vtysh_line

from .conftest import CAPTURES, FRR75, read_json, read_text
from .fake_netmiko import FakeNetmiko, op_reply

MakeDriver = Callable[..., tuple[BgplbVyosDriver, FakeNetmiko]]


def test_frr75_liveness_through_the_driver(make_driver: MakeDriver) -> None:
    reply = op_reply(read_text(FRR75 / "nodekill" / "neighbors.json"))
    driver, fake = make_driver([(vtysh_line([NEIGHBORS_CMD]), reply)])
    peers = driver.get_bgp_peer_liveness()["global"]
    assert fake.round_trips == 1
    assert peers["198.18.30.11"] == {
        "state": "Established",
        "last_read_ms": 15000,
        "hold_ms": 180000,
        "keepalive_ms": 60000,
        "bfd_status": None,
    }
    assert peers["198.18.30.13"]["state"] == "Active"


def test_frr84_liveness_every_peer() -> None:
    peers = parse_bgp_liveness(read_json(CAPTURES / "peers24" / "neighbors.json"))["global"]
    assert len(peers) == 28
    first = peers["198.18.30.11"]
    assert (first["last_read_ms"], first["hold_ms"], first["keepalive_ms"]) == (
        18000,
        180000,
        60000,
    )
    assert first["bfd_status"] is None


@pytest.mark.parametrize(
    ("peer", "message"),
    [
        ({"bgpTimerLastRead": "8s"}, "bgpTimerLastRead"),
        ({"bgpTimerLastRead": 1, "peerBfdInfo": "Up"}, "peerBfdInfo"),
        ({}, "bgpState"),
    ],
)
def test_unreadable_liveness_raises(peer: dict[str, Any], message: str) -> None:
    doc = {"198.18.30.11": {"bgpState": "Established", **peer} if peer else {}}
    with pytest.raises(ParseError, match=message):
        parse_bgp_liveness(doc)


def test_bfd_status_when_configured() -> None:
    doc = {"198.18.30.11": {"bgpState": "Established", "peerBfdInfo": {"status": "Up"}}}
    assert parse_bgp_liveness(doc)["global"]["198.18.30.11"]["bfd_status"] == "Up"
