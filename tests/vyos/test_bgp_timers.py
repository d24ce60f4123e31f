"""Where the router's BGP timers go per dialect (bgplb/vyos/timers.py): VyOS 1.3 refuses timers
on a neighbor in a peer-group (vyatta-cfg-quagga equuleus fa7b0412 scripts/bgp/vyatta-bgp.pl
checkBannedPeerGroupParameters), so its members take the router's `timers`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bgplb.model import InventoryProblems, load_site
from bgplb.model.problems import Severity
from bgplb.vyos.bgp_config import render_commands
from tests.model.mutate import Files, mutated

from .test_bgp_config import _lts, router

ENV = {"TEST_BGP_PASSWORD": "pw"}
MEMBERS = ("192.168.30.50", "192.168.30.60", "192.168.30.61")  # all in group01


def _v13(*changes: Any) -> Any:
    """The LTS fixture's timers (router 9/3, group01 12/4, .61 its own 30/10) on 1.3, changed."""

    def mutation(f: Files) -> None:
        _lts(f)
        router(f)["vyos_version"] = "1.3.8"
        for change in changes:
            change(router(f)["bgp"])

    return mutation


def _timer_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if " timers " in line]


def _problems(tmp_path: Path, mutation: Any) -> list[tuple[str, str, str, str]]:
    inv = mutated(tmp_path / "inv", mutation)
    with pytest.raises(InventoryProblems) as caught:
        load_site(inv)
    return [
        (p.file.removeprefix(str(inv) + "/"), p.obj, p.key, p.message)
        for p in caught.value.problems
        if p.severity is Severity.ERROR
    ]


def test_1_3_refuses_member_timers_other_than_the_routers(tmp_path: Path) -> None:
    found = _problems(tmp_path, _v13())
    assert [(f, o, k) for f, o, k, _ in found] == [
        ("hosts.yaml", "host vyos", "data.bgp.peer_groups[0].timers"),
        ("hosts.yaml", "host vyos", "data.bgp.neighbors[2].timers"),
    ]
    group, own = found[0][3], found[1][3]
    assert group.startswith("keepalive 4 / holdtime 12 for 192.168.30.50, 192.168.30.60, in a")
    assert own.startswith("keepalive 10 / holdtime 30 for 192.168.30.61, in a peer group")
    assert "'parameter timers is incompatible with a neighbor in a peer-group'" in own
    assert "the router's timers, here keepalive 3 / holdtime 9; set data.bgp.timers" in own


def test_1_3_member_timers_equal_to_the_routers_need_no_neighbor_line(tmp_path: Path) -> None:
    def same(bgp: dict[str, Any]) -> None:
        bgp["peer_groups"][0]["timers"] = {"keepalive": 3, "holdtime": 9}
        del bgp["neighbors"][2]["timers"]

    lines = render_commands(load_site(mutated(tmp_path / "inv", _v13(same))), ENV)
    assert _timer_lines(lines) == [
        "set protocols bgp 64501 timers holdtime '9'",
        "set protocols bgp 64501 timers keepalive '3'",
    ]


def test_1_3_the_members_one_value_goes_to_the_router(tmp_path: Path) -> None:
    def one(bgp: dict[str, Any]) -> None:
        del bgp["timers"]
        bgp["neighbors"][2]["timers"] = {"keepalive": 4, "holdtime": 12}  # = the group's

    lines = render_commands(load_site(mutated(tmp_path / "inv", _v13(one))), ENV)
    assert _timer_lines(lines) == [
        "set protocols bgp 64501 timers holdtime '12'",
        "set protocols bgp 64501 timers keepalive '4'",
    ]


def _outside(timers: dict[str, int] | None) -> Any:
    """.61 leaves the peer group (its own remote-as), with `timers` of its own or none."""

    def change(bgp: dict[str, Any]) -> None:
        del bgp["timers"]
        nb = bgp["neighbors"][2]
        del nb["peer_group"]
        nb["remote_as"] = 64500
        nb.pop("timers")
        if timers is not None:
            nb["timers"] = timers

    return change


def test_1_3_a_neighbor_outside_the_groups_keeps_its_own_timers(tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", _v13(_outside({"keepalive": 10, "holdtime": 30}))))
    assert _timer_lines(render_commands(site, ENV)) == [
        "set protocols bgp 64501 neighbor 192.168.30.61 timers holdtime '30'",
        "set protocols bgp 64501 neighbor 192.168.30.61 timers keepalive '10'",
        "set protocols bgp 64501 timers holdtime '12'",
        "set protocols bgp 64501 timers keepalive '4'",
    ]


def test_1_3_the_group_value_is_not_moved_up_over_a_neighbor_without_timers(
    tmp_path: Path,
) -> None:
    """Moved to the router, the group's timers would also change .61 (FRR's defaults): refused."""
    found = _problems(tmp_path, _v13(_outside(None)))
    assert [k for _, _, k, _ in found] == ["data.bgp.peer_groups[0].timers"]
    assert "here none (FRR's defaults, keepalive 60 s / holdtime 180 s)" in found[0][3]


def test_later_dialects_render_member_timers_per_neighbor(tmp_path: Path) -> None:
    """vyos-1x (1.4, 1.5) verify() bans nothing on a peer-group member but a second remote-as."""
    for version in ("1.4.3", "1.5-rolling-202410210000", "1.4-rolling-202102010000"):

        def at(f: Files, version: str = version) -> None:
            _lts(f)
            router(f)["vyos_version"] = version

        lines = render_commands(load_site(mutated(tmp_path / version, at)), ENV)
        for address in MEMBERS:
            assert any(f"neighbor {address} timers holdtime" in x for x in lines), version
