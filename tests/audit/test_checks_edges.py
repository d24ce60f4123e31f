"""Checks on states the scenarios do not cover: missing sources, a crashing check, FIB gaps."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv4Address, IPv4Network

import pytest

from bgplb.audit import checks
from bgplb.audit.findings import Severity
from bgplb.audit.observations import (
    ClusterObservation,
    GatherFailure,
    Observations,
    Route,
    RoutePath,
    RouterObservation,
)
from bgplb.audit.outcome import evaluate
from bgplb.model import Site

from . import replay


def healthy() -> tuple[Site, Observations]:
    site = replay.site_for("healthy")
    return site, replay.observations("healthy", site)


def errors_of(obs: Observations) -> list[tuple[str, str]]:
    site = replay.site_for("healthy")
    return [(f.check, f.object) for f in evaluate(site, obs).findings if f.severity == "error"]


def test_cluster_not_gathered_fails_every_check_that_needs_it() -> None:
    _, obs = healthy()
    obs = dataclasses.replace(obs, cluster=GatherFailure("cluster", "master01", "Unauthorized"))
    checks_failed = {c for c, _ in errors_of(obs)}
    assert checks_failed == {"metallb", "announcers", "stale-route", "service-address"}


def test_a_source_left_out_by_limit_is_skipped_not_passed() -> None:
    _, obs = healthy()
    obs = dataclasses.replace(
        obs, cluster=GatherFailure("cluster", "-", "excluded by --limit", skipped=True)
    )
    site = replay.site_for("healthy")
    outcome = evaluate(site, obs)
    skipped = {f.check for f in outcome.findings if f.severity is Severity.SKIPPED}
    assert skipped >= {"metallb", "announcers", "stale-route", "service-address"}
    assert not any(
        f.check == "announcers" and f.severity is Severity.PASS for f in outcome.findings
    )


def test_a_crashing_check_is_an_error_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(*_: object) -> list[object]:
        raise RuntimeError("bug")

    monkeypatch.setattr(checks, "check_fib", boom)
    _, obs = healthy()
    site = replay.site_for("healthy")
    findings = evaluate(site, obs).findings
    assert [(f.check, f.severity) for f in findings if f.check == "fib"] == [
        ("fib", Severity.ERROR)
    ]
    assert any(f.check == "hash-spread" and f.severity is Severity.PASS for f in findings)


def _with_route(obs: Observations, route: Route) -> Observations:
    assert isinstance(obs.router, RouterObservation)
    return dataclasses.replace(obs, router=dataclasses.replace(obs.router, routes=(route,)))


def test_next_hop_selected_by_bgp_but_missing_in_the_fib() -> None:
    _, obs = healthy()
    hops = [IPv4Address(a) for a in ("198.18.30.50", "198.18.30.60", "198.18.30.61")]
    route = Route(
        IPv4Network("198.18.100.10/32"),
        tuple(RoutePath(h, "bgp", True, h != hops[2]) for h in hops),
    )
    assert ("fib", "198.18.100.10") in errors_of(_with_route(obs, route))


def test_maximum_paths_not_configured_is_a_warning() -> None:
    _, obs = healthy()
    assert isinstance(obs.router, RouterObservation)
    cfg = dataclasses.replace(obs.router.config, maximum_paths_ebgp=None)
    obs = dataclasses.replace(obs, router=dataclasses.replace(obs.router, config=cfg))
    found = [
        f for f in evaluate(replay.site_for("healthy"), obs).findings if f.check == "maximum-paths"
    ]
    assert [f.severity for f in found] == [Severity.WARNING]


def test_metallb_asn_mismatch_fails_the_session() -> None:
    _, obs = healthy()
    assert isinstance(obs.cluster, ClusterObservation) and obs.cluster.config is not None
    peer = dataclasses.replace(obs.cluster.config.peers[0], my_asn=64999)
    config = dataclasses.replace(obs.cluster.config, peers=(peer,))
    obs = dataclasses.replace(obs, cluster=dataclasses.replace(obs.cluster, config=config))
    site = replay.site_for("healthy")
    bad = [f for f in evaluate(site, obs).findings if f.check == "session"]
    assert all(f.severity is Severity.ERROR for f in bad) and len(bad) == 3
    assert "my-asn 64999, node AS 64500" in bad[0].actual


def test_pending_service_and_address_outside_every_pool() -> None:
    _, obs = healthy()
    assert isinstance(obs.cluster, ClusterObservation)
    (svc,) = obs.cluster.services
    pending = dataclasses.replace(svc, name="pending", ingress_ips=())
    outside = dataclasses.replace(svc, name="outside", ingress_ips=(IPv4Address("198.18.101.1"),))
    cluster = dataclasses.replace(obs.cluster, services=(svc, pending, outside))
    errors = errors_of(dataclasses.replace(obs, cluster=cluster))
    assert ("service-address", "service default/pending") in errors
    assert ("service-address", "service default/outside") in errors
