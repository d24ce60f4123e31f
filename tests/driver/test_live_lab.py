"""Live hook: the driver against the twin's VyOS emulator (namespace `bgplab-vyos`).

Opt-in: BGPLB_LAB=1. Run from a namespace that reaches the router, e.g.
    BGPLB_LAB=1 BGPLB_LAB_PASSWORD=... ip netns exec bgplab-c01 \\
        .venv/bin/python -m pytest tests/driver -m lab -q
Env: BGPLB_LAB_ROUTER (default 198.18.123.20), BGPLB_LAB_KNOWN_HOSTS (default
/var/tmp/bgplab/known_hosts), BGPLB_LAB_POOL (default 198.18.100.0/24). Once BGPLB_LAB=1 is
set, a missing password or known_hosts fails the test instead of skipping it.
Nothing is committed: the config test loads, compares and discards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from netmiko import ConnectHandler

from napalm_bgplb_vyos import BgplbVyosDriver

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.environ.get("BGPLB_LAB") != "1", reason="live lab not requested"),
]


class CountingConnection:
    """Wraps a real netmiko connection and counts round trips."""

    def __init__(self, **kwargs: Any) -> None:
        self.inner = ConnectHandler(**kwargs)
        self.round_trips = 0

    @property
    def base_prompt(self) -> str:
        return str(self.inner.base_prompt)

    def send_command(self, command_string: str, **kwargs: Any) -> str:
        self.round_trips += 1
        return str(self.inner.send_command(command_string, **kwargs))

    def disconnect(self) -> None:
        self.inner.disconnect()

    def is_alive(self) -> bool:
        return bool(self.inner.is_alive())


@pytest.fixture
def lab_driver(monkeypatch: pytest.MonkeyPatch) -> Iterator[BgplbVyosDriver]:
    password = os.environ.get("BGPLB_LAB_PASSWORD")
    if not password:
        pytest.fail("BGPLB_LAB=1 but BGPLB_LAB_PASSWORD is not set")
    known_hosts = os.environ.get("BGPLB_LAB_KNOWN_HOSTS", "/var/tmp/bgplab/known_hosts")
    monkeypatch.setattr(BgplbVyosDriver, "connection_factory", CountingConnection)
    driver = BgplbVyosDriver(
        os.environ.get("BGPLB_LAB_ROUTER", "198.18.123.20"),
        "vyos",
        password,
        optional_args={"known_hosts": known_hosts, "conn_timeout": 10},
    )
    driver.open()
    yield driver
    driver.close()


def _trips(driver: BgplbVyosDriver) -> int:
    conn = driver.device
    assert isinstance(conn, CountingConnection)
    return conn.round_trips


def test_lab_facts_and_dialect(lab_driver: BgplbVyosDriver) -> None:
    facts = lab_driver.get_facts()
    assert facts["vendor"] == "VyOS" and facts["os_version"]
    assert lab_driver.get_vyos_dialect()["dialect"] != "unsupported"


def test_lab_bgp_and_ecmp_in_two_round_trips(lab_driver: BgplbVyosDriver) -> None:
    pool = os.environ.get("BGPLB_LAB_POOL", "198.18.100.0/24")
    before = _trips(lab_driver)
    neighbors = lab_driver.get_bgp_neighbors()
    routes = lab_driver.get_route_to(pool, longer=True)
    assert _trips(lab_driver) - before == 2
    assert neighbors["global"]["peers"]
    for entries in routes.values():
        assert all(e["next_hop"] for e in entries)


def test_lab_merge_compare_discard(lab_driver: BgplbVyosDriver) -> None:
    lab_driver.load_merge_candidate(config="set system ip multipath layer4-hashing\n")
    lab_driver.compare_config()  # "" when already set, a diff otherwise
    lab_driver.discard_config()
    assert not lab_driver.cli_session.in_config
