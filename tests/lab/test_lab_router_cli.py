"""End to end: netmiko and napalm-vyos against the twin's router (emulated CLI, real FRR)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import napalm
import pytest
from netmiko import ConnectHandler

from bgplb.model import Site
from lab import frr
from lab.credentials import router_password
from lab.lifecycle import Lab
from lab.state import LabPaths

pytestmark = pytest.mark.twin


def strict_args(site: Site) -> dict[str, Any]:
    """netmiko arguments that verify the router's host key against the lab's known_hosts."""
    return {
        "ssh_strict": True,
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": str(LabPaths.of(site).known_hosts),
        "allow_agent": False,
        "use_keys": False,
    }


def running_bgp(site: Site) -> str:
    return frr.vtysh(Lab.of(site).router_inst, "show running-config")


@pytest.fixture
def cli(twin: Site) -> Iterator[Any]:
    conn = ConnectHandler(
        device_type="vyos",
        host=str(twin.router.login.address),
        username="vyos",
        password=router_password(LabPaths.of(twin)),
        **strict_args(twin),
    )
    try:
        yield conn
    finally:
        conn.disconnect()


def test_netmiko_show_ip_bgp_summary_is_frr_output(twin: Site, cli: Any) -> None:
    out = cli.send_command("show ip bgp summary")
    assert "IPv4 Unicast Summary" in out
    assert "Neighbor        V         AS   MsgRcvd   MsgSent" in out
    for node in twin.nodes:
        assert str(node.address) in out


def test_netmiko_config_commit_save_changes_frr(twin: Site, cli: Any) -> None:
    line = "set protocols bgp neighbor 198.18.30.61 description 'netmiko-test'"
    try:
        cli.send_config_set([line], exit_config_mode=False)
        cli.commit()
        cli.save_config()
        assert " neighbor 198.18.30.61 description netmiko-test" in running_bgp(twin)
    finally:
        cli.send_config_set(
            ["delete protocols bgp neighbor 198.18.30.61 description"], exit_config_mode=False
        )
        cli.commit()
        cli.exit_config_mode()
    assert "netmiko-test" not in running_bgp(twin)


def test_wrong_dialect_command_is_rejected_with_vyos_text(cli: Any) -> None:
    out = cli.send_config_set(["set protocols bgp system-as 64501"])
    assert "Configuration path: protocols bgp [system-as] is not valid" in out
    assert "Set failed" in out


@pytest.fixture
def napalm_device(twin: Site) -> Iterator[Any]:
    driver = napalm.get_network_driver("vyos")
    device = driver(
        hostname=str(twin.router.login.address),
        username="vyos",
        password=router_password(LabPaths.of(twin)),
        optional_args=strict_args(twin),
    )
    device.open()  # two SSH connections: the CLI and netmiko's SCP one
    try:
        yield device
    finally:
        device.close()


def test_napalm_vyos_merge_compare_commit(twin: Site, napalm_device: Any) -> None:
    napalm_device.load_merge_candidate(
        config="set protocols bgp neighbor 198.18.30.60 description 'napalm-test'\n"
    )
    assert "napalm-test" in napalm_device.compare_config()
    napalm_device.commit_config()
    assert " neighbor 198.18.30.60 description napalm-test" in running_bgp(twin)
    napalm_device.load_merge_candidate(
        config="delete protocols bgp neighbor 198.18.30.60 description\n"
    )
    napalm_device.commit_config()
    assert "napalm-test" not in running_bgp(twin)


def test_napalm_vyos_get_facts(napalm_device: Any) -> None:
    facts = napalm_device.get_facts()
    assert facts["hostname"] == "vyos"
    assert facts["os_version"] == "1.4-rolling-202105210417"
    assert facts["interface_list"] == ["eth0", "eth1", "lo"]
