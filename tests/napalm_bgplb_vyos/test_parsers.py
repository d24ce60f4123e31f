"""Pure parsers on verbatim FRR 8.4.4 captures, compared with expected JSON files."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bgplb.errors import ParseError
from napalm_bgplb_vyos.frr_time import frr_uptime_seconds
from napalm_bgplb_vyos.json_docs import split_json_documents
from napalm_bgplb_vyos.parse_bgp_neighbors import (
    parse_bgp_neighbors,
    parse_bgp_neighbors_detail,
    summary_as_numbers,
)
from napalm_bgplb_vyos.parse_route import bgp_paths_by_prefix, parse_route_to
from napalm_bgplb_vyos.vtysh_commands import BGP_NEIGHBORS_COMMANDS, route_query

from .conftest import CAPTURES, FRR84, as_json, expected, read_json, read_text


def test_shared_summary_gives_three_established_peers() -> None:
    result = parse_bgp_neighbors(read_json(FRR84 / "router_bgp_summary.json"), None)
    assert as_json(result) == expected("frr84_shared_bgp_neighbors.json")


def test_shared_route_table_gives_every_ecmp_next_hop() -> None:
    result = parse_route_to(read_json(FRR84 / "router_route.json"), None)
    assert as_json(result) == expected("frr84_shared_route.json")
    hops = [r["next_hop"] for r in result["198.18.100.10/32"]]
    assert hops == ["198.18.30.11", "198.18.30.12", "198.18.30.13"]
    assert all(r["selected_next_hop"] and r["current_active"] for r in result["198.18.100.10/32"])


@pytest.mark.parametrize("scenario", ["", "_policy", "_idle"])
def test_bgp_neighbors_and_detail(scenario: str) -> None:
    text = read_text(CAPTURES / "peers3" / f"getter_bgp_neighbors{scenario}.out")
    summary, neighbors = split_json_documents(text, BGP_NEIGHBORS_COMMANDS)
    assert as_json(parse_bgp_neighbors(summary, neighbors)) == expected(
        f"peers3_bgp_neighbors{scenario}.json"
    )
    assert as_json(parse_bgp_neighbors_detail(summary, neighbors)) == expected(
        f"peers3_bgp_neighbors_detail{scenario}.json"
    )


def _states(scenario: str) -> dict[str, str]:
    text = read_text(CAPTURES / "peers3" / f"getter_bgp_neighbors{scenario}.out")
    detail = parse_bgp_neighbors_detail(*split_json_documents(text, BGP_NEIGHBORS_COMMANDS))
    return {
        p["remote_address"]: p["connection_state"] for ps in detail["global"].values() for p in ps
    }


def test_every_frr_state_is_kept_in_connection_state() -> None:
    assert _states("") == {
        "198.18.30.11": "Established",
        "198.18.30.12": "Established",
        "198.18.30.13": "Established",
        "198.18.30.204": "Active",
        "198.18.30.205": "Idle (Admin)",
        "198.18.30.206": "Connect",
        "198.19.99.99": "Active",
    }
    assert _states("_idle")["198.18.30.11"] == "Idle (PfxCt)"
    assert _states("_policy")["198.18.30.12"] == "Established (Policy)"


def test_policy_peer_is_up_but_marked() -> None:
    peers = expected("peers3_bgp_neighbors_policy.json")["global"]["peers"]
    node1 = peers["198.18.30.11"]
    assert node1["is_up"] is True
    assert "Policy" in node1["description"]
    assert node1["address_family"]["ipv4"]["received_prefixes"] == 0
    admin = peers["198.18.30.205"]
    assert (admin["is_up"], admin["is_enabled"]) == (False, False)


def test_neighbor_filter() -> None:
    text = read_text(CAPTURES / "peers3" / "getter_bgp_neighbors.out")
    summary, neighbors = split_json_documents(text, BGP_NEIGHBORS_COMMANDS)
    one = parse_bgp_neighbors_detail(summary, neighbors, neighbor_address="198.18.30.12")
    assert [p["remote_address"] for p in one["global"][64500]] == ["198.18.30.12"]
    none = parse_bgp_neighbors_detail(summary, neighbors, neighbor_address="198.18.30.99")
    assert none == {"global": {}}


ROUTE_CASES: list[tuple[str, tuple[str, str, bool]]] = [
    ("route_10", ("198.18.100.10", "", False)),
    ("route_20", ("198.18.100.20/32", "", False)),
    ("route_pool_longer", ("198.18.100.0/24", "", True)),
    ("route_missing", ("198.18.101.0/24", "", False)),
    ("route_30_connected", ("198.18.30.0/24", "connected", False)),
]


@pytest.mark.parametrize("peers", ["peers3", "peers24"])
@pytest.mark.parametrize(("name", "args"), ROUTE_CASES)
def test_route_to(peers: str, name: str, args: tuple[str, str, bool]) -> None:
    query = route_query(*args)
    docs = split_json_documents(read_text(CAPTURES / peers / f"getter_{name}.out"), query.commands)
    if query.with_bgp:
        local_as, remote_as = summary_as_numbers(docs[1])
        paths = bgp_paths_by_prefix(docs[2], query.commands[2])
        result = parse_route_to(
            docs[0], paths, protocol=args[1], local_as=local_as, remote_as_by_peer=remote_as
        )
    else:
        result = parse_route_to(docs[0], None, protocol=args[1])
    assert as_json(result) == expected(f"{peers}_{name}.json")


def test_24_way_ecmp_all_in_fib() -> None:
    routes = expected("peers24_route_pool_longer.json")["198.18.100.10/32"]
    assert len({r["next_hop"] for r in routes}) == 24
    assert all(r["selected_next_hop"] and r["inactive_reason"] == "" for r in routes)
    assert all(r["protocol_attributes"]["as_path"] == "64500" for r in routes)


def test_route_with_prepend_and_community() -> None:
    (route,) = expected("peers3_route_20.json")["198.18.100.20/32"]
    attrs = route["protocol_attributes"]
    assert (attrs["as_path"], attrs["communities"]) == ("64500 64500", ["64500:20"])
    assert (attrs["local_as"], attrs["remote_as"], attrs["local_preference"]) == (64501, 64500, 100)


def _route_not_in_fib() -> dict[str, Any]:
    table = read_json(FRR84 / "router_route.json")
    route = table["198.18.100.10/32"][0]
    route["nexthops"][1]["fib"] = False  # a copy in memory; the capture is untouched
    route["installed"] = True
    return {"198.18.100.10/32": [route]}


def test_next_hop_missing_from_fib_is_reported() -> None:
    routes = parse_route_to(_route_not_in_fib(), None)["198.18.100.10/32"]
    assert [r["selected_next_hop"] for r in routes] == [True, False, True]
    assert routes[1]["inactive_reason"] == "next hop not in the FIB"


def test_zebra_route_without_bgp_path_is_an_error() -> None:
    with pytest.raises(ParseError, match="bgpd shows no such path"):
        parse_route_to(read_json(FRR84 / "router_route.json"), {}, protocol="bgp")


@pytest.mark.parametrize(
    "text",
    [
        "% Unknown command: show ip bgp summary jsn\n",
        "",
        '{"ipv4Unicast": {}}',  # one document for two commands
        '{"a": 1}{"b": 2} trailing',
    ],
)
def test_unparseable_vtysh_output_raises(text: str) -> None:
    with pytest.raises(ParseError):
        split_json_documents(text, BGP_NEIGHBORS_COMMANDS)


@pytest.mark.parametrize(
    ("summary", "message"),
    [
        ({}, "no ipv4Unicast"),
        ({"ipv4Unicast": {"routerId": "198.18.30.1"}}, "peers"),
        (
            {"ipv4Unicast": {"routerId": "x", "peers": {"198.18.30.11": {"state": "Established"}}}},
            "pfxRcd",
        ),
    ],
)
def test_summary_without_what_we_need_raises(summary: dict[str, Any], message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_bgp_neighbors(summary, {"198.18.30.11": {}})


def test_peer_missing_from_neighbors_detail_raises() -> None:
    summary = read_json(FRR84 / "router_bgp_summary.json")
    with pytest.raises(ParseError, match=r"198\.18\.30\.11"):
        parse_bgp_neighbors(summary, {})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:04", 4), ("never", 0), ("1d02h03m", 93780), ("01w2d03h", 788400)],
)
def test_frr_uptime(text: str, seconds: int) -> None:
    assert frr_uptime_seconds(text) == seconds


def test_bad_uptime_raises() -> None:
    with pytest.raises(ParseError):
        frr_uptime_seconds("yesterday")


def test_capture_commands_are_the_driver_commands() -> None:
    readme = read_text(CAPTURES / "README.md")
    script = read_text(CAPTURES / "capture_frr84.sh")
    assert "getter_route_pool_longer.out" in readme
    for _, args in ROUTE_CASES:
        for command in route_query(*args).commands:
            assert command in script, command
    assert json.dumps(BGP_NEIGHBORS_COMMANDS)  # both commands appear in the script
    assert all(c in script for c in BGP_NEIGHBORS_COMMANDS)
