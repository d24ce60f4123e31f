"""The getters on verbatim FRR 7.5.1 output (VyOS 1.3's FRR), through the fake netmiko.

Captures: tests/fixtures/driver/frr-7.5.1 (capture_frr75.sh); expected results:
tests/fixtures/driver/expected/frr75_<scenario>_*.json.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bgplb.errors import ParseError
from napalm_bgplb_vyos import BgplbVyosDriver
from napalm_bgplb_vyos.parse_bgp_neighbors import POLICY_MARK
from napalm_bgplb_vyos.vtysh_commands import (
    BGP_NEIGHBORS_COMMANDS,
    FRR_7_5,
    FRR_8,
    FrrGeneration,
    prefix_paths_commands,
    route_query,
    vtysh_line,
)

from .conftest import FRR75, as_json, expected, read_json, read_text
from .fake_netmiko import FakeNetmiko, op_reply

MakeDriver = Callable[..., tuple[BgplbVyosDriver, FakeNetmiko]]
SCENARIOS = ["healthy", "nodekill", "peerdown", "policy"]
POOL = ("198.18.100.0/24", "bgp", True)
SINGLE_CASES: list[tuple[str, tuple[str, str, bool]]] = [
    ("route_10", ("198.18.100.10", "", False)),
    ("route_20", ("198.18.100.20/32", "", False)),
    ("route_missing", ("198.18.101.0/24", "", False)),
    ("route_30_connected", ("198.18.30.0/24", "connected", False)),
]


def step(scenario: str, name: str, commands: list[str]) -> tuple[str, str]:
    return vtysh_line(commands), op_reply(read_text(FRR75 / scenario / name))


def bgp_step(scenario: str) -> tuple[str, str]:
    return step(scenario, "getter_bgp_neighbors.out", BGP_NEIGHBORS_COMMANDS)


def pool_steps(scenario: str, frr: FrrGeneration) -> list[tuple[str, str]]:
    """The round trips of get_route_to(pool, longer=True) as the driver sends them."""
    first = "getter_route_pool_longer.out" if frr is FRR_8 else "getter_route_pool_longer_75.out"
    steps = [step(scenario, first, route_query(*POOL, frr).commands)]
    zebra = read_json(FRR75 / scenario / "route_pool_longer.json")
    prefixes = [p for p, routes in zebra.items() if any(r["protocol"] == "bgp" for r in routes)]
    if prefixes:
        steps.append(
            step(scenario, "getter_route_pool_longer_paths.out", prefix_paths_commands(prefixes))
        )
    return steps


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_bgp_neighbors_and_detail(make_driver: MakeDriver, scenario: str) -> None:
    driver, fake = make_driver([bgp_step(scenario), bgp_step(scenario)])
    assert as_json(driver.get_bgp_neighbors()) == expected(f"frr75_{scenario}_bgp_neighbors.json")
    assert as_json(driver.get_bgp_neighbors_detail()) == expected(
        f"frr75_{scenario}_bgp_neighbors_detail.json"
    )
    assert fake.round_trips == 2


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_longer_lookup_steps_down_to_frr75_once(make_driver: MakeDriver, scenario: str) -> None:
    """First call: FRR 8's list, refused at the paths command, then the per-prefix paths; the
    driver then knows FRR 7.5 and sends its list directly: the same routes both times."""
    steps = pool_steps(scenario, FRR_8) + pool_steps(scenario, FRR_7_5)
    driver, fake = make_driver(steps)
    first = driver.get_route_to(*POOL)
    second = driver.get_route_to(*POOL)
    assert as_json(first) == as_json(second) == expected(f"frr75_{scenario}_route_pool.json")
    assert not fake.steps  # every recorded answer was asked for, in order
    assert fake.round_trips == len(steps)


@pytest.mark.parametrize(("scenario", "hops"), [("healthy", 3), ("nodekill", 2), ("peerdown", 1)])
def test_ecmp_width_follows_the_sessions(make_driver: MakeDriver, scenario: str, hops: int) -> None:
    driver, _ = make_driver(pool_steps(scenario, FRR_8))
    routes = driver.get_route_to(*POOL)["198.18.100.10/32"]
    assert len(routes) == hops
    assert all(r["selected_next_hop"] and r["inactive_reason"] == "" for r in routes)
    assert sum(r["protocol_attributes"]["best"] for r in routes) == 1


def test_policy_state_read_from_the_neighbors_detail(make_driver: MakeDriver) -> None:
    """FRR 7.5's summary says Established and nothing more; the neighbors say Policy."""
    driver, _ = make_driver([bgp_step("policy"), bgp_step("policy")])
    peers = driver.get_bgp_neighbors()["global"]["peers"]
    assert all(p["is_up"] and POLICY_MARK in p["description"] for p in peers.values())
    assert peers["198.18.30.11"]["description"].startswith("node1 ")  # nbrDesc, 7.5 only
    detail = driver.get_bgp_neighbors_detail()["global"][64500]
    assert {p["connection_state"] for p in detail} == {"Established (Policy)"}


def test_idle_states_and_admin_shutdown(make_driver: MakeDriver) -> None:
    driver, _ = make_driver([bgp_step("peerdown"), bgp_step("peerdown")])
    peers = driver.get_bgp_neighbors()["global"]["peers"]
    assert [(p["is_up"], p["is_enabled"], p["local_as"]) for p in peers.values()] == [
        (False, True, 64501),
        (False, False, 64501),
        (True, True, 64501),
    ]
    states = {
        p["remote_address"]: p["connection_state"]
        for p in driver.get_bgp_neighbors_detail()["global"][64500]
    }
    assert states == {
        "198.18.30.11": "Idle (PfxCt)",
        "198.18.30.12": "Idle (Admin)",
        "198.18.30.13": "Established",
    }


@pytest.mark.parametrize("scenario", ["healthy", "peerdown"])
@pytest.mark.parametrize(("name", "args"), SINGLE_CASES)
def test_single_prefix_lookups(
    make_driver: MakeDriver, scenario: str, name: str, args: tuple[str, str, bool]
) -> None:
    commands = route_query(*args).commands
    driver, fake = make_driver([step(scenario, f"getter_{name}.out", commands)])
    assert as_json(driver.get_route_to(*args)) == expected(f"frr75_{scenario}_{name}.json")
    assert fake.round_trips == 1


def test_refusal_of_a_command_every_generation_sends_is_an_error(
    make_driver: MakeDriver,
) -> None:
    """Only the longer-prefixes paths command has an older form; any other refusal fails."""
    args = ("198.18.100.10", "", False)
    route = read_text(FRR75 / "healthy" / "route_10.json")
    summary = read_text(FRR75 / "healthy" / "summary.json")
    refusal = f"{route}{summary}% Unknown command: show ip bgp 198.18.100.10 json\n"
    driver, _ = make_driver([(vtysh_line(route_query(*args).commands), op_reply(refusal))])
    with pytest.raises(ParseError, match=r"show ip bgp 198\.18\.100\.10 json.*refused"):
        driver.get_route_to(*args)


def test_frr75_refuses_json_longer_prefixes() -> None:
    """The recorded finding the generations table rests on (vtysh exit code 1)."""
    for scenario in SCENARIOS:
        directory: Path = FRR75 / scenario
        for name in ("bgp_pool_longer.json", "bgp_pool_longer_detail.json"):
            assert read_text(directory / name).startswith("% Unknown command: ")
            assert read_text(directory / f"{name}.rc").strip() == "1"
