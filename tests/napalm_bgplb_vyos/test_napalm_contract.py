"""The NAPALM contract: every recorded fixture's getter output against napalm.base.models.

Two checks, as NAPALM's own getter tests (napalm/base/test/getters.py) make them and stricter:
- napalm.base.test.helpers.test_model on each flat model (PeerDict, AFDict, PeerDetailsDict,
  RouteDict, FactsDict): exactly the model's keys, each value an instance of its type;
- conforms(): the getter's declared return type (its annotation, built from napalm's
  TypedDicts), checked recursively: every TypedDict's keys exactly, dict keys and values, list
  items, and bool never accepted for int.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from napalm.base import models
from napalm.base.test import helpers
from typing_extensions import is_typeddict

from napalm_bgplb_vyos import BgplbVyosDriver
from napalm_bgplb_vyos.compound import compound_line
from napalm_bgplb_vyos.driver import FACTS_COMMANDS
from napalm_bgplb_vyos.vtysh_commands import (
    BGP_NEIGHBORS_COMMANDS,
    FRR_8,
    route_query,
    vtysh_line,
)

from . import vyos_texts as texts
from .conftest import CAPTURES, FIXTURES, FRR75, read_text
from .fake_netmiko import FakeNetmiko, compound_text, op_reply
from .test_frr75 import SCENARIOS, pool_steps
from .test_frr75 import SINGLE_CASES as FRR75_SINGLE
from .test_frr75 import step as frr75_step
from .test_parsers import ROUTE_CASES as FRR84_ROUTES

MakeDriver = Callable[..., tuple[BgplbVyosDriver, FakeNetmiko]]


def conforms(expected: Any, value: Any, where: str = "$") -> list[str]:
    """Every place where `value` departs from the type `expected` (empty: it conforms)."""
    if is_typeddict(expected):
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not a {expected.__name__}"]
        hints = typing.get_type_hints(expected)
        problems = [f"{where}: keys {sorted(value)} != {sorted(hints)}"] * (
            set(value) != set(hints)
        )
        for key in hints.keys() & value.keys():
            problems += conforms(hints[key], value[key], f"{where}.{key}")
        return problems
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin is dict or expected in (dict, typing.Dict):  # noqa: UP006 (napalm's bare Dict)
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not a dict"]
        if not args:
            return []
        return [
            p
            for k, v in value.items()
            for p in conforms(args[0], k, f"{where}[{k!r}] key")
            + conforms(args[1], v, f"{where}[{k!r}]")
        ]
    if origin is list or expected in (list, typing.List):  # noqa: UP006
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, not a list"]
        return (
            [p for i, v in enumerate(value) for p in conforms(args[0], v, f"{where}[{i}]")]
            if args
            else []
        )
    if expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif expected is float:
        ok = isinstance(value, float)
    else:
        ok = type(value) is expected
    return [] if ok else [f"{where}: {value!r} is not {expected.__name__}"]


def declared(getter: str) -> Any:
    return typing.get_type_hints(getattr(BgplbVyosDriver, getter))["return"]


def test_getters_declare_napalms_models() -> None:
    assert declared("get_bgp_neighbors") == dict[str, models.BGPStateNeighborsPerVRFDict]
    assert (
        declared("get_bgp_neighbors_detail") == dict[str, dict[int, list[models.PeerDetailsDict]]]
    )
    assert declared("get_route_to") == dict[str, list[models.RouteDict]]
    assert declared("get_facts") is models.FactsDict


def test_conforms_finds_what_napalm_would_reject() -> None:
    good = {"sent_prefixes": 1, "accepted_prefixes": 1, "received_prefixes": 1}
    assert conforms(models.BGPStateAddressFamilyDict, good) == []
    assert conforms(models.BGPStateAddressFamilyDict, {**good, "sent_prefixes": True})
    assert conforms(models.BGPStateAddressFamilyDict, {**good, "extra": 0})
    assert conforms(dict[str, list[models.RouteDict]], {"p": [{}]})
    assert conforms(dict[int, list[str]], {"64500": []})  # remote AS keys are int


# ---- every recorded fixture, as the driver reads it

NEIGHBOR_FIXTURES = [
    *(
        CAPTURES / p / f"getter_bgp_neighbors{s}.out"
        for p, s in [("peers3", ""), ("peers3", "_policy"), ("peers3", "_idle"), ("peers24", "")]
    ),
    *(FRR75 / s / "getter_bgp_neighbors.out" for s in SCENARIOS),
]


def route_fixture_steps() -> Iterator[tuple[str, tuple[str, str, bool], list[tuple[str, str]]]]:
    for peers in ("peers3", "peers24"):
        for name, args in FRR84_ROUTES:
            text = read_text(CAPTURES / peers / f"getter_{name}.out")
            yield (
                f"8.4.4/{peers}/{name}",
                args,
                [(vtysh_line(route_query(*args).commands), op_reply(text))],
            )
    for scenario in SCENARIOS:
        yield (
            f"7.5.1/{scenario}/pool",
            ("198.18.100.0/24", "bgp", True),
            pool_steps(scenario, FRR_8),
        )
        for name, args in FRR75_SINGLE:
            path = FRR75 / scenario / f"getter_{name}.out"
            yield (
                f"7.5.1/{scenario}/{name}",
                args,
                [frr75_step(scenario, path.name, route_query(*args).commands)],
            )


ROUTE_FIXTURES = list(route_fixture_steps())


@pytest.mark.parametrize("capture", NEIGHBOR_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_bgp_neighbors_contract(make_driver: MakeDriver, capture: Path) -> None:
    step = (vtysh_line(BGP_NEIGHBORS_COMMANDS), op_reply(read_text(capture)))
    driver, _ = make_driver([step, step])
    neighbors = driver.get_bgp_neighbors()
    assert conforms(declared("get_bgp_neighbors"), neighbors) == []
    assert list(neighbors) == ["global"]
    for vrf in neighbors.values():
        assert vrf["peers"]
        for peer in vrf["peers"].values():
            assert helpers.test_model(models.PeerDict, peer)
            for af in peer["address_family"].values():
                assert helpers.test_model(models.AFDict, af)
    detail = driver.get_bgp_neighbors_detail()
    assert conforms(declared("get_bgp_neighbors_detail"), detail) == []
    for ases in detail.values():
        assert ases
        for remote_as, peers in ases.items():
            assert isinstance(remote_as, int)
            for peer in peers:
                assert helpers.test_model(models.PeerDetailsDict, peer)


@pytest.mark.parametrize(
    ("name", "args", "steps"), ROUTE_FIXTURES, ids=[r[0] for r in ROUTE_FIXTURES]
)
def test_route_to_contract(
    make_driver: MakeDriver,
    name: str,
    args: tuple[str, str, bool],
    steps: list[tuple[str, str]],
) -> None:
    driver, _ = make_driver(steps)
    routes = driver.get_route_to(*args)
    assert conforms(declared("get_route_to"), routes) == []
    for entries in routes.values():
        for route in entries:
            assert helpers.test_model(models.RouteDict, route)


def test_facts_contract(make_driver: MakeDriver) -> None:
    answer = compound_text(
        [
            texts.seed_block("show version"),
            texts.seed_block("show configuration commands"),
            "350735.47 234388.90",
        ]
    )
    driver, _ = make_driver([(compound_line(FACTS_COMMANDS), op_reply(answer))])
    facts = driver.get_facts()
    assert conforms(declared("get_facts"), facts) == []
    assert helpers.test_model(models.FactsDict, facts)
