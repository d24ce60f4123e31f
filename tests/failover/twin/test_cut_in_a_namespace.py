"""The drill's cut and restore commands, run for real by sh in a throwaway namespace
(bgplab-fotest, 198.18.250.0/24, a veth pair; removed afterwards): the link goes down, its
static route with it, and both come back, by the cut's own timer and by the restore."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from ipaddress import IPv4Address

import pytest

from bgplb.failover.drill import cut_command, interface_command, parse_interface, restore_command

NS = "bgplab-fotest"
ADDR = IPv4Address("198.18.250.1")


def sh(command: str) -> str:
    return subprocess.run(
        ["ip", "netns", "exec", NS, "sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout


def state() -> tuple[bool, bool]:
    link = sh("ip -o link show dev va")
    routes = sh("ip -4 route show")
    return "state UP" in link or ",UP" in link.split(">")[0], "198.18.251.0/24" in routes


@pytest.fixture
def namespace(twin_session: None) -> Iterator[None]:
    """Under the twin lock: the twin's own `lab down` removes every bgplab-* namespace."""
    subprocess.run(["ip", "netns", "del", NS], capture_output=True, check=False)
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        for cmd in (
            "ip link add va type veth peer name vb",
            "ip link set vb up",
            f"ip addr add {ADDR}/24 dev va",
            "ip link set va up",
            "ip route add 198.18.251.0/24 via 198.18.250.2 dev va",
        ):
            sh(cmd)
        yield
    finally:
        subprocess.run(["ip", "netns", "del", NS], check=True)


def test_cut_self_restores_and_restore_brings_routes_back(namespace: None) -> None:
    link = parse_interface(sh(interface_command(ADDR)), ADDR)
    assert link.interface == "va"
    assert link.routes == ("198.18.251.0/24 via 198.18.250.2 dev va",)
    assert "CUT" in sh(cut_command(link, 1))
    assert state() == (False, False)  # down, and the kernel flushed the route
    time.sleep(2.0)
    assert state() == (True, True)  # the cut's own timer: up, route re-added
    assert "CUT" in sh(cut_command(link, 30))
    assert "RESTORED" in sh(restore_command(link))
    assert state() == (True, True)
