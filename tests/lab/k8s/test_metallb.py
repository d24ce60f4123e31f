"""Emulated MetalLB by version: dialect, memberlist, exclusion label, traffic policy, withdraw."""

from __future__ import annotations

import json

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.lab.k8s.conftest import MANIFESTS, Cluster, load_docs, wait_until

pytestmark = pytest.mark.twin  # the emulated Kubernetes API server

NGINX = [
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "nginx-deployment",
            "namespace": "default",
            "labels": {"app": "nginx"},
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {
                    "containers": [
                        {"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}]}
                    ]
                },
            },
        },
    },
]


def service(
    ip: str | None = None, policy: str = "Cluster", annotation: str | None = None
) -> dict[str, object]:
    spec: dict[str, object] = {
        "type": "LoadBalancer",
        "selector": {"app": "nginx"},
        "externalTrafficPolicy": policy,
        "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 80}],
    }
    if ip:
        spec["loadBalancerIP"] = ip
    meta: dict[str, object] = {"name": "my-service", "namespace": "default"}
    if annotation:
        meta["annotations"] = {"metallb.universe.tf/loadBalancerIPs": annotation}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


CM_096 = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "config", "namespace": "metallb-system"},
    "data": {
        "config": "peers:\n- peer-address: 198.18.30.254\n  peer-asn: 64501\n  my-asn: 64500\n"
        "address-pools:\n- name: default\n  protocol: bgp\n  avoid-buggy-ips: true\n"
        "  addresses:\n  - 198.18.100.0/24\n"
    },
}
CRS_0149 = [
    {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "IPAddressPool",
        "metadata": {"name": "default", "namespace": "metallb-system"},
        "spec": {"addresses": ["198.18.100.0/24"], "avoidBuggyIPs": True},
    },
    {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "BGPAdvertisement",
        "metadata": {"name": "default", "namespace": "metallb-system"},
    },
    {
        "apiVersion": "metallb.io/v1beta2",
        "kind": "BGPPeer",
        "metadata": {"name": "vyos", "namespace": "metallb-system"},
        "spec": {"peerAddress": "198.18.30.254", "peerASN": 64501, "myASN": 64500},
    },
]
ALL = {"master01", "worker01", "worker02"}


def lb_ip(c: Cluster) -> str | None:
    ing = c.core.read_namespaced_service("my-service", "default").status.load_balancer.ingress
    return ing[0].ip if ing else None


def speakers_running(c: Cluster) -> int:
    pods = c.core.list_namespaced_pod("metallb-system", label_selector="component=speaker").items
    return sum(1 for p in pods if p.status.phase == "Running")


def test_096_needs_memberlist_then_announces_from_every_node(fresh: Cluster) -> None:
    c = fresh
    c.apply(load_docs(MANIFESTS / "metallb-v0.9.6/namespace.yaml"))
    c.apply(load_docs(MANIFESTS / "metallb-v0.9.6/metallb.yaml"))
    c.apply([CM_096, *NGINX, service("198.18.100.10")])
    assert wait_until(lambda: lb_ip(c) == "198.18.100.10")
    pods = c.core.list_namespaced_pod("metallb-system", label_selector="component=speaker").items
    assert len(pods) == 3
    waiting = pods[0].status.container_statuses[0].state.waiting
    assert waiting.reason == "CreateContainerConfigError"
    assert c.announced() == set()
    c.core.create_namespaced_secret(
        "metallb-system",
        client.V1Secret(
            metadata=client.V1ObjectMeta(name="memberlist"), string_data={"secretkey": "k"}
        ),
    )
    want = {(n, "198.18.100.10") for n in ALL}
    assert wait_until(lambda: c.announced() == want)
    assert c.peers() == {(n, "198.18.30.254", 64501, 64500) for n in ALL}
    c.core.delete_namespaced_service("my-service", "default")
    assert wait_until(lambda: c.announced() == set())


def _install_0149(c: Cluster) -> None:
    c.apply(load_docs(MANIFESTS / "metallb-v0.14.9/metallb-native.yaml"))
    assert wait_until(lambda: speakers_running(c) == 3)


