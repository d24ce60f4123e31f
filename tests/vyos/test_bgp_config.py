"""Router BGP rendering per dialect (golden files) and reconciliation against running config."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bgplb.errors import InputError
from bgplb.model import load_site
from bgplb.vyos.bgp_config import plan_router_bgp, render_commands
from bgplb.vyos.paths import parse_typed
from tests.model.mutate import Files, mutated
from tests.write_up import write_up

GOLDEN = Path(__file__).parent / "golden"


def router(f: Files) -> dict[str, Any]:
    return f["hosts"]["vyos"]["data"]  # type: ignore[no-any-return]


def seed_bgp_lines() -> list[str]:
    text = write_up()
    return [line for line in text.splitlines() if line.startswith("set protocols bgp ")]


def test_reference_lab_renders_the_write_ups_bgp_config() -> None:
    """local-as dialect: line for line the write-up's `show configuration commands`."""
    lines = render_commands(load_site("inventory"), {})
    assert [line for line in lines if line.startswith("set protocols bgp")] == seed_bgp_lines()
    assert lines[-1] == "set system ip multipath layer4-hashing"


def _lts(f: Files) -> None:
    router(f)["vyos_version"] = "1.4.3"
    router(f)["bgp"]["router_id"] = "192.168.30.254"
    router(f)["bgp"]["timers"] = {"keepalive": 3, "holdtime": 9}
    router(f)["bgp"]["peer_groups"][0]["password_env"] = "TEST_BGP_PASSWORD"
    # per-session timers: the group's on every member, one neighbor's own overriding them
    router(f)["bgp"]["peer_groups"][0]["timers"] = {"keepalive": 4, "holdtime": 12}
    router(f)["bgp"]["neighbors"][2]["timers"] = {"keepalive": 10, "holdtime": 30}


def _one_timers_for_the_group(f: Files) -> None:
    """What VyOS 1.3 can take: no timers on a neighbor in a peer-group (vyatta-bgp.pl
    checkBannedPeerGroupParameters), so the group's members share one value, which goes to
    `protocols bgp <ASN> timers` (no router timers of its own here)."""
    del router(f)["bgp"]["timers"]
    del router(f)["bgp"]["neighbors"][2]["timers"]


def _at(version: str) -> Any:
    def mutation(f: Files) -> None:
        _lts(f)
        router(f)["vyos_version"] = version
        if version.startswith("1.3."):
            _one_timers_for_the_group(f)

    return mutation


