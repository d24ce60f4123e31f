"""A fake cluster and router for the drain runbook: the Kubernetes calls it makes are recorded
and applied to recorded API answers (tests/audit/scenarios), and the router's routes follow the
nodes' labels the way MetalLB and the router would (or stay put, `stuck`)."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from bgplb.audit.semantics import DRAIN_LABEL, EXCLUDE_LABEL
from bgplb.drain.mechanism import configmap_config
from tasks.drain_k8s import Apis
from tests.audit.replay import read


class ApiError(Exception):
    def __init__(self, status: int, body: str = "") -> None:
        super().__init__(f"({status}) {body}")
        self.status = status
        self.body = body


def app_pod(name: str, node: str, owner: str | None = "ReplicaSet") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if owner:
        meta["ownerReferences"] = [{"kind": owner, "name": "web", "uid": "u", "controller": True}]
    return {"metadata": meta, "spec": {"nodeName": node}, "status": {"phase": "Running"}}


class FakeKube:
    def __init__(
        self,
        scenario: str = "healthy",
        app_pods: list[dict[str, Any]] | None = None,
        drain_selector: bool = True,
    ):
        """drain_selector: the ConfigMap's peers carry `bgplb.io/drained DoesNotExist`, as the
        deploy renders them now (False: the recorded ConfigMap as it is, from before)."""
        self.doc = copy.deepcopy(read(scenario, "cluster.json"))
        cm = self.doc.get("configmap")
        if drain_selector and cm is not None:
            cm["data"]["config"] = configmap_config(cm["data"]["config"], exclude=True)
        self.app = app_pods if app_pods is not None else [app_pod("web-1", "worker01")]
        self.calls: list[str] = []
        self.refuse: set[str] = set()  # pods whose eviction a budget refuses (429)

    # -- reads
    def list_node(self, **kw: Any) -> Any:
        return self.doc["nodes"]

    def list_namespaced_pod(self, namespace: str, **kw: Any) -> Any:
        if namespace == "metallb-system":
            return self.doc["pods"]
        return {"items": [p for p in self.app if p["metadata"]["namespace"] == namespace]}

    def list_pod_for_all_namespaces(self, **kw: Any) -> Any:
        node = kw["field_selector"].split("=", 1)[1]
        return {"items": [p for p in self.app if p["spec"]["nodeName"] == node]}

    def read_namespaced_config_map(self, name: str, namespace: str, **kw: Any) -> Any:
        if self.doc.get("configmap") is None:
            raise ApiError(404)
        return self.doc["configmap"]

    def list_service_for_all_namespaces(self, **kw: Any) -> Any:
        return self.doc["services"]

    def list_endpoint_slice_for_all_namespaces(self, **kw: Any) -> Any:
        return self.doc["endpointslices"]

    def list_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, **kw: Any
    ) -> Any:
        if plural not in self.doc:
            raise ApiError(404)
        return self.doc[plural]

    # -- writes
    def node(self, name: str) -> dict[str, Any]:
        return next(n for n in self.doc["nodes"]["items"] if n["metadata"]["name"] == name)

    def patch_node(self, name: str, body: Any, **kw: Any) -> Any:
        assert kw.get("_content_type") == "application/merge-patch+json"
        self.calls.append(f"patch node {name} {json.dumps(body, sort_keys=True)}")
        node = self.node(name)
        labels = node["metadata"].setdefault("labels", {})
        for k, v in ((body.get("metadata") or {}).get("labels") or {}).items():
            if v is None:
                labels.pop(k, None)
            else:
                labels[k] = v
        if "spec" in body:
            node.setdefault("spec", {})["unschedulable"] = body["spec"]["unschedulable"]
        return node

    def patch_namespaced_config_map(self, name: str, namespace: str, body: Any, **kw: Any) -> Any:
        self.calls.append(f"patch configmap {namespace}/{name}")
        self.doc["configmap"]["data"].update(body["data"])
        return self.doc["configmap"]

    def patch_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str, body: Any, **kw: Any
    ) -> Any:
        self.calls.append(f"patch {plural} {name} {json.dumps(body, sort_keys=True)}")
        obj = next(o for o in self.doc[plural]["items"] if o["metadata"]["name"] == name)
        obj.setdefault("spec", {}).update(body["spec"])
        return obj

    def create_namespaced_pod_eviction(
        self, name: str, namespace: str, body: Any, **kw: Any
    ) -> Any:
        self.calls.append(f"evict {namespace}/{name}")
        if name in self.refuse:
            raise ApiError(429, '{"message": "Cannot evict pod as it would violate ..."}')
        self.app = [p for p in self.app if p["metadata"]["name"] != name]
        return {}

    def announcing(self, node: str) -> bool:
        """Whether MetalLB would still announce from the node (its labels and the config)."""
        labels = self.node(node)["metadata"].get("labels") or {}
        if EXCLUDE_LABEL in labels and self.doc["dialect"] == "crds":
            return False
        if DRAIN_LABEL not in labels:
            return True
        if self.doc["dialect"] == "configmap":
            config = yaml.safe_load(self.doc["configmap"]["data"]["config"])
            return "bgplb.io/drained" not in json.dumps(config["peers"])
        return "bgplb.io/drained" not in json.dumps(self.doc["bgpadvertisements"])

    def apis(self) -> Apis:
        return Apis(self, self, self)  # type: ignore[arg-type]


class FakeRouter:
    """get_route_to from the scenario's router.json, minus the next hops of nodes MetalLB no
    longer announces from (unless stuck)."""

    def __init__(self, kube: FakeKube, scenario: str = "healthy", stuck: bool = False) -> None:
        self.doc = read(scenario, "router.json")
        self.kube = kube
        self.stuck = stuck
        self.polls = 0

    def get_route_to(
        self, destination: str = "", protocol: str = "", longer: bool = False
    ) -> dict[str, Any]:
        self.polls += 1
        answer = copy.deepcopy(self.doc["get_route_to"][destination])
        if self.stuck:
            return dict(answer)
        by_address = {
            a["address"]: n["metadata"]["name"]
            for n in self.kube.doc["nodes"]["items"]
            for a in n["status"]["addresses"]
            if a["type"] == "InternalIP"
        }
        return {
            prefix: [p for p in paths if self.kube.announcing(by_address[p["next_hop"]])]
            for prefix, paths in answer.items()
        }

    def get_bgp_neighbors(self) -> dict[str, Any]:
        raise AssertionError("the drain does not ask for sessions")

    def get_bgp_neighbors_detail(self, neighbor_address: str = "") -> dict[str, Any]:
        raise AssertionError("the drain does not ask for sessions")

    def cli(self, commands: list[str]) -> dict[str, str]:
        raise AssertionError("the drain uses get_route_to only")
