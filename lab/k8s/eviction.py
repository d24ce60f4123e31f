"""The pods/eviction subresource and PodDisruptionBudget arithmetic, as kube-apiserver does them.

Follows kubernetes pkg/registry/core/pod/storage/eviction.go (1.21):
  - the Eviction's name must be the pod's (400);
  - a pod that is Pending, Succeeded or Failed is deleted without looking at budgets;
  - more than one PodDisruptionBudget matching the pod: 500;
  - a budget whose status the disruption controller has not yet observed (observedGeneration
    behind generation), or with disruptionsAllowed 0: 429 TooManyRequests, "Cannot evict pod as
    it would violate the pod's disruption budget." with a DisruptionBudget cause;
  - otherwise disruptionsAllowed is decremented, the pod recorded in disruptedPods, and the pod
    deleted; the answer is 201 with a Success Status.
And pkg/controller/disruption (the status `disruption_status` computes): expected pods are the
matching pods (minAvailable as a number) or the scale of their controllers (a percentage, or
maxUnavailable); healthy pods are the Ready ones not already disrupted; disruptionsAllowed is
healthy minus desired, never below 0.
"""

from __future__ import annotations

import math
from typing import Any

from lab.k8s.selectors import selector_object_matcher
from lab.k8s.status import ApiError, bad_request, internal, not_found
from lab.k8s.store import JsonObj, Store, meta, now_rfc3339
from lab.k8s.termination import delete_pod, requested_grace

PODS = ("", "pods")
PDBS = ("policy", "poddisruptionbudgets")
REPLICASETS = ("apps", "replicasets")
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


def _ready(pod: JsonObj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def matching_budgets(store: Store, pod: JsonObj) -> list[JsonObj]:
    labels = meta(pod).get("labels") or {}
    out = []
    for pdb in store.list(PDBS, meta(pod)["namespace"]):
        selector = (pdb.get("spec") or {}).get("selector")
        if selector is None:
            continue  # policy/v1: a nil selector selects no pod
        if selector_object_matcher(selector)(labels):
            out.append(pdb)
    return out


def _scaled(value: Any, total: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


def _controller_scale(store: Store, pods: list[JsonObj]) -> int | None:
    owners: dict[str, int] = {}
    for pod in pods:
        ref = next((r for r in meta(pod).get("ownerReferences") or [] if r.get("controller")), None)
        if ref is None:
            return None
        if ref.get("kind") != "ReplicaSet":
            return None
        rs = store.get(REPLICASETS, meta(pod)["namespace"], str(ref.get("name")))
        if rs is None:
            return None
        owners[str(ref.get("uid"))] = int((rs.get("spec") or {}).get("replicas", 1))
    return sum(owners.values())


def disruption_status(store: Store, pdb: JsonObj) -> JsonObj:
    """The status the disruption controller writes for `pdb`."""
    spec = pdb.get("spec") or {}
    match = selector_object_matcher(spec.get("selector")) if spec.get("selector") else None
    pods = [
        p
        for p in store.list(PODS, meta(pdb)["namespace"])
        if match is not None
        and match(meta(p).get("labels") or {})
        and not meta(p).get("deletionTimestamp")
    ]
    old = pdb.get("status") or {}
    # an entry lasts while its pod does: a pod created since (the emulator's replicas may reuse
    # a name) is a new pod
    created = {meta(p)["name"]: str(meta(p).get("creationTimestamp", "")) for p in pods}
    disrupted = {
        k: v
        for k, v in (old.get("disruptedPods") or {}).items()
        if k in created and created[k] < str(v)
    }
    healthy = sum(1 for p in pods if _ready(p) and meta(p)["name"] not in disrupted)
    min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
    if min_available is not None and not str(min_available).endswith("%"):
        expected, desired = len(pods), int(min_available)
    else:
        expected = _controller_scale(store, pods) or len(pods)
        if min_available is not None:
            desired = _scaled(min_available, expected)
        elif max_unavailable is not None:
            desired = max(0, expected - _scaled(max_unavailable, expected))
        else:
            desired = 0
    allowed = max(0, healthy - desired)
    status: JsonObj = {
        "observedGeneration": meta(pdb).get("generation", 1),
        "disruptionsAllowed": allowed,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "expectedPods": expected,
        "conditions": [
            {
                "type": "DisruptionAllowed",
                "status": "True" if allowed > 0 else "False",
                "reason": "SufficientPods" if allowed > 0 else "InsufficientPods",
                "message": "",
                "observedGeneration": meta(pdb).get("generation", 1),
                "lastTransitionTime": now_rfc3339(),
            }
        ],
    }
    if disrupted:
        status["disruptedPods"] = disrupted
    return status


def _too_many(message: str) -> ApiError:
    return ApiError(
        429,
        "TooManyRequests",
        VIOLATION,
        {"causes": [{"reason": "DisruptionBudget", "message": message}]},
    )


def evict(store: Store, namespace: str, name: str, body: Any) -> JsonObj:
    """POST pods/NAME/eviction: delete the pod when its budget allows (the store's lock held)."""
    if not isinstance(body, dict):
        raise bad_request("the body of the request was in an unknown format")
    if (body.get("metadata") or {}).get("name") not in (None, name):
        raise bad_request("name in URL does not match name in Eviction object")
    with store.lock:
        pod = store.get(PODS, namespace, name)
        if pod is None:
            raise not_found("pods", name)
        phase = (pod.get("status") or {}).get("phase")
        if phase not in ("Pending", "Succeeded", "Failed"):
            budgets = matching_budgets(store, pod)
            if len(budgets) > 1:
                raise internal(
                    "This pod has more than one PodDisruptionBudget, which the eviction "
                    "subresource does not support."
                )
            if budgets:
                _take_disruption(store, budgets[0], name)
        delete_pod(store, pod, requested_grace(body, {}))
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def _take_disruption(store: Store, pdb: JsonObj, pod: str) -> None:
    status = pdb.get("status") or {}
    pdb_name = meta(pdb)["name"]
    if int(status.get("observedGeneration", 0)) < int(meta(pdb).get("generation", 1)):
        raise _too_many(f"The disruption budget {pdb_name} is still being processed by the server.")
    allowed = int(status.get("disruptionsAllowed", 0))
    if allowed < 0:
        raise ApiError(403, "Forbidden", "pdb disruptions allowed is negative")
    if allowed == 0:
        raise _too_many(
            f"The disruption budget {pdb_name} needs {status.get('desiredHealthy', 0)} healthy "
            f"pods and has {status.get('currentHealthy', 0)} currently"
        )
    new = {
        **pdb,
        "status": {
            **status,
            "disruptionsAllowed": allowed - 1,
            "disruptedPods": {**(status.get("disruptedPods") or {}), pod: now_rfc3339()},
        },
    }
    store.update(PDBS, new)
