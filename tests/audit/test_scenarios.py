"""Recorded scenarios: the checks' verdicts, and the gather's constant number of round trips."""

from __future__ import annotations

import pytest

from bgplb.audit.findings import Severity
from bgplb.audit.outcome import evaluate
from tasks.audit_router import gather_router

from . import replay

SCENARIOS = replay.scenario_names()


def test_every_scenario_of_the_issue_is_recorded() -> None:
    assert set(SCENARIOS) >= {
        "healthy",
        "node_down",
        "maximum_paths_1",
        "master_excluded_0_14",
        "master_included_0_9",
        "local_policy",
        "stale_route",
        "policy_state",
        "layer3_hashing",
        "ungatherable_router",
    }


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_findings(name: str) -> None:
    expected = replay.read(name, "expected.json")
    site = replay.site_for(name)
    outcome = evaluate(site, replay.observations(name, site))
    got = [[f.severity.value, f.check, f.object] for f in outcome.findings if f.severity != "pass"]
    assert got == expected["findings"]
    assert outcome.ok is expected["ok"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_finding_names_expected_and_actual(name: str) -> None:
    site = replay.site_for(name)
    for f in evaluate(site, replay.observations(name, site)).findings:
        assert f.check and f.object and f.expected and f.actual, f


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "ungatherable_router"])
def test_router_round_trips_are_constant(name: str) -> None:
    doc = replay.read(name, "router.json")
    device = replay.FakeDevice(doc)
    site = replay.site_for(name)
    gather_router(device, site, "vyos", doc["flows_per_destination"])
    assert device.calls[:4] == [
        "get_bgp_neighbors",
        "get_bgp_neighbors_detail",
        "get_bgp_peer_liveness",
        "get_route_to 198.18.100.0/24 bgp longer=True",
    ]
    assert len(device.calls) == 5 and device.calls[4].startswith("cli x")


def test_healthy_is_the_write_up_three_way_ecmp() -> None:
    site = replay.site_for("healthy")
    obs = replay.observations("healthy", site)
    outcome = evaluate(site, obs)
    (e,) = outcome.expectations
    assert [a.node for a in e.announcers] == ["master01", "worker01", "worker02"]
    spread = [
        f
        for f in outcome.findings
        if f.check == "hash-spread" and f.object != "router vyos hashing"
    ]
    assert spread[0].severity is Severity.PASS and "30 flows" in spread[0].expected


def _mixed(router_from: str, cluster_from: str, site_from: str) -> list[tuple[str, str, str]]:
    site = replay.site_for(site_from)
    obs = replay.observations(cluster_from, site)
    mixed = type(obs)(
        router=replay.router_of(router_from, site),
        cluster=obs.cluster,
        probes=(),
        probe_requested=False,
    )
    out = evaluate(site, mixed)
    return [
        (f.severity.value, f.check, f.actual + " / " + f.hint)
        for f in out.findings
        if f.severity is Severity.ERROR
    ]


def test_three_paths_on_0_14_is_an_error_master_should_be_excluded() -> None:
    errors = _mixed("healthy", "master_excluded_0_14", "master_excluded_0_14")
    assert [e[:2] for e in errors] == [("error", "announcers")]
    assert "master01 (198.18.30.50) announces it though: labelled" in errors[0][2]


def test_two_paths_on_0_9_is_an_error_master_should_announce() -> None:
    errors = _mixed("master_excluded_0_14", "master_included_0_9", "master_included_0_9")
    assert [e[:2] for e in errors] == [("error", "announcers")]
    assert "master01 (198.18.30.50) does not announce it" in errors[0][2]


def test_local_policy_with_three_paths_names_the_nodes_without_endpoints() -> None:
    errors = _mixed("healthy", "local_policy", "local_policy")
    assert [e[:2] for e in errors] == [("error", "announcers")]
    assert (
        "worker02 (198.18.30.61) announces it though: externalTrafficPolicy Local" in errors[0][2]
    )
