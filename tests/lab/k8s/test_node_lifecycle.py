"""The emulated node lifecycle: a running kubelet that cannot reach the API server (its node's
link cut) stops heartbeating; its Node turns Unknown once its Lease is older than the node
monitor's grace period (kube-controller-manager: 40 s, 50 s from 1.32), and its pods turn not
Ready, so their endpoints leave kube-proxy's rules; reachable again, all comes back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lab.k8s.announcer import RecordingAnnouncer
from lab.k8s.apiserver import CONTROLLERS, build_world
from lab.k8s.cluster_info import ClusterInfo
from lab.k8s.controllers.base import World
from lab.k8s.controllers.housekeeping import (
    LEASE_NAMESPACE,
    LEASES,
    NODES,
    node_monitor_grace_s,
    nodes,
)
from lab.k8s.datapath import RecordingDataPath
from lab.k8s.kubelets import Kubelet, write_kubelet


class CutPath(RecordingDataPath):
    """The data path of a twin whose `cut` nodes cannot reach the API server."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.cut: set[str] = set()

    def reaches_api(self, node: str) -> bool:
        return node not in self.cut


def world(tmp_path: Path) -> tuple[World, CutPath]:
    cluster = ClusterInfo(
        inventory="",
        version="1.21.1",
        pod_cidr="198.18.50.0/24",
        service_cidr="198.18.60.0/24",
        endpoint="k8s",
        control_plane="worker01",
        advertise_address="198.18.30.50",
        port=6443,
        listen="198.18.30.50:6443",
        netns=None,
        token="t",
    )
    path = CutPath(tmp_path / "datapath.json")
    _, w = build_world(tmp_path, cluster, RecordingAnnouncer(tmp_path / "rec.json"), path)
    write_kubelet(tmp_path, Kubelet("worker02", "198.18.30.61", control_plane=False))
    return w, path


def settle(w: World) -> None:
    """Every controller, a few passes (the system namespaces, the Node, its Lease)."""
    for _ in range(3):
        for _name, controller in CONTROLLERS:
            controller(w)


def ready(w: World) -> str:
    node = w.store.get(NODES, "", "worker02")
    assert node is not None
    conds = node["status"]["conditions"]
    return str(next(c["status"] for c in conds if c["type"] == "Ready"))


def age_lease(w: World, seconds: float) -> None:
    lease = w.store.get(LEASES, LEASE_NAMESPACE, "worker02")
    assert lease is not None
    when = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    renewed = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    w.store.update(LEASES, {**lease, "spec": {**lease["spec"], "renewTime": renewed}})


def test_a_cut_node_goes_unknown_after_the_grace_period_and_back(tmp_path: Path) -> None:
    w, path = world(tmp_path)
    settle(w)
    assert ready(w) == "True"
    path.cut.add("worker02")
    age_lease(w, 30)
    nodes(w)
    assert ready(w) == "True"  # within the grace period the node is still Ready
    age_lease(w, 41)
    nodes(w)
    assert ready(w) == "Unknown"
    path.cut.clear()
    nodes(w)
    assert ready(w) == "True"


def test_a_reachable_node_keeps_renewing_its_lease(tmp_path: Path) -> None:
    w, _ = world(tmp_path)
    settle(w)
    age_lease(w, 41)
    nodes(w)  # renews: the kubelet posts
    assert ready(w) == "True"
    lease = w.store.get(LEASES, LEASE_NAMESPACE, "worker02")
    assert lease is not None


def test_grace_period_by_version() -> None:
    assert node_monitor_grace_s((1, 21)) == 40
    assert node_monitor_grace_s((1, 33)) == 50
