"""The drain's Kubernetes I/O (official `kubernetes` client): read the cluster, label and cordon
a node, edit MetalLB's selectors, evict pods through the eviction API (PodDisruptionBudgets are
the API server's to enforce: a 429 answer means "not now"), and wait for them to go."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from bgplb.audit.observations import ClusterObservation
from bgplb.drain.mechanism import DRAIN_VALUE, configmap_config, exclude_drained, include_drained
from bgplb.drain.plan import NodePlan, PodAction
from bgplb.errors import DeviceError
from bgplb.model import Site
from tasks.audit_cluster import (
    CRD_VERSIONS,
    GROUP,
    NAMESPACE,
    TIMEOUT_S,
    gather_cluster,
    kubeconfig_for_audit,
    to_json,
)

MERGE = "application/merge-patch+json"


class DrainCore(Protocol):
    def list_node(self, **kw: Any) -> Any: ...
    def list_namespaced_pod(self, namespace: str, **kw: Any) -> Any: ...
    def list_pod_for_all_namespaces(self, **kw: Any) -> Any: ...
    def read_namespaced_config_map(self, name: str, namespace: str, **kw: Any) -> Any: ...
    def list_service_for_all_namespaces(self, **kw: Any) -> Any: ...
    def patch_node(self, name: str, body: Any, **kw: Any) -> Any: ...
    def patch_namespaced_config_map(
        self, name: str, namespace: str, body: Any, **kw: Any
    ) -> Any: ...
    def create_namespaced_pod_eviction(
        self, name: str, namespace: str, body: Any, **kw: Any
    ) -> Any: ...


class DrainCustom(Protocol):
    def list_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, **kw: Any
    ) -> Any: ...
    def patch_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str, body: Any, **kw: Any
    ) -> Any: ...


class Apis:
    """The three API clients the drain uses, from the site's kubeconfig."""

    def __init__(self, core: DrainCore, discovery: Any, custom: DrainCustom) -> None:
        self.core, self.discovery, self.custom = core, discovery, custom

    @classmethod
    def for_site(cls, site: Site) -> Apis:
        from kubernetes import client
        from kubernetes import config as kubeconfig

        cfg = client.Configuration()
        loader: Any = kubeconfig.load_kube_config_from_dict
        loader(kubeconfig_for_audit(site), client_configuration=cfg, persist_config=False)
        api = client.ApiClient(cfg)
        apis: tuple[Any, Any, Any] = (
            client.CoreV1Api(api),
            client.DiscoveryV1Api(api),
            client.CustomObjectsApi(api),
        )
        return cls(*apis)


def read_cluster(apis: Apis, site: Site) -> ClusterObservation:
    return gather_cluster(apis.core, apis.discovery, apis.custom, site)


def node_pods(apis: Apis, node: str) -> list[dict[str, Any]]:
    doc = to_json(
        apis.core.list_pod_for_all_namespaces(
            field_selector=f"spec.nodeName={node}", _request_timeout=TIMEOUT_S
        )
    )
    return list(doc.get("items") or [])


# ---------------------------------------------------------------- exclusion


def set_node(apis: Apis, node: str, labels: dict[str, str | None], cordoned: bool | None) -> None:
    body: dict[str, Any] = {"metadata": {"labels": labels}} if labels else {}
    if cordoned is not None:
        body["spec"] = {"unschedulable": True if cordoned else None}
    if body:
        apis.core.patch_node(node, body, _content_type=MERGE, _request_timeout=TIMEOUT_S)


def edit_selectors(apis: Apis, plan: NodePlan) -> list[str]:
    """Apply the plan's selector edit to MetalLB's config; the objects changed."""
    if plan.selector_edit == "none":
        return []
    add = plan.selector_edit == "add"
    if plan.mechanism.name == "peer-node-selectors":
        cm = to_json(apis.core.read_namespaced_config_map("config", NAMESPACE))
        text = str((cm.get("data") or {}).get("config", ""))
        new = configmap_config(text, exclude=add)
        if new == text:
            return []
        apis.core.patch_namespaced_config_map(
            "config", NAMESPACE, {"data": {"config": new}}, _content_type=MERGE
        )
        return [f"ConfigMap {NAMESPACE}/config"]
    (version,) = CRD_VERSIONS["bgpadvertisements"]
    ads = apis.custom.list_namespaced_custom_object(
        GROUP, version, NAMESPACE, "bgpadvertisements", _request_timeout=TIMEOUT_S
    )
    changed = []
    for ad in ads.get("items") or []:
        current = (ad.get("spec") or {}).get("nodeSelectors")
        edit = exclude_drained if add else include_drained
        new_sel = edit(current, camel=True)
        if new_sel == (current or []):
            continue
        name = ad["metadata"]["name"]
        apis.custom.patch_namespaced_custom_object(
            GROUP,
            version,
            NAMESPACE,
            "bgpadvertisements",
            name,
            {"spec": {"nodeSelectors": new_sel or None}},
            _content_type=MERGE,
        )
        changed.append(f"BGPAdvertisement {NAMESPACE}/{name}")
    return changed


