"""Synthetic flows sampled per next-hop set: their number follows the distinct sets and their
width, never the number of LB addresses; the spread is judged per set."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from bgplb.audit.checks_traffic import check_hash_spread
from bgplb.audit.findings import Severity
from bgplb.audit.observations import (
    FlowAnswer,
    Route,
    RoutePath,
    RouterConfig,
    RouterObservation,
)
from bgplb.audit.parse_router import flow_targets, plan_flows

from . import replay

LB = IPv4Address("198.18.100.10")


def hops(n: int) -> list[IPv4Address]:
    return [IPv4Address("198.18.30.50") + i for i in range(n)]


def route(ip: IPv4Address, via: list[IPv4Address]) -> Route:
    paths = tuple(RoutePath(a, "bgp", True, True, 64500) for a in via)
    return Route(IPv4Network(f"{ip}/32"), paths)


def test_200_addresses_over_24_nodes_ask_240_flows() -> None:
    routes = [route(LB + i, hops(24)) for i in range(200)]
    targets = flow_targets(routes, {})
    assert [t for t, _ in targets] == [LB + i for i in range(8)]
    assert len(plan_flows(targets, [], None, 30)) == 240


def test_ten_addresses_over_three_nodes_ask_30_flows_and_sets_apart() -> None:
    routes = [route(LB + i, hops(3)) for i in range(10)]
    routes.append(route(LB + 50, hops(2)))  # another set: sampled on its own
    routes.append(route(LB + 60, hops(1)))  # one next hop: nothing to spread
    assert flow_targets(routes, {LB + 50: 8080}) == [(LB, 80), (LB + 50, 8080)]
    # fewer flows per address: more addresses of the set sampled
    assert len(flow_targets(routes[:10], {}, per_destination=10)) == 3


def observation(routes: list[Route], flows: list[FlowAnswer]) -> RouterObservation:
    return RouterObservation(
        host="vyos",
        local_as=64501,
        sessions=(),
        pools_queried=(IPv4Network("198.18.100.0/24"),),
        routes=tuple(routes),
        config=RouterConfig(8, True),
        flows=tuple(flows),
    )


def test_spread_is_judged_once_per_next_hop_set() -> None:
    site = replay.site_for("healthy")
    via = hops(3)
    routes = [route(LB + i, via) for i in range(10)]
    flows = [FlowAnswer(LB, None, 40000 + i, 80, via[i % 3]) for i in range(30)]
    findings = [
        f for f in check_hash_spread(site, observation(routes, flows)) if "198.18.100" in f.object
    ]
    assert len(findings) == 1
    (f,) = findings
    assert f.severity is Severity.PASS
    assert f.object == "198.18.100.10 .. 198.18.100.19 (10 addresses, 1 sampled)"
    assert f.expected.startswith("30 flows over")


def test_an_idle_next_hop_of_a_sampled_set_is_an_error() -> None:
    site = replay.site_for("healthy")
    via = hops(3)
    routes = [route(LB + i, via) for i in range(10)]
    flows = [FlowAnswer(LB, None, 40000 + i, 80, via[i % 2]) for i in range(30)]
    (f,) = [f for f in check_hash_spread(site, observation(routes, flows)) if "198.18" in f.object]
    assert f.severity is Severity.ERROR
    assert "no flow to" in f.actual and "198.18.30.52" in f.actual
