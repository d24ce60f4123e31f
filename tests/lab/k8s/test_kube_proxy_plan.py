"""kube-proxy's plan and nft script for a node (pure), and the node's pod/health servers."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

from lab.http_backend import NodeServers
from lab.kube_proxy import plan_node, pods_document, render_ruleset

NODES = [
    {
        "metadata": {"name": n},
        "status": {"addresses": [{"type": "InternalIP", "address": a}]},
    }
    for n, a in (("master01", "198.18.30.50"), ("worker01", "198.18.30.60"))
]
READY = {"conditions": [{"type": "Ready", "status": "True"}], "phase": "Running"}


def pod(name: str, node: str, ip: str, ns: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"nodeName": node},
        "status": {**READY, "podIP": ip},
    }


PODS = [
    pod("kube-proxy-a", "master01", "198.18.30.50", "kube-system", **{"k8s-app": "kube-proxy"}),
    pod("kube-proxy-b", "worker01", "198.18.30.60", "kube-system", **{"k8s-app": "kube-proxy"}),
    pod("web-1", "worker01", "198.18.50.7"),
]
PODS[0]["spec"]["hostNetwork"] = PODS[1]["spec"]["hostNetwork"] = True


def service(name: str, port: int, target: int | str, lb: str, policy: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "LoadBalancer",
        "clusterIP": "198.18.60.20",
        "externalTrafficPolicy": policy,
        "ports": [{"name": "http", "port": port, "targetPort": target, "nodePort": 30001}],
    }
    if policy == "Local":
        spec["healthCheckNodePort"] = 30002
    return {
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
        "status": {"loadBalancer": {"ingress": [{"ip": lb}]}},
    }


def slice_of(name: str) -> dict[str, Any]:
    return {
        "metadata": {"namespace": "default", "labels": {"kubernetes.io/service-name": name}},
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
        "endpoints": [
            {
                "addresses": ["198.18.50.7"],
                "conditions": {"ready": True},
                "nodeName": "worker01",
                "targetRef": {"name": "web-1", "namespace": "default"},
            }
        ],
    }


def test_cluster_policy_masquerades_and_picks_any_endpoint() -> None:
    svc = service("web", 8080, 80, "198.18.100.20", "Cluster")
    plan = plan_node("master01", NODES, [svc], [slice_of("web")], PODS)
    assert plan.proxy and plan.remote_pods == (("198.18.50.7", "198.18.30.60"),)
    assert plan.backends == ()  # the pod runs on worker01
    nft = render_ruleset(plan)
    assert "ip daddr 198.18.100.20 tcp dport 8080 goto external-" in nft
    assert "jump mark-for-masquerade" in nft
    assert "dnat to 198.18.50.7:80" in nft
    assert "snat to 198.18.30.50" in nft  # a local endpoint is answered from the node address
    assert "tcp dport 30001 goto external-" in nft


def test_local_policy_drops_on_a_node_without_a_local_endpoint() -> None:
    svc = service("web", 9090, "http", "198.18.100.21", "Local")
    master = plan_node("master01", NODES, [svc], [slice_of("web")], PODS)
    local_chain = render_ruleset(master).split("chain local-")[1].split("}")[0]
    assert "drop" in local_chain and "dnat" not in local_chain
    assert [(h.port, h.local_endpoints) for h in master.health] == [(30002, 0)]
    worker = plan_node("worker01", NODES, [svc], [slice_of("web")], PODS)
    assert [(h.port, h.local_endpoints) for h in worker.health] == [(30002, 1)]
    assert [b.pod for b in worker.backends] == ["web-1"]
    assert worker.local_pods == ("198.18.50.7",)


def test_no_kube_proxy_pod_no_rules() -> None:
    svc = service("web", 8080, 80, "198.18.100.20", "Cluster")
    plan = plan_node("master01", NODES, [svc], [slice_of("web")], PODS[1:])
    assert not plan.proxy and plan.rules == ()
    assert render_ruleset(plan) == "add table ip kube-proxy\ndelete table ip kube-proxy\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_node_servers_answer_as_pods_and_as_kube_proxys_health_check() -> None:
    svc = service("web", 9090, "http", "198.18.100.21", "Local")
    doc = pods_document(plan_node("worker01", NODES, [svc], [slice_of("web")], PODS))
    pod_port, health_port = _free_port(), _free_port()
    doc["pods"][0].update(ip="127.0.0.2", port=pod_port)
    doc["health"][0]["port"] = health_port
    doc["nodes"]["master01"] = "127.0.0.1"  # requests from 127.0.0.1 come "through" master01
    servers = NodeServers("worker01")
    try:
        servers.reconcile(doc)
        code, body = _get(f"http://127.0.0.2:{pod_port}/")
        assert code == 200
        assert body == {
            "pod": "web-1",
            "namespace": "default",
            "node": "worker01",
            "via": "master01",
            "address": "127.0.0.2",
            "port": pod_port,
            "client": "127.0.0.1",
        }
        assert _get(f"http://127.0.0.1:{health_port}/") == (
            200,
            {
                "service": {"namespace": "default", "name": "web"},
                "localEndpoints": 1,
                "serviceProxyHealthy": True,
            },
        )
        doc["health"][0]["local_endpoints"] = 0
        servers.reconcile(doc)
        assert _get(f"http://127.0.0.1:{health_port}/")[0] == 503
        servers.reconcile({**doc, "pods": []})
        assert list(servers.servers) == [("health", "0.0.0.0", health_port)]
    finally:
        servers.reconcile({"nodes": {}, "pods": [], "health": []})
