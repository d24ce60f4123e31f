"""nornir_napalm finds the driver by `platform: bgplb_vyos` through napalm's normal lookup."""

from __future__ import annotations

from typing import Any

import pytest
from napalm import get_network_driver
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.plugins.runners import SerialRunner
from nornir_napalm.plugins.tasks import napalm_get

from napalm_bgplb_vyos import BgplbVyosDriver
from napalm_bgplb_vyos.vtysh_commands import BGP_NEIGHBORS_COMMANDS, vtysh_line

from .conftest import CAPTURES, as_json, expected, read_text
from .fake_netmiko import FakeNetmiko, op_reply


def test_napalm_lookup_returns_this_driver() -> None:
    assert get_network_driver("bgplb_vyos") is BgplbVyosDriver


def test_napalm_get_through_nornir(monkeypatch: pytest.MonkeyPatch) -> None:
    text = read_text(CAPTURES / "peers3" / "getter_bgp_neighbors.out")
    fake = FakeNetmiko(steps=[(vtysh_line(BGP_NEIGHBORS_COMMANDS), op_reply(text))])

    def connect(**kwargs: Any) -> FakeNetmiko:
        fake.connect_kwargs = kwargs
        return fake

    monkeypatch.setattr(BgplbVyosDriver, "connection_factory", connect)
    ConnectionPluginRegister.auto_register()
    host = Host(
        name="vyos",
        hostname="198.18.30.254",
        username="vyos",
        password="pw",
        platform="bgplb_vyos",
        connection_options={
            "napalm": ConnectionOptions(extras={"optional_args": {"conn_timeout": 5}})
        },
    )
    nr = Nornir(
        inventory=Inventory(hosts=Hosts(vyos=host), groups=Groups(), defaults=Defaults()),
        runner=SerialRunner(),
    )
    result = nr.run(task=napalm_get, getters=["bgp_neighbors"])
    nr.close_connections()
    assert not result.failed, result["vyos"][0].exception
    got = result["vyos"][0].result["bgp_neighbors"]
    assert as_json(got) == expected("peers3_bgp_neighbors.json")
    assert fake.connect_kwargs["conn_timeout"] == 5
    assert fake.calls["disconnect"] == 1