def test_0149_webhook_gates_crs_until_the_controller_runs(fresh: Cluster) -> None:
    c = fresh
    docs = load_docs(MANIFESTS / "metallb-v0.14.9/metallb-native.yaml")
    c.apply([d for d in docs if d["kind"] != "Deployment"])
    with pytest.raises(ApiException) as err:
        c.apply(CRS_0149[:1])
    body = json.loads(err.value.body)
    assert err.value.status == 500
    assert 'no endpoints available for service "metallb-webhook-service"' in body["message"]
    c.apply(docs)
    assert wait_until(lambda: _applies(c))


def _applies(c: Cluster) -> bool:
    try:
        c.apply(CRS_0149[:1])
    except ApiException:
        return False
    return True


def test_0149_excludes_the_control_plane_and_honours_annotation(fresh: Cluster) -> None:
    c = fresh
    _install_0149(c)
    c.apply([*CRS_0149, *NGINX, service(annotation="198.18.100.20")])
    assert wait_until(
        lambda: c.announced() == {("worker01", "198.18.100.20"), ("worker02", "198.18.100.20")}
    )
    svc = c.core.read_namespaced_service("my-service", "default")
    assert svc.metadata.annotations["metallb.universe.tf/ip-allocated-from-pool"] == "default"
    assert c.core.read_namespaced_secret("memberlist", "metallb-system").data["secretkey"]


def test_0149_local_policy_announces_only_where_endpoints_are(fresh: Cluster) -> None:
    c = fresh
    _install_0149(c)
    one = [{**NGINX[0], "spec": {**NGINX[0]["spec"], "replicas": 1}}]  # type: ignore[dict-item]
    c.apply([*CRS_0149, *one, service(policy="Local")])
    assert wait_until(lambda: len(c.announced()) == 1)
    pod = c.core.list_namespaced_pod("default", label_selector="app=nginx").items[0]
    assert c.announced() == {(pod.spec.node_name, "198.18.100.1")}


def test_0149_requested_ip_outside_pools_is_not_assigned(fresh: Cluster) -> None:
    c = fresh
    _install_0149(c)
    c.apply([*CRS_0149, *NGINX, service("198.18.101.5")])
    assert wait_until(
        lambda: any(
            e.reason == "AllocationFailed" for e in c.core.list_namespaced_event("default").items
        )
    )
    assert lb_ip(c) is None
    assert c.announced() == set()


def test_worker_reset_withdraws_its_route(fresh: Cluster) -> None:
    from lab.k8s import kubeadm_backend as kb

    c = fresh
    _install_0149(c)
    c.apply([*CRS_0149, *NGINX, service("198.18.100.10")])
    assert wait_until(lambda: len(c.announced()) == 2)
    kb.reset_node(c.state, "worker02")
    assert wait_until(lambda: c.announced() == {("worker01", "198.18.100.10")})


def test_0161_frr_mode_announces_from_the_workers(fresh: Cluster) -> None:
    """MetalLB 0.16.1 in FRR mode (the stand-in of metallb-frr.yaml: speaker with its frr,
    reloader and frr-metrics containers) on the twin: the same CRs, the same announcements."""
    c = fresh
    docs = load_docs(MANIFESTS / "metallb-v0.16.1/metallb-frr.yaml")
    speaker = next(d for d in docs if d["kind"] == "DaemonSet")
    names = [x["name"] for x in speaker["spec"]["template"]["spec"]["containers"]]
    assert {"speaker", "frr", "reloader", "frr-metrics"} <= set(names)
    c.apply(docs)
    assert wait_until(lambda: speakers_running(c) == 3)
    c.apply([*CRS_0149, *NGINX, service("198.18.100.10")])
    want = {("worker01", "198.18.100.10"), ("worker02", "198.18.100.10")}
    assert wait_until(lambda: c.announced() == want)
    assert c.peers() == {(n, "198.18.30.254", 64501, 64500) for n in ALL}
