"""Graceful pod deletion on the emulated API server (lab/k8s/termination.py): a pod with a
preStop sleep leaves its Service's endpoints at once and keeps its address and server until the
hook is over; a pod without one goes at once; a hook the twin cannot run is refused."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from lab.k8s.apiserver import DATAPATH_FILE
from lab.k8s.datapath import read_plans
from tests.lab.k8s.conftest import Cluster, wait_until
from tests.lab.k8s.test_metallb import NGINX, service

pytestmark = pytest.mark.twin  # the emulated Kubernetes API server

HOOK_S = 4


def _nginx(hook: dict[str, Any] | None) -> list[dict[str, object]]:
    docs = copy.deepcopy(NGINX)
    spec: Any = docs[0]["spec"]
    if hook is not None:
        spec["template"]["spec"]["containers"][0]["lifecycle"] = {"preStop": hook}
    return docs


def _pods(c: Cluster) -> dict[str, Any]:
    return {p.metadata.name: p for p in c.core.list_namespaced_pod("default").items}


def _uids(c: Cluster) -> set[str]:
    return {p.metadata.uid for p in _pods(c).values()}


def _endpoint_ips(c: Cluster) -> set[str]:
    ep = c.core.read_namespaced_endpoints("my-service", "default")
    return {a.ip for s in ep.subsets or [] for a in s.addresses or []}


def _served(c: Cluster, node: str) -> set[str]:
    """The pod addresses the node's data path holds, and those its servers answer on."""
    plan: Any = read_plans(c.state / DATAPATH_FILE).get(node) or {}
    return set(plan.get("local_pods") or []) & {b["ip"] for b in plan.get("backends") or []}


def _running(c: Cluster, n: int) -> bool:
    pods = _pods(c).values()
    return (
        sum(1 for p in pods if p.status.phase == "Running" and p.status.pod_ip) == n
        and len(_endpoint_ips(c)) == n
    )


def test_a_pod_with_a_prestop_sleep_serves_until_it_is_over_out_of_its_endpoints(
    fresh: Cluster,
) -> None:
    c = fresh
    c.apply([*_nginx({"exec": {"command": ["sleep", str(HOOK_S)]}}), service("198.18.100.10")])
    assert wait_until(lambda: _running(c, 2), timeout=10)
    name, pod = sorted(_pods(c).items())[0]
    ip, node, uid = pod.status.pod_ip, pod.spec.node_name, pod.metadata.uid

    asked = time.monotonic()
    gone = c.core.delete_namespaced_pod(name, "default")
    assert gone.metadata.deletion_timestamp is not None
    assert gone.metadata.deletion_grace_period_seconds == 30  # spec.terminationGracePeriodSeconds
    assert wait_until(lambda: ip not in _endpoint_ips(c))
    assert uid in _uids(c), "terminating, not gone"
    assert ip in _served(c, node), "its server answers what was already sent to it"

    assert wait_until(lambda: uid not in _uids(c), timeout=HOOK_S + 5)
    assert time.monotonic() - asked >= HOOK_S, "not before its hook was over"
    assert wait_until(lambda: ip not in _served(c, node))


def test_a_pod_without_a_hook_goes_at_once(fresh: Cluster) -> None:
    c = fresh
    c.apply([*_nginx(None), service("198.18.100.10")])
    assert wait_until(lambda: _running(c, 2), timeout=10)
    name, pod = sorted(_pods(c).items())[0]
    c.core.delete_namespaced_pod(name, "default")
    assert pod.metadata.uid not in _uids(c)  # (a replacement may reuse the name)


def test_grace_period_zero_is_a_force_delete(fresh: Cluster) -> None:
    c = fresh
    c.apply([*_nginx({"exec": {"command": ["sleep", "60"]}}), service("198.18.100.10")])
    assert wait_until(lambda: _running(c, 2), timeout=10)
    name, pod = sorted(_pods(c).items())[0]
    c.core.delete_namespaced_pod(name, "default", grace_period_seconds=0)
    assert pod.metadata.uid not in _uids(c)


def test_an_eviction_is_graceful_too(fresh: Cluster) -> None:
    c = fresh
    c.apply([*_nginx({"exec": {"command": ["/bin/sh", "-c", "sleep 3"]}}), service()])
    assert wait_until(lambda: _running(c, 2), timeout=10)
    name, pod = sorted(_pods(c).items())[0]
    c.core.create_namespaced_pod_eviction(
        name,
        "default",
        client.V1Eviction(metadata=client.V1ObjectMeta(name=name, namespace="default")),
    )
    assert _pods(c)[name].metadata.deletion_timestamp is not None
    assert wait_until(lambda: pod.metadata.uid not in _uids(c), timeout=10)


@pytest.mark.parametrize(
    "hook",
    [
        {"exec": {"command": ["nginx", "-s", "quit"]}},
        {"httpGet": {"path": "/drain", "port": 80}},
        {"exec": {"command": ["sh", "-c", "sleep 5; nginx -s quit"]}},
    ],
)
def test_a_hook_the_twin_cannot_run_is_refused(fresh: Cluster, hook: dict[str, Any]) -> None:
    pod = copy.deepcopy(NGINX[0]["spec"]["template"])  # type: ignore[index]
    pod["metadata"] = {"name": "hooked", "namespace": "default"}
    pod["spec"]["containers"][0]["lifecycle"] = {"preStop": hook}
    with pytest.raises(ApiException) as err:
        fresh.core.create_namespaced_pod("default", pod)
    assert err.value.status == 422
    assert "spec.containers[0].lifecycle.preStop" in str(err.value.body)
    assert "only preStop it emulates is a sleep" in str(err.value.body)
