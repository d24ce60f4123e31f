"""The API surface through the official client: TLS, discovery, CRUD, selectors, Statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError

from lab.k8s import kubeadm_backend as kb
from tests.lab.k8s.conftest import MANIFESTS, Cluster, load_docs, start_cluster, wait_until

pytestmark = pytest.mark.twin  # the emulated Kubernetes API server


def test_admin_conf_names_the_endpoint(cluster: Cluster) -> None:
    text = kb.admin_conf(cluster.state).read_text()
    assert "server: https://k8s-cluster.example.com:" in text
    assert "client-certificate-data" in text


def test_tls_is_verified_against_the_cluster_ca(cluster: Cluster) -> None:
    cfg = client.Configuration()
    config.load_kube_config(str(kb.direct_conf(cluster.state)), client_configuration=cfg)
    cfg.tls_server_name = "not-the-endpoint.example.com"
    with pytest.raises(Exception, match=r"certificate|hostname|SSL"):
        client.VersionApi(client.ApiClient(cfg)).get_code()


def test_version_and_discovery(cluster: Cluster) -> None:
    assert client.VersionApi(cluster.api).get_code().git_version == "v1.21.1"
    groups = {g.name for g in client.ApisApi(cluster.api).get_api_versions().groups}
    assert {"apps", "discovery.k8s.io", "policy", "rbac.authorization.k8s.io"} <= groups
    core = client.CoreV1Api(cluster.api).get_api_resources()
    names = {r.name for r in core.resources}
    assert {"pods", "pods/status", "services", "endpoints", "nodes", "secrets"} <= names


def test_nodes_join_and_turn_ready(cluster: Cluster) -> None:
    def ready() -> dict[str, str]:
        return {
            n.metadata.name: next(c.status for c in n.status.conditions if c.type == "Ready")
            for n in cluster.core.list_node().items
        }

    assert wait_until(
        lambda: ready() == {"master01": "True", "worker01": "True", "worker02": "True"}
    )
    master = cluster.core.read_node("master01")
    assert "node.kubernetes.io/exclude-from-external-load-balancers" in master.metadata.labels
    assert master.spec.taints[0].key == "node-role.kubernetes.io/master"


def test_running_kubelets_renew_their_leases(cluster: Cluster) -> None:
    """kube-node-lease holds one Lease per running kubelet, renewed (the audit's Lease age)."""
    coordination = client.CoordinationV1Api(cluster.api)

    def holders() -> set[str]:
        leases = coordination.list_namespaced_lease("kube-node-lease").items
        return {lease.spec.holder_identity for lease in leases if lease.spec.renew_time}

    assert wait_until(lambda: holders() == {"master01", "worker01", "worker02"})
    lease = coordination.read_namespaced_lease("worker01", "kube-node-lease")
    assert lease.spec.lease_duration_seconds == 40


def test_unknown_resource_is_a_404_status(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as err:
        cluster.dyn.request("GET", "/apis/example.com/v1/namespaces/default/widgets")
    assert err.value.status == 404
    body = json.loads(err.value.body)
    assert body["kind"] == "Status"
    assert body["reason"] == "NotFound"
    assert body["message"] == "the server could not find the requested resource"
    with pytest.raises(ApiException) as err:
        cluster.dyn.request("GET", "/api/v1/namespaces/default/widgets")
    assert err.value.status == 404


def test_missing_object_is_a_404_status(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as err:
        cluster.core.read_namespaced_service("nope", "default")
    body = json.loads(err.value.body)
    assert (err.value.status, body["reason"], body["message"]) == (
        404,
        "NotFound",
        'services "nope" not found',
    )


def test_invalid_object_is_a_422_status(cluster: Cluster) -> None:
    svc = client.V1Service(metadata=client.V1ObjectMeta(name="bad"), spec=client.V1ServiceSpec())
    with pytest.raises(ApiException) as err:
        cluster.core.create_namespaced_service("default", svc)
    body = json.loads(err.value.body)
    assert err.value.status == 422
    assert body["reason"] == "Invalid"
    assert body["message"] == 'Service "bad" is invalid: spec.ports: Required value'


def test_create_secret_then_already_exists(cluster: Cluster) -> None:
    secret = client.V1Secret(
        metadata=client.V1ObjectMeta(name="s1"), string_data={"secretkey": "abc"}
    )
    made = cluster.core.create_namespaced_secret("default", secret)
    assert made.data == {"secretkey": "YWJj"}
    assert made.type == "Opaque"
    with pytest.raises(ApiException) as err:
        cluster.core.create_namespaced_secret("default", secret)
    assert err.value.status == 409
    assert json.loads(err.value.body)["reason"] == "AlreadyExists"


def test_create_in_missing_namespace_fails(cluster: Cluster) -> None:
    cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="x"), data={"a": "b"})
    with pytest.raises(ApiException) as err:
        cluster.core.create_namespaced_config_map("no-such-ns", cm)
    assert json.loads(err.value.body)["message"] == 'namespaces "no-such-ns" not found'


def test_selectors_on_pods(cluster: Cluster) -> None:
    cluster.apply(
        [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2"}]},
                    },
                },
            },
        ]
    )

    def running() -> list[client.V1Pod]:
        pods = cluster.core.list_namespaced_pod("default", label_selector="app=web").items
        return [p for p in pods if p.status.phase == "Running"]

    assert wait_until(lambda: len(running()) == 2)
    pods = running()
    assert {p.spec.node_name for p in pods} == {"worker01", "worker02"}
    assert all(p.status.pod_ip.startswith("198.18.50.") for p in pods)
    on_w1 = cluster.core.list_namespaced_pod(
        "default", label_selector="app in (web)", field_selector="spec.nodeName=worker01"
    ).items
    assert [p.spec.node_name for p in on_w1] == ["worker01"]
    with pytest.raises(ApiException) as err:
        cluster.core.list_namespaced_pod("default", field_selector="spec.bogus=1")
    assert err.value.status == 400
    assert json.loads(err.value.body)["message"] == "field label not supported: spec.bogus"


