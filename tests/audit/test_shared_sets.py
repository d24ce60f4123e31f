"""The worst case of the evaluation (every LB IP over every node): the driver's entries are
interpreted once per distinct path, and next-hop sets are compared once per pair of set
objects. Counted, never timed (bench/audit_eval.py times it)."""

from __future__ import annotations

import io
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bgplb.audit import parse_router
from bgplb.audit.naming import same_sets_memo
from bgplb.audit.observations import NextHopSets, RoutePath
from bgplb.audit.outcome import evaluate
from bgplb.audit.parse_router import routes_from_napalm
from bgplb.audit.report import render
from bgplb.errors import ParseError

from .test_scale import outcome_at

HOPS = [f"198.18.30.{i}" for i in (11, 12, 13)]


def entry(hop: str, **over: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "next_hop": hop,
        "protocol": "BGP",
        "current_active": True,
        "selected_next_hop": True,
        "protocol_attributes": {"multipath": True, "best": hop == HOPS[0], "remote_as": 64500},
    }
    return {**e, **over}


def test_each_distinct_entry_is_interpreted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = parse_router._route_path

    def counted(*args: Any) -> RoutePath:
        nonlocal calls
        calls += 1
        return real(*args)

    monkeypatch.setattr(parse_router, "_route_path", counted)
    table = {f"198.18.128.{i}/32": [entry(h) for h in HOPS] for i in range(1, 201)}
    routes = routes_from_napalm(table)
    assert len(routes) == 200 and calls == 3
    assert len({id(p) for r in routes for p in r.paths}) == 3
    assert routes[0].multipath == frozenset(map(IPv4Address, HOPS))


def test_entries_read_alike_as_before() -> None:
    (route,) = routes_from_napalm(
        {
            "198.18.100.10/32": [
                entry(HOPS[0]),
                # not in the FIB: current_active is not even asked
                {**entry(HOPS[1], selected_next_hop=False), "current_active": KeyErrorIfRead()},
                entry(HOPS[2], protocol_attributes=None),  # zebra's: selected, no AS
                entry("198.18.30.14", protocol_attributes={"multipath": None}),  # not selected
                entry("", protocol="connected"),  # no next hop: not a path
            ]
        }
    )
    by_hop = {str(p.next_hop): p for p in route.paths}
    assert by_hop[HOPS[0]] == RoutePath(IPv4Address(HOPS[0]), "bgp", True, True, 64500)
    assert by_hop[HOPS[1]].fib is False
    assert by_hop[HOPS[2]] == RoutePath(IPv4Address(HOPS[2]), "bgp", True, True, None)
    assert by_hop["198.18.30.14"].active is False
    assert len(route.paths) == 4


class KeyErrorIfRead:
    """Unhashable (a list would do): an entry holding it is interpreted, not cached."""

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        raise AssertionError("current_active read although the next hop is not selected")


def test_an_unhashable_value_is_still_read_and_a_missing_key_is_a_parse_error() -> None:
    (route,) = routes_from_napalm(
        {"198.18.100.10/32": [entry(HOPS[0], protocol_attributes={"remote_as": [64500]})]}
    )
    assert route.paths[0].remote_as is None and route.paths[0].active
    bad = entry(HOPS[0])
    del bad["current_active"]
    with pytest.raises(ParseError, match="current_active"):
        routes_from_napalm({"198.18.100.10/32": [bad]})


class CountingSet(frozenset):  # type: ignore[type-arg]
    compared = 0

    def __eq__(self, other: object) -> bool:
        CountingSet.compared += 1
        return frozenset.__eq__(self, other)

    __hash__ = frozenset.__hash__


def test_a_pair_of_sets_is_compared_once() -> None:
    same = same_sets_memo()
    a, b = CountingSet({1, 2}), CountingSet({1, 2})
    c = CountingSet({1, 3})
    CountingSet.compared = 0
    assert all(same(a, b) for _ in range(1000))
    assert not any(same(a, c) for _ in range(1000))
    assert same(a, a)
    assert CountingSet.compared == 2


def test_equal_next_hop_sets_of_a_route_are_one_object() -> None:
    paths = tuple(RoutePath(IPv4Address(h), "bgp", True, True) for h in HOPS)
    sets = NextHopSets.of(paths)
    assert sets.received is sets.multipath is sets.fib
    partial = NextHopSets.of((*paths[:2], RoutePath(IPv4Address(HOPS[2]), "bgp", True, False)))
    assert partial.received is partial.multipath and partial.fib != partial.multipath


def test_the_worst_case_compares_a_few_addresses_not_one_per_next_hop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every LB IP over every node (500 x 40 next hops): before, the announcers check and the
    report compared each LB IP's sets address by address."""
    outcome, _ = outcome_at(tmp_path, "cluster", 40, 500)
    assert outcome.ok  # type: ignore[attr-defined]
    calls = 0
    real = IPv4Address.__eq__

    def counted(self: IPv4Address, other: object) -> bool:
        nonlocal calls
        calls += 1
        return real(self, other)

    monkeypatch.setattr(IPv4Address, "__eq__", counted)
    again = evaluate(outcome.site, outcome.observations)  # type: ignore[attr-defined]
    render(again, Console(file=io.StringIO(), width=160))
    assert again.ok
    # a few lookups per LB IP remain (linear in LB IPs); before: 45,218 here, two per next hop
    assert calls < 500 * 40 // 2, calls
