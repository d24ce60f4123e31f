"""The bgplb_vyos NAPALM driver against the twin's router (emulated VyOS CLI, real FRR):
getters on live FRR JSON, the round trips they cost, commit-confirm, confirm and rollback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bgplb.model import Site
from lab import frr
from lab.credentials import router_password
from lab.lifecycle import Lab
from lab.state import LabPaths
from napalm_bgplb_vyos import BgplbVyosDriver
from napalm_bgplb_vyos.connection import connect_vyos
from napalm_bgplb_vyos.driver_errors import VyosMergeError

pytestmark = pytest.mark.twin
POOL = "198.18.100.0/24"
LB_IP = "198.18.100.10/32"


class CountingConnection:
    """The driver's real netmiko connection (fast login), counting round trips."""

    def __init__(self, **kwargs: Any) -> None:
        self.inner = connect_vyos(**kwargs)
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


def open_driver(site: Site, optional_args: dict[str, Any] | None = None) -> BgplbVyosDriver:
    paths = LabPaths.of(site)
    args = {"known_hosts": str(paths.known_hosts), "conn_timeout": 10, **(optional_args or {})}
    driver = BgplbVyosDriver(
        str(site.router.login.address), "vyos", router_password(paths), optional_args=args
    )
    driver.open()
    return driver


@pytest.fixture
def driver(twin: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[BgplbVyosDriver]:
    monkeypatch.setattr(BgplbVyosDriver, "connection_factory", CountingConnection)
    drv = open_driver(twin)
    try:
        yield drv
    finally:
        drv.close()


def trips(driver: BgplbVyosDriver) -> int:
    conn = driver.device
    assert isinstance(conn, CountingConnection)
    return conn.round_trips


def running_frr(site: Site) -> str:
    return frr.vtysh(Lab.of(site).router_inst, "show running-config")


def test_facts_and_dialect_in_one_round_trip(twin: Site, driver: BgplbVyosDriver) -> None:
    facts = driver.get_facts()
    assert trips(driver) == 1
    assert (facts["vendor"], facts["os_version"], facts["hostname"]) == (
        "VyOS",
        "1.4-rolling-202105210417",
        "vyos",
    )
    assert facts["interface_list"] == ["eth0", "eth1", "lo"]
    assert isinstance(facts["uptime"], float) and facts["uptime"] > 0
    dialect = driver.get_vyos_dialect()
    assert (dialect["dialect"], dialect["bgp_syntax"]) == ("1.4-rolling-2021", "local-as")
    assert trips(driver) == 1


def test_bgp_neighbors_are_the_live_sessions(twin: Site, driver: BgplbVyosDriver) -> None:
    neighbors = driver.get_bgp_neighbors()
    detail = driver.get_bgp_neighbors_detail()
    assert trips(driver) == 2
    peers = neighbors["global"]["peers"]
    assert set(peers) == {str(n.address) for n in twin.nodes}
    assert neighbors["global"]["router_id"]
    for peer in peers.values():
        assert (peer["is_up"], peer["is_enabled"], peer["remote_as"]) == (True, True, 64500)
        assert peer["local_as"] == 64501 and peer["uptime"] >= 0
    rows = [row for rows in detail["global"].values() for row in rows]
    assert {r["remote_address"] for r in rows} == set(peers)
    assert {r["connection_state"] for r in rows} == {"Established"}


def test_route_to_pool_longer_has_every_ecmp_next_hop(
    announced: Site, driver: BgplbVyosDriver
) -> None:
    routes = driver.get_route_to(POOL, longer=True)
    assert trips(driver) == 1
    hops = routes[LB_IP]
    assert {h["next_hop"] for h in hops} == {str(n.address) for n in announced.nodes}
    for hop in hops:
        assert hop["protocol"] == "bgp" and hop["selected_next_hop"] is True
        assert hop["current_active"] is True
        attrs = hop["protocol_attributes"]
        assert attrs["as_path"] == "64500" and attrs["local_preference"] == 100
        assert attrs["local_as"] == 64501 and attrs["remote_as"] == 64500


def test_cli_carries_config_and_every_flow_in_one_round_trip(
    announced: Site, driver: BgplbVyosDriver
) -> None:
    flows = [
        f"ip route get 198.18.100.10 from {c.address} iif eth0 ipproto tcp sport {40000 + i} "
        "dport 80"
        for i, c in enumerate(announced.clients * 8)
    ]
    out = driver.cli(["show configuration commands", *flows])
    assert trips(driver) == 1
    assert "set protocols bgp local-as '64501'" in out["show configuration commands"]
    nodes = {str(n.address) for n in announced.nodes}
    for flow in flows:
        assert out[flow].startswith("198.18.100.10 from "), out[flow]
        assert out[flow].split(" via ")[1].split()[0] in nodes


def test_merge_compare_discard_changes_nothing(twin: Site, driver: BgplbVyosDriver) -> None:
    before = running_frr(twin)
    driver.load_merge_candidate(
        config="set protocols bgp neighbor 198.18.30.60 description 'bgplb-discard'\n"
        "delete protocols bgp address-family ipv4-unicast maximum-paths ebgp\n"
    )
    diff = driver.compare_config()
    assert "[edit" in diff and "description bgplb-discard" in diff
    assert not diff.endswith("[edit]")
    driver.get_bgp_neighbors()  # in config mode: vtysh as typed, not `run vtysh`
    driver.discard_config()
    assert not driver.cli_session.in_config
    assert trips(driver) == 6  # snapshot, configure, the lines, compare, vtysh, exit discard
    assert running_frr(twin) == before


def test_commit_confirm_then_confirm_is_saved(twin: Site, driver: BgplbVyosDriver) -> None:
    line = "set protocols bgp neighbor 198.18.30.61 description 'bgplb-confirm'"
    driver.load_merge_candidate(config=line)
    driver.commit_config(revert_in=600)
    try:
        assert driver.has_pending_commit()
        assert " neighbor 198.18.30.61 description bgplb-confirm" in running_frr(twin)
        driver.confirm_commit()
        assert not driver.has_pending_commit()
        boot = (LabPaths.of(twin).vyos_dir / "config.boot").read_text()
        assert "bgplb-confirm" in boot
    finally:
        driver.load_merge_candidate(config="delete protocols bgp neighbor 198.18.30.61 description")
        driver.commit_config()
    assert "bgplb-confirm" not in running_frr(twin)


def test_rollback_of_a_pending_commit_confirm(twin: Site, driver: BgplbVyosDriver) -> None:
    before = running_frr(twin)
    driver.load_merge_candidate(
        config="set protocols bgp neighbor 198.18.30.50 description 'bgplb-rollback'"
    )
    driver.commit_config(revert_in=600)
    assert "bgplb-rollback" in running_frr(twin)
    driver.rollback()
    assert not driver.has_pending_commit()
    assert running_frr(twin) == before
    answer = driver.cli_session.config("confirm")
    assert "No confirm pending" in answer  # rollback stopped the router's revert timer
    driver.discard_config()


def test_refused_line_discards_the_whole_candidate(twin: Site, driver: BgplbVyosDriver) -> None:
    before = running_frr(twin)
    with pytest.raises(VyosMergeError, match="system-as"):
        driver.load_merge_candidate(
            config="set protocols bgp neighbor 198.18.30.50 description 'x'\n"
            "set protocols bgp system-as 64501\n"
        )
    assert not driver.cli_session.in_config
    assert driver.compare_config() == ""
    assert running_frr(twin) == before