def test_services_endpoints_and_slices(cluster: Cluster) -> None:
    cluster.apply(
        [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "echo", "namespace": "default"},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": "echo"}},
                    "template": {
                        "metadata": {"labels": {"app": "echo"}},
                        "spec": {"containers": [{"name": "e", "image": "echo:1"}]},
                    },
                },
            },
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "echo", "namespace": "default"},
                "spec": {"selector": {"app": "echo"}, "ports": [{"port": 80, "targetPort": 8080}]},
            },
        ]
    )

    def addresses() -> list[str]:
        ep = cluster.core.read_namespaced_endpoints("echo", "default")
        return [a.ip for s in ep.subsets or [] for a in s.addresses or []]

    assert wait_until(lambda: len(addresses()) == 1)
    svcs = cluster.core.list_service_for_all_namespaces().items
    assert {("default", "kubernetes"), ("default", "echo"), ("kube-system", "kube-dns")} <= {
        (s.metadata.namespace, s.metadata.name) for s in svcs
    }
    slices = (
        client.DiscoveryV1Api(cluster.api)
        .list_namespaced_endpoint_slice("default", label_selector="kubernetes.io/service-name=echo")
        .items
    )
    assert [e.addresses for e in slices[0].endpoints] == [addresses()]
    assert slices[0].ports[0].port == 8080


def test_apply_twice_changes_nothing(cluster: Cluster) -> None:
    docs = load_docs(MANIFESTS / "metallb-v0.14.9/metallb-native.yaml")
    cluster.apply(docs)

    def versions() -> list[str]:
        out = []
        for d in docs:
            res = cluster.dyn.resources.get(api_version=d["apiVersion"], kind=d["kind"])
            obj = res.get(name=d["metadata"]["name"], namespace=d["metadata"].get("namespace"))
            out.append(obj.metadata.resourceVersion)
        return out

    assert wait_until(lambda: versions() == versions(), timeout=3)
    before = versions()
    again = cluster.apply(docs)
    assert [o.metadata.resourceVersion for o in again] == before
    assert versions() == before
    # the CRDs became discoverable and their objects servable
    pools = cluster.dyn.resources.get(api_version="metallb.io/v1beta1", kind="IPAddressPool")
    assert pools.get(namespace="metallb-system").items == []
    with pytest.raises(NotFoundError):
        pools.get(name="nothing", namespace="metallb-system")


def test_apply_conflict_needs_force(cluster: Cluster) -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "owned", "namespace": "default"},
        "data": {"k": "a"},
    }
    cluster.apply([cm], manager="one")
    res = cluster.dyn.resources.get(api_version="v1", kind="ConfigMap")
    changed = {**cm, "data": {"k": "b"}}
    with pytest.raises(ApiException) as err:
        res.server_side_apply(body=changed, namespace="default", field_manager="two")
    assert err.value.status == 409
    assert 'conflict with "one"' in json.loads(err.value.body)["message"]
    res.server_side_apply(
        body=changed, namespace="default", field_manager="two", force_conflicts=True
    )
    assert cluster.core.read_namespaced_config_map("owned", "default").data == {"k": "b"}


def test_apply_removes_fields_the_manager_dropped(cluster: Cluster) -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "shrink", "namespace": "default"},
        "data": {"a": "1", "b": "2"},
    }
    cluster.apply([cm])
    cluster.apply([{**cm, "data": {"a": "1"}}])
    assert cluster.core.read_namespaced_config_map("shrink", "default").data == {"a": "1"}


def test_patch_and_delete(cluster: Cluster) -> None:
    cluster.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="tmp")))
    cluster.core.patch_namespace("tmp", {"metadata": {"labels": {"x": "y"}}})
    assert cluster.core.read_namespace("tmp").metadata.labels["x"] == "y"
    cluster.core.delete_namespace("tmp")
    assert wait_until(
        lambda: "tmp" not in {n.metadata.name for n in cluster.core.list_namespace().items}
    )


def test_restart_keeps_objects(tmp_path: Path) -> None:
    from lab.k8s.cluster_info import ClusterInfo
    from lab.k8s.server_process import start_server, stop_server

    c = start_cluster(tmp_path, join=())
    try:
        c.apply(
            [
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "kept", "namespace": "default"},
                    "data": {"a": "1"},
                }
            ]
        )
        before = c.core.read_namespaced_config_map("kept", "default").metadata
        stop_server(tmp_path)
        info = ClusterInfo.load(tmp_path)
        assert info is not None
        start_server(tmp_path, info.listen, announcer="record")
        after = c.core.read_namespaced_config_map("kept", "default").metadata
        assert (after.uid, after.resource_version) == (before.uid, before.resource_version)
    finally:
        stop_server(tmp_path)
