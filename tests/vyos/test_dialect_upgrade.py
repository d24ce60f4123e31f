"""The VyOS dialect change planned from the router's reported version: vyos-1x's BGP migration
scripts re-done over configuration paths, checked against the renderer's golden file of each
dialect, against the write-up's own router lines, and rule by rule."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bgplb.model import load_site
from bgplb.vyos.bgp_config import render_commands
from bgplb.vyos.dialect_upgrade import (
    STEPS,
    config_form,
    lines_between,
    migrate,
    plan_dialect_change,
)
from bgplb.vyos.dialects import SUPPORTED, BgpSyntax, dialect_for
from bgplb.vyos.paths import parse_show_commands
from tests.model.mutate import Files, mutated
from tests.vyos.test_bgp_config import _at, _one_timers_for_the_group

GOLDEN = Path(__file__).parent / "golden"
PLANS = GOLDEN / "dialect-upgrade"
# the renderer's golden file per dialect, all of one site but 1.3's, whose peer-group members
# cannot have timers of their own (bgp-1.4-rolling-2021.txt is the write-up's own lines, another
# site)
RENDERED = {
    "1.3": "bgp-1.3.txt",
    "1.4-rolling-tag-asn": "bgp-1.4-rolling-tag-asn.txt",
    "1.4-rolling-2021-af": "bgp-1.4-rolling-2021-af.txt",
    "1.4-rolling-2022": "bgp-1.4-rolling-2022.txt",
    "1.4": "bgp-1.4-lts.txt",
    "1.5": "bgp-1.5.txt",
}
WRITE_UP = (GOLDEN / "bgp-1.4-rolling-2021.txt").read_text()  # the reference router's lines
# the build each golden file was rendered for (tests/vyos/test_bgp_config.py test_golden)
BUILD = {
    "1.3": "1.3.8",
    "1.4-rolling-tag-asn": "1.4-rolling-202102010000",
    "1.4-rolling-2021-af": "1.4-rolling-202201100117",
    "1.4-rolling-2022": "1.4-rolling-202208150117",
    "1.4": "1.4.3",
    "1.5": "1.5-rolling-202410210000",
}
KEY = "inventory/hosts.yaml: host vyos: data.vyos_version"
PAIRS = [
    (a, b)
    for a in RENDERED
    for b in RENDERED
    if SUPPORTED[a].bgp_syntax_version < SUPPORTED[b].bgp_syntax_version
]
# what the renderer sets and the migrator leaves out: a neighbor whose peer-group has
# `address-family ipv4-unicast` gets none of its own from bgp/1-to-2 (FRR: the group activates it)
NEIGHBOR_AF = {
    ("protocols", "bgp", "neighbor", n, "address-family", "ipv4-unicast")
    for n in ("192.168.30.50", "192.168.30.60", "192.168.30.61")
}

MEMBER_TIMERS = {
    ("protocols", "bgp", "neighbor", n, "timers", k, v)
    for n in ("192.168.30.50", "192.168.30.60", "192.168.30.61")
    for k, v in (("holdtime", "12"), ("keepalive", "4"))
}
ROUTER_TIMERS = {
    ("protocols", "bgp", "timers", "holdtime", "12"),
    ("protocols", "bgp", "timers", "keepalive", "4"),
}


def paths_of(name: str) -> list[tuple[str, ...]]:
    return parse_show_commands((GOLDEN / name).read_text())


def rendered_as(dialect: str, site_of: str, tmp_path: Path) -> set[tuple[str, ...]]:
    """The golden site of `site_of`'s dialect, rendered in `dialect`."""

    def mutation(f: Files) -> None:
        _at(BUILD[dialect])(f)
        if site_of == "1.3":
            _one_timers_for_the_group(f)

    site = load_site(mutated(tmp_path / "inv", mutation))
    lines = render_commands(site, {"TEST_BGP_PASSWORD": "pw-from-env"})
    return set(parse_show_commands("\n".join(lines)))


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_the_migrated_config_is_the_new_dialects_rendering(
    old: str, new: str, tmp_path: Path
) -> None:
    start, end = SUPPORTED[old].bgp_syntax_version, SUPPORTED[new].bgp_syntax_version
    after, _ = migrate(paths_of(RENDERED[old]), start, end)
    expected = rendered_as(new, old, tmp_path)
    if old != "1.3":  # the same site: the golden file of the new dialect
        assert expected == set(paths_of(RENDERED[new]))
    else:
        # 1.3 put the group's timers at the router's level (no timers on a peer-group member);
        # the new dialect renders them on each member, so the deploy's router phase after the
        # upgrade moves them there (same sessions: every member had the router's timers)
        expected = (expected - MEMBER_TIMERS) | ROUTER_TIMERS
    if SUPPORTED[old].neighbor_af_required:
        assert set(after) == expected
    else:
        assert set(after) == expected - NEIGHBOR_AF


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_golden_plan(old: str, new: str) -> None:
    start, end = SUPPORTED[old].bgp_syntax_version, SUPPORTED[new].bgp_syntax_version
    before = paths_of(RENDERED[old])
    after, steps = migrate(before, start, end)
    text = "".join(f"# {s.step.script}: {s.changes}\n" for s in steps)
    text += "".join(f"{line}\n" for line in lines_between(before, after))
    golden = PLANS / f"{old}-to-{new}.txt"
    if os.environ.get("BGPLB_WRITE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_the_reference_router_to_14_lts() -> None:
    """The write-up's router (1.4-rolling-202105210417, local-as) to 1.4.3: its neighbors take
    IPv4 through their peer-group, so bgp/1-to-2 adds nothing; local-as becomes system-as."""
    plan = plan_dialect_change(
        WRITE_UP,
        "1.4-rolling-202105210417",
        dialect_for("1.4-rolling-202105210417"),
        "1.4.3",
        dialect_for("1.4.3"),
        KEY,
    )
    assert plan.lines == ()
    assert plan.preview == (
        "delete protocols bgp local-as",
        "set protocols bgp system-as 64501",
    )
    assert [(s.step.script, s.changes) for s in plan.steps] == []
    assert plan.refusals == (
        f"{KEY}: 1.4.3 (1.4) is newer than the router's 1.4-rolling-202105210417 "
        "(1.4-rolling-2021): upgrade the router's image first; its migrator then does what "
        "the preview shows",
    )


def test_a_config_the_image_already_migrated_needs_no_line() -> None:
    """After the image upgrade the router reports 1.4.3 and runs the system-as config; the
    inventory still names the old build: no line, and the two notes."""
    migrated = (GOLDEN / RENDERED["1.4"]).read_text()
    old = "1.4-rolling-202105210417"
    plan = plan_dialect_change(migrated, "1.4.3", dialect_for("1.4.3"), old, dialect_for(old), KEY)
    assert config_form(parse_show_commands(migrated)) is BgpSyntax.SYSTEM_AS
    assert plan.lines == () and plan.refusals == () and plan.preview == ()
    assert [s.step.script for s in plan.steps] == ["bgp/3-to-4", "bgp/4-to-5"]
    assert plan.notes == (
        "the image's migrator already moved the configuration from 1.4-rolling-2021 to 1.4 "
        "(bgp/3-to-4, bgp/4-to-5)",
        f"{KEY}: {old} (1.4-rolling-2021) is not what the router reports: 1.4.3 (1.4); "
        "set it to 1.4.3",
    )


def test_a_config_the_migrator_did_not_move_gets_the_lines() -> None:
    """A tag-ASN config on a router that reports 1.4.3 (loaded from an old file without
    migration): the lines do what bgp/0-to-1..4-to-5 would have done."""
    plan = plan_dialect_change(
        (GOLDEN / RENDERED["1.3"]).read_text(), "1.4.3", dialect_for("1.4.3"), "1.4.3",
        dialect_for("1.4.3"), KEY,
    )  # fmt: skip
    assert plan.lines[0] == "delete protocols bgp 64501"
    assert "set protocols bgp system-as 64501" in plan.lines
    assert len(plan.lines) == 1 + len(paths_of(RENDERED["1.3"])) - 1 + 1  # the tree, moved


def test_a_neighbor_without_ipv4_on_an_af_required_build_gets_it() -> None:
    text = "set protocols bgp local-as '64501'\n"
    text += "set protocols bgp neighbor 10.0.0.1 remote-as '65000'\n"
    version = "1.4-rolling-202201010000"  # 2021-10-04 < build < 2022-07-30: bgp@2
    plan = plan_dialect_change(text, version, dialect_for(version), "1.4-rolling-202105210417",
                               dialect_for("1.4-rolling-202105210417"), KEY)  # fmt: skip
    assert plan.lines == ("set protocols bgp neighbor 10.0.0.1 address-family ipv4-unicast",)


# ---------------------------------------------------------------- each script's rules


def run(script: str, lines: str) -> list[str]:
    step = next(s for s in STEPS if s.script == script)
    before = parse_show_commands(lines)
    return lines_between(before, step.apply(before))


def test_1_to_2_deletes_an_explicit_no_ipv4_unicast_and_adds_nothing() -> None:
    assert run(
        "bgp/1-to-2",
        "set protocols bgp local-as '1'\nset protocols bgp parameters default no-ipv4-unicast\n"
        "set protocols bgp neighbor 10.0.0.1 remote-as '2'\n",
    ) == ["delete protocols bgp parameters"]


def test_1_to_2_moves_the_ipv6_peer_group() -> None:
    assert run(
        "bgp/1-to-2",
        "set protocols bgp neighbor 10.0.0.1 address-family ipv4-unicast\n"
        "set protocols bgp neighbor 10.0.0.1 address-family ipv6-unicast peer-group 'v6'\n",
    ) == [
        "delete protocols bgp neighbor 10.0.0.1 address-family ipv6-unicast",
        "set protocols bgp neighbor 10.0.0.1 peer-group v6",
    ]


def test_2_to_3_in_a_vrf_and_3_to_4_route_map() -> None:
    assert run("bgp/2-to-3", "set vrf name red protocols bgp local-as '3'\n") == [
        "delete vrf name red protocols bgp local-as",
        "set vrf name red protocols bgp system-as 3",
    ]
    assert run(
        "bgp/3-to-4", "set protocols bgp system-as '1'\nset protocols bgp route-map 'RM'\n"
    ) == [
        "delete protocols bgp route-map",
        "set system ip protocol bgp route-map RM",
    ]


def test_4_to_5_both_wins() -> None:
    rt = "set protocols bgp address-family ipv4-unicast route-target vpn"
    assert run("bgp/4-to-5", f"{rt} both '1:1'\n{rt} import '1:2'\n{rt} export '1:3'\n") == [
        "delete protocols bgp address-family ipv4-unicast route-target vpn export",
        "delete protocols bgp address-family ipv4-unicast route-target vpn import",
    ]
