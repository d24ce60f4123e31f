"""Driver logic against a fake netmiko connection replaying recorded VyOS/FRR text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bgplb.errors import BgplbError, InputError, ParseError
from napalm_bgplb_vyos import BgplbVyosDriver
from napalm_bgplb_vyos.compound import compound_line
from napalm_bgplb_vyos.driver import FACTS_COMMANDS
from napalm_bgplb_vyos.driver_errors import VyosCommandError, VyosCommitError, VyosMergeError
from napalm_bgplb_vyos.vtysh_commands import BGP_NEIGHBORS_COMMANDS, route_query, vtysh_line

from . import vyos_texts as texts
from .conftest import CAPTURES, as_json, expected, read_text
from .fake_netmiko import FakeNetmiko, compound_text, config_reply, op_reply

MakeDriver = Callable[..., tuple[BgplbVyosDriver, FakeNetmiko]]
ROLLING = {"vyos_version": "1.4-rolling-202105210417"}
LTS = {"vyos_version": "1.4.0"}
POOL = ("198.18.100.0/24", "", True)


def bgp_step(peers: str) -> tuple[str, str]:
    text = read_text(CAPTURES / peers / "getter_bgp_neighbors.out")
    return vtysh_line(BGP_NEIGHBORS_COMMANDS), op_reply(text)


def route_step(peers: str, name: str, args: tuple[str, str, bool]) -> tuple[str, str]:
    text = read_text(CAPTURES / peers / f"getter_{name}.out")
    return vtysh_line(route_query(*args).commands), op_reply(text)


@pytest.mark.parametrize("peers", ["peers3", "peers24"])
def test_getters_take_constant_round_trips(make_driver: MakeDriver, peers: str) -> None:
    driver, fake = make_driver([bgp_step(peers), route_step(peers, "route_pool_longer", POOL)])
    neighbors = driver.get_bgp_neighbors()
    routes = driver.get_route_to("198.18.100.0/24", longer=True)
    established = [p for p in neighbors["global"]["peers"].values() if p["is_up"]]
    assert len(established) == (3 if peers == "peers3" else 24)
    assert len(routes["198.18.100.10/32"]) == len(established)
    assert fake.round_trips == 2  # the same for 3 and for 24 peers
    assert as_json(routes) == expected(f"{peers}_route_pool_longer.json")


def test_detail_getter_is_one_round_trip(make_driver: MakeDriver) -> None:
    driver, fake = make_driver([bgp_step("peers3")])
    assert as_json(driver.get_bgp_neighbors_detail()) == expected(
        "peers3_bgp_neighbors_detail.json"
    )
    assert fake.round_trips == 1


def test_route_to_protocol_filter_sends_route_query_only(make_driver: MakeDriver) -> None:
    args = ("198.18.30.0/24", "connected", False)
    driver, fake = make_driver([route_step("peers3", "route_30_connected", args)])
    assert as_json(driver.get_route_to(*args)) == expected("peers3_route_30_connected.json")
    assert fake.sent == ["vtysh -c 'show ip route 198.18.30.0/24 json'"]


def test_route_to_refuses_non_addresses_before_sending(make_driver: MakeDriver) -> None:
    driver, fake = make_driver([])
    with pytest.raises(InputError):
        driver.get_route_to("198.18.100.0/24'; reboot; '")
    assert fake.round_trips == 0


def test_frr_error_text_is_a_parse_error(make_driver: MakeDriver) -> None:
    driver, _ = make_driver([(vtysh_line(BGP_NEIGHBORS_COMMANDS), op_reply(texts.OP_INVALID))])
    with pytest.raises(ParseError):
        driver.get_bgp_neighbors()


def test_facts_from_the_seed(make_driver: MakeDriver) -> None:
    driver, fake = make_driver(
        [
            (
                compound_line(FACTS_COMMANDS),
                op_reply(
                    compound_text(
                        [
                            texts.seed_block("show version"),
                            texts.seed_block("show configuration commands"),
                            "350735.47 234388.90",  # proc(5) format
                        ]
                    )
                ),
            )
        ]
    )
    facts = driver.get_facts()
    assert facts["os_version"] == "1.4-rolling-202105210417"
    assert facts["hostname"] == "vyos"
    assert facts["interface_list"] == ["eth0", "eth1", "eth2", "lo"]
    assert (facts["vendor"], facts["uptime"]) == ("VyOS", 350735.47)
    dialect = driver.get_vyos_dialect()  # cached: no further round trip
    assert (dialect["dialect"], dialect["bgp_syntax"]) == ("1.4-rolling-2021", "local-as")
    assert fake.round_trips == 1


def test_dialect_from_the_14_template(make_driver: MakeDriver) -> None:
    driver, _ = make_driver([("show version", op_reply(texts.show_version_template_14()))])
    dialect = driver.get_vyos_dialect()
    assert dialect["os_version"] == "1.4.0"
    assert (dialect["dialect"], dialect["compare_style"], dialect["save_prints_done"]) == (
        "1.4",
        "new",
        False,
    )


def test_show_version_garbage_raises(make_driver: MakeDriver) -> None:
    driver, _ = make_driver([("show version", op_reply(texts.OP_INVALID))])
    with pytest.raises(ParseError, match="show version"):
        driver.get_vyos_dialect()


def load_steps(lines: list[str], answers: list[str]) -> list[tuple[str, str]]:
    steps = [("show configuration commands", op_reply(texts.CONFIG_COMMANDS_14))]
    steps.append(("configure", config_reply("")))
    if len(lines) == 1:
        steps.append((lines[0], config_reply(answers[0])))
    else:  # every line in one bash list: one round trip
        steps.append((compound_line(lines), config_reply(compound_text(answers))))
    return steps


CANDIDATE = [
    "set protocols bgp neighbor 10.1.50.4 remote-as '65004'",
    "delete protocols bgp neighbor 10.1.49.3",
]


def test_merge_compare_commit_old_dialect(make_driver: MakeDriver) -> None:
    steps = load_steps(CANDIDATE, ["", ""])
    steps += [
        ("compare", config_reply(texts.COMPARE_OLD)),
        ("commit", config_reply("")),
        ("save", config_reply(texts.SAVE_13)),
        ("exit", op_reply(texts.EXIT_SAVED)),
    ]
    driver, fake = make_driver(steps, ROLLING)
    driver.load_merge_candidate(config="\n".join(CANDIDATE) + "\n")
    assert driver.compare_config() == texts.COMPARE_OLD.rstrip("\n")
    driver.commit_config()
    assert not driver.cli_session.in_config
    assert fake.steps == []
    assert fake.calls["write_channel"] == 0


def test_compare_new_format_and_no_changes(make_driver: MakeDriver) -> None:
    steps = load_steps(CANDIDATE[:1], [""])
    steps += [
        ("compare", config_reply(texts.COMPARE_NEW)),
        ("compare", config_reply(texts.NO_CHANGES_14)),
        ("compare", config_reply(texts.NO_CHANGES_13)),
    ]
    driver, _ = make_driver(steps, LTS)
    driver.load_merge_candidate(config=CANDIDATE[0])
    diff = driver.compare_config()
    assert diff.startswith("[protocols bgp neighbor]") and "[edit]" not in diff
    assert driver.compare_config() == ""
    assert driver.compare_config() == ""


def test_compare_without_candidate_is_empty(make_driver: MakeDriver) -> None:
    driver, fake = make_driver([])
    assert driver.compare_config() == ""
    assert fake.round_trips == 0


def test_invalid_set_line_discards_and_names_the_line(make_driver: MakeDriver) -> None:
    bad = "set protocols bgp local-as 64501"
    steps = load_steps([CANDIDATE[0], bad], ["", texts.SET_INVALID])
    steps.append(("exit discard", op_reply(texts.EXIT_SAVED)))
    driver, fake = make_driver(steps, LTS)
    with pytest.raises(VyosMergeError, match="local-as 64501") as info:
        driver.load_merge_candidate(config=f"{CANDIDATE[0]}\n{bad}\n")
    assert isinstance(info.value, BgplbError)
    assert not driver.cli_session.in_config
    assert fake.steps == []


def test_delete_of_missing_node_is_accepted(make_driver: MakeDriver) -> None:
    driver, _ = make_driver(load_steps(CANDIDATE[1:], [texts.DELETE_MISSING]), LTS)
    driver.load_merge_candidate(config=CANDIDATE[1])
    assert driver.cli_session.in_config


def test_non_set_lines_are_refused_before_sending(make_driver: MakeDriver, tmp_path: Path) -> None:
    driver, fake = make_driver([])
    path = tmp_path / "candidate.txt"
    path.write_text("set system host-name 'r1'\ncommit\n", encoding="utf-8")
    with pytest.raises(VyosMergeError, match="commit"):
        driver.load_merge_candidate(filename=str(path))
    assert fake.round_trips == 0


def test_commit_failure_raises_and_keeps_candidate(make_driver: MakeDriver) -> None:
    steps = [*load_steps(CANDIDATE[:1], [""]), ("commit", config_reply(texts.COMMIT_FAILED))]
    steps.append(("exit discard", op_reply(texts.EXIT_SAVED)))
    driver, _ = make_driver(steps, LTS)
    driver.load_merge_candidate(config=CANDIDATE[0])
    with pytest.raises(VyosCommitError, match="Commit failed"):
        driver.commit_config()
    driver.discard_config()
    assert not driver.cli_session.in_config


def test_save_that_does_not_print_done_fails_on_old_dialect(make_driver: MakeDriver) -> None:
    steps = load_steps(CANDIDATE[:1], [""])
    steps += [("commit", config_reply("")), ("save", config_reply(texts.SAVE_14))]
    driver, _ = make_driver(steps, ROLLING)
    driver.load_merge_candidate(config=CANDIDATE[0])
    with pytest.raises(VyosCommitError, match="Done"):
        driver.commit_config()


@pytest.mark.parametrize(
    ("optional_args", "prompt", "answer", "confirmed", "save"),
    [
        (
            LTS,
            texts.CONFIRM_PROMPT_14,
            texts.CONFIRM_DONE_14,
            texts.CONFIRM_STOPPED_14,
            texts.SAVE_14,
        ),
        (ROLLING, texts.CONFIRM_PROMPT_13, "", "", texts.SAVE_13),
    ],
)
def test_commit_confirm_then_confirm(
    make_driver: MakeDriver,
    optional_args: dict[str, Any],
    prompt: str,
    answer: str,
    confirmed: str,
    save: str,
) -> None:
    steps = load_steps(CANDIDATE[:1], [""])
    steps += [
        ("commit-confirm 10", prompt),  # the Proceed prompt has no `[edit]` after it
        ("y", config_reply(answer)),
        ("exit", op_reply(texts.EXIT_UNSAVED)),
        ("configure", config_reply("")),
        ("confirm", config_reply(confirmed)),
        ("save", config_reply(save)),
        ("exit", op_reply(texts.EXIT_SAVED)),
    ]
    driver, fake = make_driver(steps, optional_args)
    driver.load_merge_candidate(config=CANDIDATE[0])
    driver.commit_config(revert_in=541)  # 9 min 1 s -> 10 minutes (VyOS counts minutes)
    assert driver.has_pending_commit()
    driver.confirm_commit()
    assert not driver.has_pending_commit()
    assert fake.steps == []


def test_rollback_of_pending_commit_confirm(make_driver: MakeDriver) -> None:
    after = texts.CONFIG_COMMANDS_14 + "set protocols bgp neighbor 10.1.50.4 remote-as '65004'\n"
    steps = load_steps(CANDIDATE[:1], [""])
    steps += [
        ("commit-confirm 1", texts.CONFIRM_PROMPT_14.replace("10 minutes", "1 minutes")),
        ("y", config_reply(texts.CONFIRM_DONE_14.replace("10 minutes", "1 minutes"))),
        ("exit", op_reply(texts.EXIT_UNSAVED)),
        ("show configuration commands", op_reply(after)),
        ("configure", config_reply("")),
        ("delete protocols bgp neighbor 10.1.50.4", config_reply("")),
        ("commit", config_reply("")),
        ("confirm", config_reply(texts.CONFIRM_STOPPED_14)),
        ("save", config_reply(texts.SAVE_14)),
        ("exit", op_reply(texts.EXIT_SAVED)),
    ]
    driver, fake = make_driver(steps, LTS)
    driver.load_merge_candidate(config=CANDIDATE[0])
    driver.commit_config(revert_in=30)
    driver.rollback()
    assert not driver.has_pending_commit()
    assert fake.steps == []


def test_rollback_without_a_commit_here_says_why(make_driver: MakeDriver) -> None:
    driver, _ = make_driver([])
    with pytest.raises(VyosCommitError, match="only reverts a commit made by this driver"):
        driver.rollback()


def test_second_commit_while_confirm_pending_is_refused(make_driver: MakeDriver) -> None:
    steps = load_steps(CANDIDATE[:1], [""])
    steps += [
        ("commit-confirm 10", texts.CONFIRM_PROMPT_14),
        ("y", config_reply(texts.CONFIRM_DONE_14)),
        ("exit", op_reply(texts.EXIT_UNSAVED)),
        ("show configuration commands", op_reply(texts.CONFIG_COMMANDS_14)),
        ("configure", config_reply("")),
        (CANDIDATE[1], config_reply("")),
    ]
    driver, _ = make_driver(steps, LTS)
    driver.load_merge_candidate(config=CANDIDATE[0])
    driver.commit_config(revert_in=600)
    driver.load_merge_candidate(config=CANDIDATE[1])
    with pytest.raises(VyosCommitError, match="pending"):
        driver.commit_config()


def test_dialect_detected_inside_config_mode_uses_run(make_driver: MakeDriver) -> None:
    steps = load_steps(CANDIDATE[:1], [""])
    steps += [
        ("run show version", config_reply(texts.seed_block("show version") + "\n")),
        ("commit", config_reply("")),
        ("save", config_reply(texts.SAVE_13)),
        ("exit", op_reply(texts.EXIT_SAVED)),
    ]
    driver, fake = make_driver(steps)
    driver.load_merge_candidate(config=CANDIDATE[0])
    driver.commit_config()
    assert fake.steps == []


def test_load_replace_is_not_implemented(make_driver: MakeDriver) -> None:
    driver, _ = make_driver([])
    with pytest.raises(NotImplementedError, match="load_merge_candidate"):
        driver.load_replace_candidate(config="system { host-name r1 }")


def test_cli_and_get_config(make_driver: MakeDriver) -> None:
    flows = [f"ip route get 198.18.100.10 from 198.18.123.{i} iif eth0" for i in (5, 23, 29)]
    hop = "198.18.100.10 via 198.18.30.60 dev eth1 src 198.18.30.254 uid 0\n    cache"
    steps = [
        ("show configuration commands", op_reply(texts.CONFIG_COMMANDS_14)),
        ("show version", op_reply(texts.show_version_template_14())),
        (
            compound_line(["show configuration commands", *flows]),
            op_reply(compound_text([texts.CONFIG_COMMANDS_14, hop, hop, hop])),
        ),
        (
            compound_line(["show version", "show foo"]),
            op_reply(compound_text(["x", texts.OP_INVALID])),
        ),
    ]
    driver, fake = make_driver(steps)
    running = driver.get_config(retrieve="running")["running"]
    assert running == texts.CONFIG_COMMANDS_14.rstrip("\n")
    out = driver.cli(["show version"])
    assert out["show version"].startswith("Version:          VyOS 1.4.0")
    before = fake.round_trips
    out = driver.cli(["show configuration commands", *flows])  # one round trip for all
    assert fake.round_trips == before + 1
    assert out["show configuration commands"] == texts.CONFIG_COMMANDS_14.rstrip("\n")
    assert [out[f] for f in flows] == [hop] * 3
    with pytest.raises(VyosCommandError, match="show foo"):
        driver.cli(["show version", "show foo"])


def test_close_discards_and_disconnects_the_only_connection(make_driver: MakeDriver) -> None:
    steps = [*load_steps(CANDIDATE[:1], [""]), ("exit discard", op_reply(texts.EXIT_SAVED))]
    driver, fake = make_driver(steps, LTS)
    driver.load_merge_candidate(config=CANDIDATE[0])
    driver.close()
    assert fake.calls["disconnect"] == 1
    assert driver.is_alive() == {"is_alive": False}
    assert fake.steps == []


def test_netmiko_options_pass_through(make_driver: MakeDriver, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="utf-8")
    options = {
        "conn_timeout": 7,
        "read_timeout_override": 30,
        "fast_cli": True,
        "ssh_config_file": "/dev/null",
        "known_hosts": str(known_hosts),
        "vyos_version": "1.4.0",
        "port": 2222,
    }
    _, fake = make_driver([], options)
    kwargs = fake.connect_kwargs
    assert kwargs["device_type"] == "vyos"
    assert {
        k: kwargs[k] for k in ("conn_timeout", "read_timeout_override", "fast_cli", "port")
    } == {
        "conn_timeout": 7,
        "read_timeout_override": 30,
        "fast_cli": True,
        "port": 2222,
    }
    assert kwargs["ssh_config_file"] == "/dev/null"
    assert (kwargs["ssh_strict"], kwargs["alt_host_keys"], kwargs["alt_key_file"]) == (
        True,
        True,
        str(known_hosts),
    )
    assert "known_hosts" not in kwargs and "vyos_version" not in kwargs


def test_missing_known_hosts_file_is_an_input_error() -> None:
    with pytest.raises(InputError, match="known_hosts"):
        BgplbVyosDriver("198.18.30.254", "vyos", "pw", optional_args={"known_hosts": "/nope"})


def test_getter_in_config_mode_types_vtysh_without_run(make_driver: MakeDriver) -> None:
    steps = load_steps(CANDIDATE[:1], [""])
    text = read_text(CAPTURES / "peers3" / "getter_bgp_neighbors.out")
    steps.append((vtysh_line(BGP_NEIGHBORS_COMMANDS), config_reply(text)))
    driver, fake = make_driver(steps, LTS)
    driver.load_merge_candidate(config=CANDIDATE[0])
    assert driver.get_bgp_neighbors()["global"]["peers"]
    assert fake.steps == []


def test_commit_confirm_carries_the_commit_message(make_driver: MakeDriver) -> None:
    steps = load_steps(CANDIDATE[:1], [""])
    steps += [
        ('commit-confirm 1 comment "bgplb: m"', texts.CONFIRM_PROMPT_13),
        ("y", config_reply("")),
        ("exit", op_reply(texts.EXIT_UNSAVED)),
    ]
    driver, fake = make_driver(steps, ROLLING)
    driver.load_merge_candidate(config=CANDIDATE[0])
    driver.commit_config(message="bgplb: m", revert_in=60)
    assert driver.has_pending_commit() and fake.steps == []


def test_a_commit_message_with_quotes_is_refused_before_sending(make_driver: MakeDriver) -> None:
    driver, fake = make_driver(load_steps(CANDIDATE[:1], [""]), ROLLING)
    driver.load_merge_candidate(config=CANDIDATE[0])
    with pytest.raises(VyosCommitError, match="double quotes"):
        driver.commit_config(message='say "x"', revert_in=60)
    assert fake.steps == []


@pytest.mark.parametrize(
    "line",
    [
        "set protocols bgp neighbor 10.0.0.1 description 'x'; touch /tmp/PWNED; echo ''",
        "set system host-name $(touch /tmp/PWNED)",
        "delete protocols bgp `reboot`",
    ],
)
def test_a_candidate_line_that_would_run_more_than_set_is_refused_before_sending(
    make_driver: MakeDriver, line: str
) -> None:
    driver, fake = make_driver([])
    with pytest.raises(VyosMergeError, match="not a plain VyOS command"):
        driver.load_merge_candidate(config=f"set system host-name 'r1'\n{line}\n")
    assert fake.round_trips == 0
