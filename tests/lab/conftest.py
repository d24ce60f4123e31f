"""Fixtures of the twin's tests: the site, and (for tests marked `lab`) the twin itself,
brought up once per session and always torn down, even when a test fails."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from bgplb.model import Site, load_site
from lab.lifecycle import down, up
from lab.observe import nexthops_of
from lab.poll import wait_for
from lab.speaker import speakers
from lab.topology import ns_name

REPO = Path(__file__).resolve().parents[2]
LB_IP = IPv4Address("198.18.100.10")  # the demo service's address (inventory/lab)
LB_NET = IPv4Network("198.18.100.10/32")


@pytest.fixture(scope="session")
def site() -> Site:
    return load_site(REPO / "inventory" / "lab")


@pytest.fixture(scope="session")
def twin(site: Site, twin_session: None) -> Iterator[Site]:
    down(site)
    try:
        up(site)
        yield site
    finally:
        down(site)


def router_ns(site: Site) -> str:
    return ns_name(site.router.name)


def ecmp_width(site: Site) -> int:
    return len(nexthops_of(router_ns(site), LB_NET))


@pytest.fixture
def announced(twin: Site) -> Site:
    """Every node announces LB_IP and the router holds the 3-way route (restored per test)."""
    for sp in speakers(twin):
        sp.start_bgpd()
        sp.restore_link()
        sp.announce(LB_IP)
    want = len(twin.nodes)
    assert wait_for(lambda: ecmp_width(twin) == want, timeout=15.0), "ECMP route not installed"
    return twin