def exclude(apis: Apis, plan: NodePlan) -> list[str]:
    """Phase 1 of a drain: the selectors (where the mechanism needs them), then the label."""
    changed = edit_selectors(apis, plan)
    set_node(apis, plan.node, {plan.mechanism.label: DRAIN_VALUE}, None)
    return [*changed, f"Node {plan.node} label {plan.mechanism.label}"]


def include(apis: Apis, plan: NodePlan) -> list[str]:
    """The undo: uncordon, the label removed (unless the site keeps it), selectors restored."""
    labels: dict[str, str | None] = {} if plan.label_set else {plan.mechanism.label: None}
    set_node(apis, plan.node, labels, False)
    label = "kept" if plan.label_set else "removed"
    return [
        f"Node {plan.node} uncordoned, label {plan.mechanism.label} {label}",
        *edit_selectors(apis, plan),
    ]


# ---------------------------------------------------------------- eviction


def _status(exc: Exception) -> int | None:
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


def evict(
    apis: Apis,
    pods: tuple[PodAction, ...],
    timeout: float,
    on_wait: Callable[[str], None] = lambda _: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Evict each pod; a 429 (a PodDisruptionBudget says not now) is retried until `timeout`.
    Returns the pods evicted (a pod already gone counts); raises DeviceError naming the pods
    still refused at the deadline."""
    from kubernetes.client import V1Eviction, V1ObjectMeta

    deadline = clock() + timeout
    pending = list(pods)
    done: list[str] = []
    last: dict[str, str] = {}
    while pending:
        for pod in list(pending):
            body = V1Eviction(metadata=V1ObjectMeta(name=pod.name, namespace=pod.namespace))
            try:
                apis.core.create_namespaced_pod_eviction(
                    pod.name, pod.namespace, body, _request_timeout=TIMEOUT_S
                )
            except Exception as exc:  # kubernetes.client.ApiException
                code = _status(exc)
                if code == 404:
                    pending.remove(pod)
                    done.append(pod.key)
                    continue
                if code != 429:
                    raise DeviceError(f"evicting pod {pod.key}: {exc}") from None
                last[pod.key] = " ".join(str(getattr(exc, "body", "") or exc).split())[:300]
                continue
            pending.remove(pod)
            done.append(pod.key)
        if not pending:
            break
        if clock() >= deadline:
            refused = "; ".join(f"{p.key}: {last.get(p.key, '')}" for p in pending)
            raise DeviceError(
                f"eviction refused until the {timeout:g} s timeout (PodDisruptionBudget): {refused}"
            )
        on_wait(f"waiting for a PodDisruptionBudget to allow {', '.join(p.key for p in pending)}")
        sleep(1.0)
    return done


def wait_pods_gone(
    apis: Apis,
    node: str,
    keys: list[str],
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    deadline = clock() + timeout
    while True:
        left = {
            f"{(p.get('metadata') or {}).get('namespace')}/{(p.get('metadata') or {}).get('name')}"
            for p in node_pods(apis, node)
        } & set(keys)
        if not left:
            return
        if clock() >= deadline:
            raise DeviceError(
                f"pods still on {node} after {timeout:g} s: {', '.join(sorted(left))}"
            )
        sleep(0.2)


def pod_nodes(apis: Apis, namespaces: set[str]) -> dict[str, str]:
    """pod namespace/name -> node, for the namespaces given (where evicted pods went)."""
    out = {}
    for ns in sorted(namespaces):
        doc = to_json(apis.core.list_namespaced_pod(ns, _request_timeout=TIMEOUT_S))
        for p in doc.get("items") or []:
            m = p.get("metadata") or {}
            out[f"{ns}/{m.get('name')}"] = str((p.get("spec") or {}).get("nodeName") or "")
    return out
