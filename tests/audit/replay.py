"""Replay recorded scenarios (tests/audit/scenarios/<name>/) through the real gather code.

The router's answers go through tasks.audit_router.gather_router via a fake NAPALM device,
the cluster's through tasks.audit_cluster.gather_cluster via fake Kubernetes APIs, so the
tests cover the gather logic (what is asked, in how many calls) as well as the checks.
"""

from __future__ import annotations

import dataclasses
import json
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from bgplb.audit.observations import (
    ClusterObservation,
    GatherFailure,
    Observations,
    ProbeObservation,
    RouterObservation,
)
from bgplb.audit.probe import ProbeTarget, parse_probe
from bgplb.model import Site, load_site
from tasks.audit_cluster import gather_cluster
from tasks.audit_router import gather_router

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
REPO = HERE.parents[1]
TWIN = REPO / "inventory" / "lab"


def scenario_names() -> list[str]:
    return sorted(p.parent.name for p in SCENARIOS.glob("*/expected.json"))


def read(name: str, file: str) -> Any:
    return json.loads((SCENARIOS / name / file).read_text())


def site_for(name: str) -> Site:
    site = load_site(TWIN)
    path = SCENARIOS / name / "site.json"
    if path.exists():
        over = json.loads(path.read_text())
        if "metallb_version" in over:
            metallb = site.metallb.model_copy(update={"version": over["metallb_version"]})
            site = dataclasses.replace(site, metallb=metallb)
    return site


class FakeDevice:
    """A bgplb_vyos driver answering from router.json; counts round trips."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.calls: list[str] = []

    def get_bgp_neighbors(self) -> dict[str, Any]:
        self.calls.append("get_bgp_neighbors")
        return dict(self.doc["get_bgp_neighbors"])

    def get_bgp_neighbors_detail(self, neighbor_address: str = "") -> dict[str, Any]:
        self.calls.append("get_bgp_neighbors_detail")
        return dict(self.doc["get_bgp_neighbors_detail"])

    def get_bgp_peer_liveness(self) -> dict[str, Any]:
        self.calls.append("get_bgp_peer_liveness")
        return dict(self.doc["get_bgp_peer_liveness"])

    def get_route_to(
        self, destination: str = "", protocol: str = "", longer: bool = False
    ) -> dict[str, Any]:
        self.calls.append(f"get_route_to {destination} {protocol} longer={longer}")
        assert protocol == "bgp" and longer, "the audit asks for a pool's BGP routes, longer"
        return dict(self.doc["get_route_to"][destination])

    def cli(self, commands: list[str]) -> dict[str, str]:
        self.calls.append(f"cli x{len(commands)}")
        return {c: self.doc["cli"][c] for c in commands}


class ApiError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"({status}) Reason: Not Found")
        self.status = status


class FakeCore:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def list_node(self, **kw: Any) -> Any:
        return self.doc["nodes"]

    def list_namespaced_pod(self, namespace: str, **kw: Any) -> Any:
        assert namespace == "metallb-system"
        return self.doc["pods"]

    def read_namespaced_config_map(self, name: str, namespace: str, **kw: Any) -> Any:
        if self.doc.get("configmap") is None:
            raise ApiError(404)
        return self.doc["configmap"]

    def list_service_for_all_namespaces(self, **kw: Any) -> Any:
        return self.doc["services"]


class FakeDiscovery:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def list_endpoint_slice_for_all_namespaces(self, **kw: Any) -> Any:
        return self.doc["endpointslices"]


class FakeCoordination:
    """Leases of kube-node-lease from cluster.json `leases` (none recorded: an empty list)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def list_namespaced_lease(self, namespace: str, **kw: Any) -> Any:
        assert namespace == "kube-node-lease"
        return self.doc.get("leases", {"items": []})


class FakeCustom:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.asked: list[tuple[str, str]] = []

    def list_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, **kw: Any
    ) -> Any:
        self.asked.append((plural, version))
        if plural not in self.doc:
            raise ApiError(404)
        return self.doc[plural]


def router_of(name: str, site: Site) -> RouterObservation | GatherFailure:
    doc = read(name, "router.json")
    if "failure" in doc:
        return GatherFailure("router", doc["host"], doc["failure"])
    return gather_router(FakeDevice(doc), site, doc["host"], doc["flows_per_destination"])


def cluster_of(name: str, site: Site) -> ClusterObservation | GatherFailure:
    doc = read(name, "cluster.json")
    if "failure" in doc:
        return GatherFailure("cluster", doc["host"], doc["failure"])
    return gather_cluster(FakeCore(doc), FakeDiscovery(doc), FakeCustom(doc), site)


def probes_of(name: str) -> tuple[ProbeObservation, ...]:
    path = SCENARIOS / name / "probe.json"
    if not path.exists():
        return ()
    doc = json.loads(path.read_text())
    out = []
    for client, answers in sorted(doc["outputs"].items()):
        results = []
        for target, text in answers.items():
            ip, port = target.split(":")
            t = ProbeTarget(IPv4Address(ip), int(port))
            results.append(parse_probe(t, doc["requests"], text))
        out.append(ProbeObservation(client, tuple(results)))
    return tuple(out)


def observations(name: str, site: Site | None = None) -> Observations:
    site = site or site_for(name)
    probes = probes_of(name)
    return Observations(
        router=router_of(name, site),
        cluster=cluster_of(name, site),
        probes=probes,
        probe_requested=bool(probes),
    )