@pytest.mark.parametrize(
    ("golden", "mutation"),
    [
        ("bgp-1.4-rolling-2021.txt", lambda _f: None),
        ("bgp-1.4-lts.txt", _lts),
        ("bgp-1.3.txt", _at("1.3.8")),
        ("bgp-1.4-rolling-tag-asn.txt", _at("1.4-rolling-202102010000")),
        ("bgp-1.4-rolling-2021-af.txt", _at("1.4-rolling-202201100117")),
        ("bgp-1.4-rolling-2022.txt", _at("1.4-rolling-202208150117")),
        ("bgp-1.5.txt", _at("1.5-rolling-202410210000")),
    ],
)
def test_golden(golden: str, mutation: Any, tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", mutation))
    rendered = "\n".join(render_commands(site, {"TEST_BGP_PASSWORD": "pw-from-env"})) + "\n"
    assert rendered == (GOLDEN / golden).read_text()


def test_system_as_dialect_rejects_nothing_and_adds_address_family(tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", _lts))
    lines = render_commands(site, {"TEST_BGP_PASSWORD": "x"})
    assert "set protocols bgp system-as '64501'" in lines
    assert not any("local-as" in line for line in lines)


def test_missing_password_env_is_input_error(tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", _lts))
    with pytest.raises(InputError, match="TEST_BGP_PASSWORD"):
        render_commands(site, {})


def _running(extra: list[str] = ()) -> str:  # type: ignore[assignment]
    return "\n".join([*seed_bgp_lines(), *extra]) + "\n"


def test_converged_router_plans_no_deletes() -> None:
    plan = plan_router_bgp(load_site("inventory"), _running(), {})
    assert plan.deletes == []


def test_neighbor_that_left_the_inventory_is_deleted() -> None:
    extra = [
        "set protocols bgp neighbor 192.168.30.62 peer-group 'group01'",
        "set protocols bgp neighbor 192.168.30.70 description 'bgplb worker09'",
        "set protocols bgp neighbor 192.168.30.70 remote-as '64500'",
    ]
    plan = plan_router_bgp(load_site("inventory"), _running(extra), {})
    assert plan.deletes == [
        "delete protocols bgp neighbor 192.168.30.62",
        "delete protocols bgp neighbor 192.168.30.70",
    ]


def test_unmanaged_configuration_is_left_alone() -> None:
    extra = [
        "set protocols bgp neighbor 192.168.123.99 remote-as '65000'",
        "set protocols bgp peer-group other remote-as '65000'",
        "set protocols bgp address-family ipv4-unicast network 10.0.0.0/8",
        "set service ssh",
    ]
    plan = plan_router_bgp(load_site("inventory"), _running(extra), {})
    assert plan.deletes == []


def test_stale_leaves_on_managed_objects_are_deleted() -> None:
    extra = [
        "set protocols bgp neighbor 192.168.30.50 shutdown",
        "set protocols bgp peer-group group01 password 'old-secret'",
    ]
    plan = plan_router_bgp(load_site("inventory"), _running(extra), {})
    assert plan.deletes == [
        "delete protocols bgp peer-group group01 password old-secret",
        "delete protocols bgp neighbor 192.168.30.50 shutdown",
    ]


def test_changed_value_is_overwritten_not_deleted() -> None:
    running = _running().replace("remote-as '64500'", "remote-as '64999'")
    plan = plan_router_bgp(load_site("inventory"), running, {})
    assert plan.deletes == []
    assert "set protocols bgp peer-group group01 remote-as '64500'" in plan.sets


def test_layer4_hashing_removed_when_disabled(tmp_path: Path) -> None:
    site = load_site(
        mutated(tmp_path / "inv", lambda f: router(f)["bgp"].update(layer4_hashing=False))
    )
    running = _running(["set system ip multipath layer4-hashing"])
    assert plan_router_bgp(site, running, {}).deletes == [
        "delete system ip multipath layer4-hashing"
    ]


def _described(description: str) -> Any:
    def mutation(f: Files) -> None:
        router(f)["bgp"]["neighbors"][0] = {
            "address": "192.168.30.50",
            "remote_as": 64500,
            "description": description,
        }

    return mutation


def test_a_description_with_quotes_renders_as_one_literal_word(tmp_path: Path) -> None:
    from bgplb.vyos.paths import parse_typed

    site = load_site(mutated(tmp_path / "inv", _described("x'; touch /tmp/PWNED; echo '")))
    line = next(x for x in render_commands(site, {}) if " description " in x)
    assert parse_typed(line)[1][-1] == "x'; touch /tmp/PWNED; echo '"


def test_a_description_with_a_control_character_is_refused(tmp_path: Path) -> None:
    """Validation refuses it; the renderer refuses it too, should a site be built otherwise."""
    with pytest.raises(InputError, match="control character"):
        load_site(mutated(tmp_path / "inv", _described("a\x1b[2Jb")))
    site = load_site(mutated(tmp_path / "ok", _described("plain")))
    bgp = site.router.bgp
    neighbor = bgp.neighbors[0].model_copy(update={"description": "a\x1b[2Jb"})
    bgp = bgp.model_copy(update={"neighbors": [neighbor, *bgp.neighbors[1:]]})
    site = dataclasses.replace(site, router=dataclasses.replace(site.router, bgp=bgp))
    with pytest.raises(InputError, match="description"):
        render_commands(site, {})


@pytest.mark.parametrize("secret", ["two words", "tab\there", "nl\nx"])
def test_a_password_vyos_refuses_is_an_error_that_never_shows_it(
    secret: str, tmp_path: Path
) -> None:
    site = load_site(mutated(tmp_path / "inv", _lts))
    with pytest.raises(InputError) as caught:
        render_commands(site, {"TEST_BGP_PASSWORD": secret})
    assert "whitespace" in str(caught.value)
    assert secret not in str(caught.value)


PASSWORD_PATH = ("protocols", "bgp", "peer-group", "group01", "password")


def test_limits_follow_the_version_grammar(tmp_path: Path) -> None:
    def paths(version: str, n: int) -> Any:
        def mutation(f: Files) -> None:
            _at(version)(f)
            router(f)["bgp"]["maximum_paths"]["ebgp"] = n

        return mutation

    env = {"TEST_BGP_PASSWORD": "p"}
    with pytest.raises(InputError, match=r"VyOS 1\.3 takes 1\.\.255"):
        render_commands(load_site(mutated(tmp_path / "a", paths("1.3.8", 256))), env)
    lts = load_site(mutated(tmp_path / "b", paths("1.4.3", 256)))
    assert "maximum-paths ebgp '256'" in "\n".join(render_commands(lts, env))


@pytest.mark.parametrize(
    ("version", "secret", "refused"),
    [
        ("1.3.8", "it's", 'one of "\'"'),
        ("1.4.3", "it's", None),
        ("1.4.3", "x" * 81, "more than 80 characters"),
        ("1.4.3", "x" * 80, None),
    ],
)
def test_password_characters_as_the_version_allows(
    version: str, secret: str, refused: str | None, tmp_path: Path
) -> None:
    site = load_site(mutated(tmp_path / "inv", _at(version)))
    if refused is None:
        lines = render_commands(site, {"TEST_BGP_PASSWORD": secret})
        assert ("set", (*PASSWORD_PATH, secret)) in [parse_typed(x) for x in lines]
        return
    with pytest.raises(InputError, match=refused) as caught:
        render_commands(site, {"TEST_BGP_PASSWORD": secret})
    assert secret not in str(caught.value)


@pytest.mark.parametrize(("version", "refused"), [("1.4.3", True), ("1.3.8", False)])
def test_description_length_as_the_version_allows(
    version: str, refused: bool, tmp_path: Path
) -> None:
    def mutation(f: Files) -> None:
        _at(version)(f)
        _described("d" * 300)(f)
        # out of the peer group: its own timers (on 1.3 the group's go to the router's level)
        router(f)["bgp"]["neighbors"][0]["timers"] = {"keepalive": 4, "holdtime": 12}

    site = load_site(mutated(tmp_path / "inv", mutation))
    if refused:
        with pytest.raises(InputError, match="takes at most 255"):
            render_commands(site, {"TEST_BGP_PASSWORD": "p"})
    else:
        assert any("d" * 300 in x for x in render_commands(site, {"TEST_BGP_PASSWORD": "p"}))


def test_tag_asn_plan_deletes_a_stale_managed_neighbor(tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", _at("1.3.8")))
    env = {"TEST_BGP_PASSWORD": "pw"}
    running = [*render_commands(site, env)]
    running.append("set protocols bgp 64501 neighbor 192.168.30.99 peer-group 'group01'")
    plan = plan_router_bgp(site, "\n".join(running) + "\n", env)
    assert plan.deletes == ["delete protocols bgp 64501 neighbor 192.168.30.99"]
    assert plan.removed_neighbors == ["192.168.30.99"]
    assert plan_router_bgp(site, "\n".join(render_commands(site, env)), env).deletes == []


def test_timers_removed_from_the_inventory_are_deleted_changed_ones_overwritten() -> None:
    extra = [
        "set protocols bgp neighbor 192.168.30.50 timers holdtime '9'",
        "set protocols bgp neighbor 192.168.30.50 timers keepalive '3'",
    ]
    plan = plan_router_bgp(load_site("inventory"), _running(extra), {})
    assert plan.deletes == [
        "delete protocols bgp neighbor 192.168.30.50 timers holdtime 9",
        "delete protocols bgp neighbor 192.168.30.50 timers keepalive 3",
    ]


def test_timers_converge_a_rerun_changes_nothing(tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", _at("1.3.8")))
    env = {"TEST_BGP_PASSWORD": "pw-from-env"}
    rendered = "\n".join(render_commands(site, env)) + "\n"
    plan = plan_router_bgp(site, rendered, env)
    assert plan.deletes == []
    assert "set protocols bgp 64501 timers holdtime '12'" in plan.sets


def test_hold_3_is_refused_on_1_3_whose_grammar_takes_0_or_4(tmp_path: Path) -> None:
    def hold3(f: Files) -> None:
        _at("1.3.8")(f)
        router(f)["bgp"]["peer_groups"][0]["timers"] = {"keepalive": 1, "holdtime": 3}

    site = load_site(mutated(tmp_path / "inv", hold3))
    with pytest.raises(InputError, match=r"router vyos bgp timers.holdtime: 3; VyOS 1.3"):
        render_commands(site, {"TEST_BGP_PASSWORD": "x"})

    def hold3_lts(f: Files) -> None:
        _at("1.4.3")(f)
        router(f)["bgp"]["neighbors"][0]["timers"] = {"keepalive": 1, "holdtime": 3}

    lts = load_site(mutated(tmp_path / "lts", hold3_lts))
    assert "set protocols bgp neighbor 192.168.30.50 timers holdtime '3'" in render_commands(
        lts, {"TEST_BGP_PASSWORD": "x"}
    )


def test_a_plan_is_in_place_only_when_every_line_is_on_the_router_and_nothing_to_delete() -> None:
    site = load_site("inventory")
    converged = "\n".join(render_commands(site, {})) + "\n"
    assert plan_router_bgp(site, converged, {}).in_place
    assert plan_router_bgp(site, converged + "set service ssh\n", {}).in_place  # not ours
    changed = converged.replace("remote-as '64500'", "remote-as '64999'")
    assert not plan_router_bgp(site, changed, {}).in_place
    missing = "\n".join(x for x in converged.splitlines() if "maximum-paths ebgp" not in x)
    assert not plan_router_bgp(site, missing, {}).in_place
    stale = converged + "set protocols bgp neighbor 192.168.30.50 shutdown\n"
    assert not plan_router_bgp(site, stale, {}).in_place
    assert not plan_router_bgp(site, _running(), {}).in_place  # layer-4 hashing missing
    assert not plan_router_bgp(site, "", {}).in_place
