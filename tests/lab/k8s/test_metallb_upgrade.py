"""Emulated MetalLB through an upgrade from 0.9.6 (ConfigMap) to 0.14.9 (CRDs), as upstream:
each speaker pod works in the dialect of its own image, the DaemonSet replaces pods as its
updateStrategy says (RollingUpdate: one node at a time; OnDelete: only a deleted pod), and a
replaced pod's sessions close before its successor opens its own."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from lab.k8s.announcer import read_events
from lab.k8s.server_process import stop_server
from tests.lab.k8s.conftest import MANIFESTS, Cluster, load_docs, start_cluster, wait_until
from tests.lab.k8s.test_metallb import ALL, CM_096, CRS_0149, NGINX, service

pytestmark = pytest.mark.twin  # the emulated Kubernetes API server

LB = "198.18.100.10"
PATIENCE = 30.0  # the controllers' passes under a loaded machine (returns as soon as true)


@pytest.fixture
def on_096(tmp_path: Path) -> Iterator[Cluster]:
    """MetalLB 0.9.6 announcing LB from every node."""
    c = start_cluster(tmp_path)
    try:
        c.apply(load_docs(MANIFESTS / "metallb-v0.9.6/namespace.yaml"))
        c.apply(load_docs(MANIFESTS / "metallb-v0.9.6/metallb.yaml"))
        c.core.create_namespaced_secret(
            "metallb-system",
            client.V1Secret(
                metadata=client.V1ObjectMeta(name="memberlist"), string_data={"secretkey": "k"}
            ),
        )
        c.apply([CM_096, *NGINX, service(LB)])
        assert wait_until(lambda: c.announced() == {(n, LB) for n in ALL}, PATIENCE)
        yield c
    finally:
        stop_server(tmp_path)


def _0149(strategy: str | None = None) -> list[dict[str, Any]]:
    docs = load_docs(MANIFESTS / "metallb-v0.14.9/metallb-native.yaml")
    out = []
    for d in docs:
        d = copy.deepcopy(d)  # noqa: PLW2901
        if d["kind"] == "DaemonSet" and strategy:
            d["spec"]["updateStrategy"] = {"type": strategy}  # type: ignore[index]
        out.append(d)
    return out


def _speaker_images(c: Cluster) -> dict[str, str]:
    pods = c.core.list_namespaced_pod("metallb-system", label_selector="component=speaker").items
    return {p.spec.node_name: p.spec.containers[0].image for p in pods}


def _events(c: Cluster) -> list[tuple[str, str, str]]:
    return read_events(c.state / "announcements.json")


def test_rolling_update_replaces_one_node_at_a_time(on_096: Cluster) -> None:
    c = on_096
    crds = [d for d in _0149() if d["kind"] == "CustomResourceDefinition"]
    c.apply(crds)
    c.apply(CRS_0149)  # no webhook yet: the 0.9.6 manifest has none
    # the old speakers ignore the CRs
    assert c.announced() == {(n, LB) for n in ALL}
    before = len(_events(c))
    c.apply(_0149())
    new = "quay.io/metallb/speaker:v0.14.9"
    assert wait_until(lambda: set(_speaker_images(c).values()) == {new}, PATIENCE)
    # 0.14.9 reads the CRs: the control plane carries the exclude label, so it stops announcing
    assert wait_until(lambda: c.announced() == {("worker01", LB), ("worker02", LB)}, PATIENCE)

    def sessions_now() -> list[tuple[str, str]]:
        return [(v, n) for v, n, _ in _events(c)[before:] if v in ("peer", "unpeer")]

    # the last node's pod replaced, its speaker's pass may still be to come
    assert wait_until(lambda: len(sessions_now()) >= 2 * len(ALL), PATIENCE), sessions_now()
    sessions = sessions_now()
    # each node's session closes and reopens before the next node's closes
    assert sessions == [(v, n) for n in sorted(ALL) for v in ("unpeer", "peer")], sessions


def test_on_delete_keeps_old_speakers_until_each_is_deleted(on_096: Cluster) -> None:
    c = on_096
    c.apply([d for d in _0149() if d["kind"] == "CustomResourceDefinition"])
    c.apply(CRS_0149)
    c.apply(_0149("OnDelete"))
    old = "metallb/speaker:v0.9.6"
    apps = client.AppsV1Api(c.api)

    def controller_ready() -> bool:
        dep = apps.read_namespaced_deployment("controller", "metallb-system")
        return bool(dep.status.ready_replicas == 1 and "v0.14.9" in str(dep.spec.template))

    assert wait_until(controller_ready, PATIENCE)
    assert set(_speaker_images(c).values()) == {old}
    assert c.announced() == {(n, LB) for n in ALL}
    before = len(_events(c))
    pod = next(
        p
        for p in c.core.list_namespaced_pod(
            "metallb-system", label_selector="component=speaker"
        ).items
        if p.spec.node_name == "worker01"
    )
    c.core.delete_namespaced_pod(pod.metadata.name, "metallb-system")
    assert wait_until(
        lambda: _speaker_images(c).get("worker01") == "quay.io/metallb/speaker:v0.14.9", PATIENCE
    )
    assert wait_until(
        lambda: ("peer", "worker01") in [(v, n) for v, n, _ in _events(c)[before:]], PATIENCE
    )
    assert c.announced() == {(n, LB) for n in ALL}
    changes = [(v, n) for v, n, _ in _events(c)[before:]]
    assert changes == [
        ("withdraw", "worker01"),
        ("unpeer", "worker01"),
        ("peer", "worker01"),
        ("announce", "worker01"),
    ]
    assert _speaker_images(c)["worker02"] == old
