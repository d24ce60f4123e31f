"""tasks.audit_gather through real Nornir: injected router and client connections, fake
Kubernetes APIs. Covers the phase-1/phase-2 wiring, failure mapping and --limit skips."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from nornir.core import Nornir

import tasks.audit_cluster
import tasks.audit_gather
from bgplb.audit.observations import (
    ClusterObservation,
    GatherFailure,
    ProbeObservation,
    RouterObservation,
)
from bgplb.model import Site
from bgplb.nornir_init import init_nornir
from tasks.audit_gather import GatherOptions, gather_with_nornir

from . import replay


class Injected:
    def __init__(self, device: Any) -> None:
        self.connection = device

    def close(self) -> None:
        pass


class FakeClientShell:
    """netmiko's send_command on a client: answers like the twin's self-naming backends."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    def send_command(self, command_string: str, **kw: Any) -> str:
        self.commands.append(command_string)
        return '{"node": "worker01"}\n@@200\n' * 4


@pytest.fixture(autouse=True)
def lab_password(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BGPLB_LAB_PASSWORD", "lab-pass-123")
    yield


def wire(monkeypatch: pytest.MonkeyPatch, router_doc: dict[str, Any], kube_fails: bool) -> None:
    shells: dict[str, FakeClientShell] = {}

    def nornir(site: Site, hosts: set[str], processors: list[Any] | None) -> Nornir:
        nr = init_nornir(site, hosts)
        for name, host in nr.inventory.hosts.items():
            if name == site.router.name:
                host.connections["napalm"] = Injected(replay.FakeDevice(router_doc))  # type: ignore[assignment]
            else:
                shells[name] = FakeClientShell()
                # only the shell connection the inventory chose (inventory/lab: lab_netns)
                conn = site.logins[name].shell
                host.connections[conn] = Injected(shells[name])  # type: ignore[assignment]
        return nr

    def apis(site: Site) -> tuple[Any, Any, Any]:
        if kube_fails:
            raise RuntimeError("kubeconfig: no such file")
        doc = replay.read("healthy", "cluster.json")
        return (
            replay.FakeCore(doc),
            replay.FakeDiscovery(doc),
            replay.FakeCustom(doc),
            replay.FakeCoordination(doc),
        )

    monkeypatch.setattr(tasks.audit_gather, "_nornir", nornir)
    monkeypatch.setattr(tasks.audit_cluster, "kube_apis", apis)


def test_everything_gathered(monkeypatch: pytest.MonkeyPatch) -> None:
    site = replay.site_for("healthy")
    wire(monkeypatch, replay.read("healthy", "router.json"), kube_fails=False)
    obs = gather_with_nornir(site, set(site.host_names), GatherOptions(flows=30, requests=4))
    assert isinstance(obs.router, RouterObservation) and len(obs.router.flows) == 30
    assert isinstance(obs.cluster, ClusterObservation)
    assert [p.client for p in obs.probes if isinstance(p, ProbeObservation)] == [
        "c01",
        "c02",
        "c03",
    ]
    first = obs.probes[0]
    assert isinstance(first, ProbeObservation)
    assert (first.results[0].successes, dict(first.results[0].by_node)) == (4, {"worker01": 4})


def test_failed_source_is_a_gather_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    site = replay.site_for("healthy")
    wire(monkeypatch, replay.read("healthy", "router.json"), kube_fails=True)
    obs = gather_with_nornir(site, set(site.host_names), GatherOptions(probe=False))
    assert isinstance(obs.router, RouterObservation)
    assert isinstance(obs.cluster, GatherFailure) and not obs.cluster.skipped
    assert "kubeconfig: no such file" in obs.cluster.error
    assert obs.probes == ()


def test_limit_skips_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    site = replay.site_for("healthy")
    wire(monkeypatch, replay.read("healthy", "router.json"), kube_fails=False)
    obs = gather_with_nornir(site, {"vyos"}, GatherOptions(probe=True))
    assert isinstance(obs.router, RouterObservation)
    assert isinstance(obs.cluster, GatherFailure) and obs.cluster.skipped
    assert obs.probes == () and obs.probe_requested


def test_rounds_reuse_one_nornir_and_one_set_of_api_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--watch: the second round opens nothing new; close() closes what the rounds used."""
    site = replay.site_for("healthy")
    wire(monkeypatch, replay.read("healthy", "router.json"), kube_fails=False)
    made = {"nornir": 0, "apis": 0}
    nornir, apis = tasks.audit_gather._nornir, tasks.audit_cluster.kube_apis

    def counted_nornir(*a: Any) -> Nornir:
        made["nornir"] += 1
        return nornir(*a)

    def counted_apis(s: Site) -> tuple[Any, Any, Any]:
        made["apis"] += 1
        return apis(s)

    monkeypatch.setattr(tasks.audit_gather, "_nornir", counted_nornir)
    monkeypatch.setattr(tasks.audit_cluster, "kube_apis", counted_apis)
    with tasks.audit_gather.AuditGather(
        site, set(site.host_names), GatherOptions(flows=30, requests=4)
    ) as rounds:
        first, second = rounds(), rounds()
        assert isinstance(second.router, RouterObservation)
        assert isinstance(second.cluster, ClusterObservation)
        assert first.router == second.router
        assert made == {"nornir": 2, "apis": 1}, "phase 1 and the probe, once each"
        assert rounds.kube.apis is not None
    assert rounds.kube.apis is None
