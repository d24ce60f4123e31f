"""Router parsers: configuration lines, connection states, flows, routes (driver shapes)."""

from __future__ import annotations

import json
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from bgplb.audit.parse_router import (
    FlowSpec,
    parse_config,
    parse_connection_state,
    parse_flow,
    plan_flows,
    router_observation,
    routes_from_napalm,
)
from bgplb.errors import ParseError
from napalm_bgplb_vyos.parse_route import parse_route_to

from . import replay

# ../shared/fixtures/frr-8.4, copied verbatim (its README)
SHARED_FRR = Path(__file__).resolve().parents[1] / "fixtures" / "driver" / "frr-8.4.4"


def test_config_reference_dialect() -> None:
    text = replay.read("healthy", "router.json")["cli"]["show configuration commands"]
    cfg = parse_config(text)
    assert (cfg.maximum_paths_ebgp, cfg.layer4_hashing) == (8, True)


def test_config_vyos_1_3_dialect_and_absent_settings() -> None:
    cfg = parse_config(
        "set protocols bgp 64501 address-family ipv4-unicast maximum-paths ebgp 4\n"
        "set system host-name 'vyos'\n"
    )
    assert (cfg.maximum_paths_ebgp, cfg.layer4_hashing) == (4, False)


@pytest.mark.parametrize("text", ["", "  Invalid command: show [configuration]\n"])
def test_config_without_set_lines_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_config(text)


@pytest.mark.parametrize(
    ("text", "state", "peer_state"),
    [
        ("Established", "Established", "OK"),
        ("Established (Policy)", "Established", "Policy"),
        ("Active (Policy)", "Active", "Policy"),
        ("Idle (Admin)", "Idle", "Admin"),
        ("Idle (PfxCt)", "Idle", "PfxCt"),
        ("Connect", "Connect", "OK"),
    ],
)
def test_connection_state(text: str, state: str, peer_state: str) -> None:
    got = parse_connection_state(text)
    assert (got.state, got.peer_state) == (state, peer_state)


SPEC = FlowSpec(IPv4Address("198.18.100.10"), IPv4Address("198.18.123.5"), 33000, 80, "eth0")


def test_flow_command_and_real_kernel_answer() -> None:
    assert SPEC.command == (
        "ip route get 198.18.100.10 from 198.18.123.5 iif eth0 ipproto tcp sport 33000 dport 80"
    )
    answer = replay.read("healthy", "router.json")["cli"][SPEC.command]
    assert parse_flow(SPEC, answer).next_hop in {
        IPv4Address(a) for a in ("198.18.30.50", "198.18.30.60", "198.18.30.61")
    }


@pytest.mark.parametrize("text", ["RTNETLINK answers: Network is unreachable\n", ""])
def test_flow_errors_are_kept(text: str) -> None:
    answer = parse_flow(SPEC, text)
    assert answer.next_hop is None and answer.error


def test_flows_cycle_over_clients_with_distinct_ports() -> None:
    flows = plan_flows(
        [(IPv4Address("198.18.100.10"), 80)],
        [IPv4Address("198.18.123.5"), IPv4Address("198.18.123.23")],
        "eth0",
        4,
    )
    assert [str(f.source) for f in flows] == ["198.18.123.5", "198.18.123.23"] * 2
    assert len({f.sport for f in flows}) == 4


def test_driver_route_from_verbatim_frr_capture() -> None:
    """The driver's parser on a verbatim FRR 8.4.4 route (tests/fixtures/driver/frr-8.4.4):
    three FIB next hops."""
    zebra = json.loads((SHARED_FRR / "router_route.json").read_text())
    napalm = parse_route_to(zebra, None, protocol="bgp")
    (route,) = routes_from_napalm(napalm)
    assert route.prefix == IPv4Network("198.18.100.10/32")
    assert sorted(map(str, route.fib)) == ["198.18.30.11", "198.18.30.12", "198.18.30.13"]
    assert route.multipath == route.fib


def test_route_not_installed_has_no_fib_next_hop() -> None:
    entry = replay.read("healthy", "router.json")["get_route_to"]["198.18.100.0/24"]
    entries = [dict(e, current_active=False) for e in entry["198.18.100.10/32"]]
    (route,) = routes_from_napalm({"198.18.100.10/32": entries})
    assert route.fib == frozenset() and len(route.multipath) == 3


def test_observation_needs_the_configuration() -> None:
    doc = replay.read("healthy", "router.json")
    with pytest.raises(ParseError):
        router_observation(
            "vyos", doc["get_bgp_neighbors"], doc["get_bgp_neighbors_detail"], {}, {}, ()
        )


def test_policy_state_is_read_from_the_detail() -> None:
    doc = replay.read("policy_state", "router.json")
    obs = router_observation(
        "vyos",
        doc["get_bgp_neighbors"],
        doc["get_bgp_neighbors_detail"],
        {},
        doc["cli"],
        (),
    )
    assert all(s.is_up and s.policy_blocked for s in obs.sessions)
    assert {s.shown_state for s in obs.sessions} == {"Established (Policy)"}
