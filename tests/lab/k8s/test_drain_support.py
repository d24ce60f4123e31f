"""What the drain needs from the emulated API server: MetalLB's cordon semantics by version,
peer node-selectors on a drain label, and the eviction subresource with PodDisruptionBudgets."""

from __future__ import annotations

import copy
import json

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from lab.k8s.announcer import read_events
from tests.lab.k8s.conftest import MANIFESTS, Cluster, load_docs, wait_until
from tests.lab.k8s.test_metallb import ALL, CM_096, CRS_0149, NGINX, service, speakers_running

pytestmark = pytest.mark.twin  # the emulated Kubernetes API server

IP = "198.18.100.10"
MERGE = "application/merge-patch+json"


def _install_096(c: Cluster, config: dict[str, object] = CM_096) -> None:
    c.apply(load_docs(MANIFESTS / "metallb-v0.9.6/namespace.yaml"))
    c.apply(load_docs(MANIFESTS / "metallb-v0.9.6/metallb.yaml"))
    c.core.create_namespaced_secret(
        "metallb-system",
        client.V1Secret(
            metadata=client.V1ObjectMeta(name="memberlist"), string_data={"secretkey": "k"}
        ),
    )
    c.apply([config, *NGINX, service(IP)])


def _cordon(c: Cluster, node: str, on: bool = True) -> None:
    c.core.patch_node(node, {"spec": {"unschedulable": on or None}}, _content_type=MERGE)


def test_0149_withdraws_from_a_cordoned_node_and_keeps_its_session(fresh: Cluster) -> None:
    c = fresh
    c.apply(load_docs(MANIFESTS / "metallb-v0.14.9/metallb-native.yaml"))
    assert wait_until(lambda: speakers_running(c) == 3)
    c.apply([*CRS_0149, *NGINX, service(IP)])
    both = {("worker01", IP), ("worker02", IP)}
    assert wait_until(lambda: c.announced() == both)
    _cordon(c, "worker01")
    assert wait_until(lambda: c.announced() == {("worker02", IP)})
    assert ("worker01", "198.18.30.254", 64501, 64500) in c.peers()
    _cordon(c, "worker01", False)
    assert wait_until(lambda: c.announced() == both)


def test_096_keeps_announcing_from_a_cordoned_node(fresh: Cluster) -> None:
    c = fresh
    _install_096(c)
    every = {(n, IP) for n in ALL}
    assert wait_until(lambda: c.announced() == every)
    _cordon(c, "worker01")
    assert not wait_until(lambda: c.announced() != every, timeout=2.0)


def test_096_peer_node_selector_on_the_drain_label_unpeers_the_node(fresh: Cluster) -> None:
    c = fresh
    _install_096(c, _cm_with_drain_selector())
    assert wait_until(lambda: c.announced() == {(n, IP) for n in ALL})
    assert wait_until(lambda: {p[0] for p in c.peers()} == set(ALL))
    seen = len(_session_events(c))
    c.core.patch_node(
        "worker02", {"metadata": {"labels": {"bgplb.io/drained": "true"}}}, _content_type=MERGE
    )
    assert wait_until(lambda: c.announced() == {("master01", IP), ("worker01", IP)})
    assert {p[0] for p in c.peers()} == {"master01", "worker01"}
    # the peer's configuration did not change: only worker02's session closed
    assert [e for e in _session_events(c)[seen:] if e[1] != "worker02"] == []


def _cm_with_drain_selector() -> dict[str, object]:
    """CM_096 whose peer leaves out nodes labelled bgplb.io/drained."""
    cm = copy.deepcopy(CM_096)
    data = cm["data"]
    assert isinstance(data, dict)
    data["config"] = data["config"].replace(
        "  my-asn: 64500\n",
        "  my-asn: 64500\n  node-selectors:\n  - match-expressions:\n"
        "    - {key: bgplb.io/drained, operator: DoesNotExist}\n",
    )
    return cm


def _session_events(c: Cluster) -> list[tuple[str, str, str]]:
    return [e for e in read_events(c.state / "announcements.json") if e[0] in ("peer", "unpeer")]


