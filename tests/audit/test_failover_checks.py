"""A dead announcer is an error whatever the cause; silent peers from router data; the failover
exposure per peer (negotiated hold/keepalive, BFD) against --blackhole-threshold."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv4Address

import pytest

from bgplb.audit.findings import Finding, Severity
from bgplb.audit.observations import (
    ClusterObservation,
    Observations,
    PeerLiveness,
    ProbeObservation,
    ProbeResult,
    RouterObservation,
)
from bgplb.audit.outcome import evaluate
from bgplb.audit.parse_cluster import lease_ages
from bgplb.audit.report import json_document
from bgplb.model import Site
from runbooks.audit import main
from tasks.audit_cluster import gather_cluster

from . import replay

LB = IPv4Address("198.18.100.10")
WORKER02 = IPv4Address("198.18.30.61")
PROBE_ERROR = "no answer (timeout or refused) x10"


def healthy() -> tuple[Site, Observations]:
    site = replay.site_for("healthy")
    return site, replay.observations("healthy", site)


def with_liveness(obs: Observations, peer: IPv4Address, live: PeerLiveness) -> Observations:
    router = obs.router
    assert isinstance(router, RouterObservation)
    sessions = tuple(
        dataclasses.replace(s, liveness=live) if s.peer == peer else s for s in router.sessions
    )
    return dataclasses.replace(obs, router=dataclasses.replace(router, sessions=sessions))


def with_dead_worker02(obs: Observations) -> Observations:
    """Every client's 30 requests: a third (those hashed to worker02) time out."""
    probes = []
    for p in obs.probes:
        assert isinstance(p, ProbeObservation)
        results = tuple(
            ProbeResult(r.target, r.port, 30, 20, {"master01": 10, "worker01": 10}, (PROBE_ERROR,))
            for r in p.results
        )
        probes.append(ProbeObservation(p.client, results))
    return dataclasses.replace(obs, probes=tuple(probes))


def with_node(obs: Observations, name: str, **changes: object) -> Observations:
    cluster = obs.cluster
    assert isinstance(cluster, ClusterObservation)
    nodes = tuple(
        dataclasses.replace(n, **changes) if n.name == name else n  # type: ignore[arg-type]
        for n in cluster.nodes
    )
    return dataclasses.replace(obs, cluster=dataclasses.replace(cluster, nodes=nodes))


def found(findings: tuple[Finding, ...], check: str, severity: Severity) -> list[Finding]:
    return [f for f in findings if f.check == check and f.severity is severity]


SILENT = PeerLiveness(last_read_s=25.0, hold_s=30.0, keepalive_s=10.0, bfd_status=None)


def test_silent_peer_is_an_error_from_router_data_alone() -> None:
    site, obs = healthy()
    obs = dataclasses.replace(
        with_liveness(obs, WORKER02, SILENT), probes=(), probe_requested=False
    )
    outcome = evaluate(site, obs)
    assert not outcome.ok
    (f,) = found(outcome.findings, "liveness", Severity.ERROR)
    assert f.object == "peer worker02 (198.18.30.61)"
    assert f.actual == "peer silent for 25 s; the router keeps routing to it for up to 5 s more"
    assert "Kubernetes: node worker02 Ready=True" in f.hint
    assert "speaker" in f.hint


def test_peer_heard_within_two_keepalives_passes() -> None:
    site, obs = healthy()
    live = dataclasses.replace(SILENT, last_read_s=20.0)  # exactly two keepalives: not yet
    outcome = evaluate(site, with_liveness(obs, WORKER02, live))
    assert not found(outcome.findings, "liveness", Severity.ERROR)


def test_silent_peer_of_a_not_ready_node_names_the_node_down() -> None:
    site, obs = healthy()
    obs = with_node(with_liveness(obs, WORKER02, SILENT), "worker02", ready=False, lease_age_s=44.0)
    (f,) = found(evaluate(site, obs).findings, "liveness", Severity.ERROR)
    assert f.hint.startswith("the node is down")
    assert "Lease renewed 44 s ago" in f.hint


def test_any_failed_probe_request_is_an_error_and_the_dead_hop_is_named() -> None:
    site, obs = healthy()
    outcome = evaluate(site, with_dead_worker02(obs))
    assert not outcome.ok
    errors = found(outcome.findings, "probe", Severity.ERROR)
    per_client = [f for f in errors if "->" in f.object]
    assert [f.actual.split(";")[0] for f in per_client] == ["20/30 answered"] * 3
    (hop,) = [f for f in errors if f.object.startswith("next hop")]
    assert hop.object == f"next hop worker02 (198.18.30.61) for {LB}"
    assert "answered none; 30 request(s)" in hop.actual
    assert "hash" not in hop.hint  # layer-4 hashing is on: never blame hashing


def test_dead_hop_hint_says_node_silent_when_the_router_has_not_heard_from_it() -> None:
    site, obs = healthy()
    obs = with_liveness(with_dead_worker02(obs), WORKER02, SILENT)
    (hop,) = [
        f
        for f in found(evaluate(site, obs).findings, "probe", Severity.ERROR)
        if f.object.startswith("next hop")
    ]
    assert hop.hint.startswith("node silent: no BGP message for 25 s")


def test_default_timers_warn_and_short_timers_or_bfd_pass() -> None:
    site, obs = healthy()
    (default,) = [
        f for f in evaluate(site, obs).findings if f.check == "failover" and "worker02" in f.object
    ]
    assert default.severity is Severity.WARNING
    assert default.actual == "up to 180 s (hold 180 s / keepalive 60 s, no BFD)"
    short = PeerLiveness(last_read_s=1.0, hold_s=9.0, keepalive_s=3.0, bfd_status=None)
    bfd = dataclasses.replace(SILENT, last_read_s=1.0, hold_s=180.0, bfd_status="Up")
    for live, actual in [(short, "up to 9 s (hold 9 s / keepalive 3 s)"), (bfd, "BFD up")]:
        (f,) = [
            f
            for f in evaluate(site, with_liveness(obs, WORKER02, live)).findings
            if f.check == "failover" and "worker02" in f.object
        ]
        assert (f.severity, f.actual) == (Severity.PASS, actual)


def test_threshold_is_an_option(capsys: pytest.CaptureFixture[str]) -> None:
    site, obs = healthy()
    warned = [f for f in evaluate(site, obs, 200.0).findings if f.check == "failover"]
    assert {f.severity for f in warned} == {Severity.PASS}
    with pytest.raises(SystemExit) as exit_:
        main(["--inventory", str(replay.TWIN), "--blackhole-threshold", "0"])
    assert exit_.value.code == 2
    assert "blackhole-threshold" in capsys.readouterr().err


def test_a_peer_without_liveness_data_is_an_error_not_a_pass() -> None:
    site, obs = healthy()
    router = obs.router
    assert isinstance(router, RouterObservation)
    sessions = tuple(dataclasses.replace(s, liveness=None) for s in router.sessions)
    obs = dataclasses.replace(obs, router=dataclasses.replace(router, sessions=sessions))
    errors = found(evaluate(site, obs).findings, "liveness", Severity.ERROR)
    assert len(errors) == 3
    assert all(f.actual == "not reported by the router driver" for f in errors)


def test_json_sessions_carry_the_timers_and_bfd() -> None:
    site, obs = healthy()
    live = PeerLiveness(last_read_s=1.0, hold_s=9.0, keepalive_s=3.0, bfd_status="Up")
    doc = json_document(evaluate(site, with_liveness(obs, WORKER02, live)))
    (peer,) = [s for s in doc["sessions"] if s["peer"] == str(WORKER02)]
    assert (peer["last_read_s"], peer["hold_s"], peer["keepalive_s"], peer["bfd"]) == (
        1.0,
        9.0,
        3.0,
        "Up",
    )


def test_lease_age_of_each_node_beside_ready() -> None:
    site, _ = healthy()
    doc = replay.read("healthy", "cluster.json")
    leases = {
        "items": [
            {
                "metadata": {"name": "worker02"},
                "spec": {"renewTime": "2026-12-06T04:00:00.000000Z"},
            },
            {
                "metadata": {"name": "worker01"},
                "spec": {"renewTime": "2026-12-06T04:00:40.500000Z"},
            },
        ]
    }
    doc = {**doc, "leases": leases}
    cluster = gather_cluster(
        replay.FakeCore(doc),
        replay.FakeDiscovery(doc),
        replay.FakeCustom(doc),
        site,
        replay.FakeCoordination(doc),
    )
    ages = {n.name: n.lease_age_s for n in cluster.nodes}
    assert ages["master01"] is None  # no Lease: unknown, not 0
    assert ages["worker02"] is not None and ages["worker01"] is not None
    assert ages["worker02"] - ages["worker01"] == pytest.approx(40.5)
    assert lease_ages(leases, "2026-12-06T04:00:44Z") == {"worker02": 44.0, "worker01": 3.5}
    assert lease_ages(leases, None) == {}