def test_096_editing_a_peer_resets_its_session_on_every_node_it_selects(fresh: Cluster) -> None:
    """speaker/bgp_controller.go SetConfig (v0.9.6): a peer whose configuration changed in any
    way, node-selectors included, is a new peer: the old session is closed on every node."""
    c = fresh
    _install_096(c)
    assert wait_until(lambda: c.announced() == {(n, IP) for n in ALL})
    assert wait_until(lambda: {p[0] for p in c.peers()} == set(ALL))
    seen = len(_session_events(c))
    c.apply([_cm_with_drain_selector()])

    def reset_everywhere() -> bool:
        events = _session_events(c)[seen:]
        return all(("unpeer", n, "198.18.30.254") in events for n in ALL) and all(
            ("peer", n, "198.18.30.254") in events for n in ALL
        )

    assert wait_until(reset_everywhere), _session_events(c)[seen:]
    assert wait_until(lambda: {p[0] for p in c.peers()} == set(ALL))


def _pdb(min_available: int) -> dict[str, object]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "nginx", "namespace": "default"},
        "spec": {"minAvailable": min_available, "selector": {"matchLabels": {"app": "nginx"}}},
    }


def _pods(c: Cluster) -> list[client.V1Pod]:
    return list(c.core.list_namespaced_pod("default", label_selector="app=nginx").items)


def _uids(c: Cluster) -> set[str]:
    return {p.metadata.uid for p in _pods(c)}


def _ready(c: Cluster) -> int:
    return sum(
        1
        for p in _pods(c)
        if any(x.type == "Ready" and x.status == "True" for x in p.status.conditions or [])
    )


def _evict(c: Cluster, name: str, body_name: str | None = None) -> None:
    body = client.V1Eviction(
        metadata=client.V1ObjectMeta(name=body_name or name, namespace="default")
    )
    c.core.create_namespaced_pod_eviction(name, "default", body)


def _budget(c: Cluster) -> dict[str, object]:
    obj = c.dyn.resources.get(api_version="policy/v1", kind="PodDisruptionBudget").get(
        name="nginx", namespace="default"
    )
    status: dict[str, object] = obj.to_dict().get("status") or {}
    return status


def test_eviction_respects_the_pod_disruption_budget(fresh: Cluster) -> None:
    c = fresh
    c.apply([*NGINX, _pdb(2)])
    assert wait_until(lambda: _ready(c) == 2)
    assert wait_until(lambda: _budget(c).get("currentHealthy") == 2)
    assert _budget(c)["disruptionsAllowed"] == 0
    victim = _pods(c)[0].metadata.name
    with pytest.raises(ApiException) as err:
        _evict(c, victim)
    assert err.value.status == 429
    body = json.loads(err.value.body)
    assert body["reason"] == "TooManyRequests"
    assert body["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert body["details"]["causes"] == [
        {
            "reason": "DisruptionBudget",
            "message": "The disruption budget nginx needs 2 healthy pods and has 2 currently",
        }
    ]
    assert victim in {p.metadata.name for p in _pods(c)}
    # a budget of 1: one eviction is allowed; the next once the replacement is Ready (the
    # emulated kubelet starts it at once, so the 429 in between is not observable here)
    c.apply([_pdb(1)])
    assert wait_until(lambda: _budget(c).get("disruptionsAllowed") == 1)
    (first, first_uid), (second, second_uid) = ((p.metadata.name, p.metadata.uid) for p in _pods(c))
    _evict(c, first)
    assert first_uid not in _uids(c)  # gone (a replacement may reuse the name)
    assert wait_until(lambda: _ready(c) == 2 and _budget(c).get("disruptionsAllowed") == 1)
    _evict(c, second)
    assert second_uid not in _uids(c)


def test_eviction_errors(fresh: Cluster) -> None:
    c = fresh
    c.apply(NGINX)
    assert wait_until(lambda: _ready(c) == 2)
    name, uid = _pods(c)[0].metadata.name, _pods(c)[0].metadata.uid
    with pytest.raises(ApiException) as mismatch:
        _evict(c, name, body_name="other")
    assert mismatch.value.status == 400
    assert "does not match" in json.loads(mismatch.value.body)["message"]
    with pytest.raises(ApiException) as missing:
        _evict(c, "no-such-pod")
    assert missing.value.status == 404
    _evict(c, name)  # no budget: evicted at once
    assert uid not in _uids(c)
