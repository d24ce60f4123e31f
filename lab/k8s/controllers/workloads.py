"""Deployment -> ReplicaSet -> Pods, and DaemonSet -> one Pod per eligible node."""

from __future__ import annotations

import copy
import hashlib
import json

from lab.k8s.api import stable_suffix
from lab.k8s.controllers.base import (
    DAEMONSETS,
    DEPLOYMENTS,
    NODES,
    PODS,
    REPLICASETS,
    World,
    condition,
    create,
    owned_by,
    owner_ref,
    set_status,
)
from lab.k8s.controllers.scheduling import fits
from lab.k8s.selectors import selector_object_matcher
from lab.k8s.store import JsonObj, meta
from lab.k8s.termination import delete_pod

MANAGER = "kube-controller-manager"
HASH_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: JsonObj) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(HASH_CHARS[b % len(HASH_CHARS)] for b in digest[:10])


def pod_ready(pod: JsonObj) -> bool:
    conds = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conds)


def _owned_pods(world: World, owner: JsonObj) -> list[JsonObj]:
    m = meta(owner)
    return [
        p
        for p in world.store.list(PODS, m["namespace"])
        if owned_by(p, m["uid"]) and not meta(p).get("deletionTimestamp")
    ]


def _new_pod(owner: JsonObj, name: str, extra_labels: dict[str, str], node: str | None) -> JsonObj:
    tpl = copy.deepcopy(owner["spec"]["template"])
    pm = tpl.get("metadata") or {}
    pod = {
        "metadata": {
            "name": name,
            "namespace": owner["metadata"]["namespace"],
            "labels": {**(pm.get("labels") or {}), **extra_labels},
            "annotations": pm.get("annotations") or {},
            "ownerReferences": [owner_ref(owner)],
        },
        "spec": tpl.get("spec") or {},
    }
    if not pod["metadata"]["annotations"]:
        del pod["metadata"]["annotations"]
    if node:
        # the DaemonSet controller pins each pod to its node with node affinity; nodeName is
        # what the scheduler then binds
        pod["spec"]["nodeName"] = node
    return pod


def _free_name(world: World, owner: JsonObj, prefix: str) -> str:
    ns, uid = owner["metadata"]["namespace"], owner["metadata"]["uid"]
    i = 0
    while True:
        name = f"{prefix}-{stable_suffix(f'{uid}/{i}')}"
        if world.store.get(PODS, ns, name) is None:
            return name
        i += 1


def replicasets(world: World) -> None:
    for rs in world.store.list(REPLICASETS):
        pods = _owned_pods(world, rs)
        want = int(rs["spec"].get("replicas", 1))
        extra = {"pod-template-hash": rs["metadata"]["labels"].get("pod-template-hash", "")}
        extra = {k: v for k, v in extra.items() if v}
        for _ in range(want - len(pods)):
            create(
                world,
                "",
                "Pod",
                _new_pod(rs, _free_name(world, rs, rs["metadata"]["name"]), extra, None),
                MANAGER,
            )
        for pod in sorted(pods, key=lambda p: (pod_ready(p), p["metadata"]["name"]))[
            : max(0, len(pods) - want)
        ]:
            delete_pod(world.store, pod)
        pods = _owned_pods(world, rs)
        ready = sum(1 for p in pods if pod_ready(p))
        status = {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        set_status(
            world,
            REPLICASETS,
            rs,
            {k: v for k, v in status.items() if v or k in ("replicas", "observedGeneration")},
        )


def deployments(world: World) -> None:
    for dep in world.store.list(DEPLOYMENTS):
        m = meta(dep)
        h = template_hash(dep["spec"]["template"])
        name = f"{m['name']}-{h}"
        owned = [
            rs for rs in world.store.list(REPLICASETS, m["namespace"]) if owned_by(rs, m["uid"])
        ]
        current = next((rs for rs in owned if rs["metadata"]["name"] == name), None)
        replicas = int(dep["spec"].get("replicas", 1))
        if current is None:
            tpl = copy.deepcopy(dep["spec"]["template"])
            tpl.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = h
            sel = copy.deepcopy(dep["spec"]["selector"])
            sel.setdefault("matchLabels", {})["pod-template-hash"] = h
            revision = 1 + max(
                (
                    int(
                        rs["metadata"]
                        .get("annotations", {})
                        .get("deployment.kubernetes.io/revision", 0)
                    )
                    for rs in owned
                ),
                default=0,
            )
            current = create(
                world,
                "apps",
                "ReplicaSet",
                {
                    "metadata": {
                        "name": name,
                        "namespace": m["namespace"],
                        "labels": tpl["metadata"]["labels"],
                        "annotations": {
                            "deployment.kubernetes.io/desired-replicas": str(replicas),
                            "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                            "deployment.kubernetes.io/revision": str(revision),
                        },
                        "ownerReferences": [owner_ref(dep)],
                    },
                    "spec": {"replicas": replicas, "selector": sel, "template": tpl},
                },
                MANAGER,
            )
            if current is None:
                continue
        elif current["spec"].get("replicas") != replicas:
            current = world.store.update(
                REPLICASETS, {**current, "spec": {**current["spec"], "replicas": replicas}}
            )
        for rs in owned:
            if rs["metadata"]["name"] != name and rs["spec"].get("replicas") != 0:
                world.store.update(REPLICASETS, {**rs, "spec": {**rs["spec"], "replicas": 0}})
        pods = [p for rs in [*owned, current] for p in _owned_pods(world, rs)]
        pods = list({p["metadata"]["name"]: p for p in pods}.values())
        ready = sum(1 for p in pods if pod_ready(p))
        updated = len(_owned_pods(world, current))
        available = ready >= replicas - max(0, replicas // 4)
        status: JsonObj = {
            "observedGeneration": m.get("generation", 1),
            "replicas": len(pods),
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [
                condition(
                    "Available",
                    available,
                    "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                    "Deployment has minimum availability."
                    if available
                    else "Deployment does not have minimum availability.",
                ),
                condition(
                    "Progressing",
                    True,
                    "NewReplicaSetAvailable" if ready >= replicas else "ReplicaSetUpdated",
                    f'ReplicaSet "{name}" has successfully progressed.'
                    if ready >= replicas
                    else f'ReplicaSet "{name}" is progressing.',
                ),
            ],
        }
        if ready < len(pods):
            status["unavailableReplicas"] = len(pods) - ready
        for k in ("readyReplicas", "availableReplicas", "updatedReplicas", "replicas"):
            if not status[k]:
                del status[k]
        set_status(world, DEPLOYMENTS, dep, status)


def _revision(pod: JsonObj) -> str:
    return str((meta(pod).get("labels") or {}).get("controller-revision-hash", ""))


def _max_unavailable(ds: JsonObj, nodes: int) -> int:
    """rollingUpdate.maxUnavailable, an int or a percentage of the nodes (rounded up, as the
    DaemonSet controller's intstr.GetScaledValueFromIntOrPercent with roundUp=true); at least 1
    (the API server refuses 0 with maxSurge 0)."""
    value = ((ds["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}).get(
        "maxUnavailable", 1
    )
    if isinstance(value, str) and value.endswith("%"):
        return max(1, -(-int(value[:-1]) * nodes // 100))
    return max(1, int(value))


def _outdated_to_replace(
    ds: JsonObj, pods: list[JsonObj], nodes: int, current: str
) -> list[JsonObj]:
    """The pods of an older template the DaemonSet controller deletes now (it recreates them
    from the current template on a later pass).

    `OnDelete`: none; a pod is replaced only when someone deletes it. `RollingUpdate`
    (the default; pkg/controller/daemon/update.go rollingUpdate with maxSurge 0): outdated pods
    that are not ready go at once; ready ones only while fewer than maxUnavailable nodes lack
    a ready pod, lowest node name first."""
    strategy = (ds["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
    if strategy != "RollingUpdate":
        return []
    old = sorted(
        (p for p in pods if _revision(p) != current), key=lambda p: p["spec"].get("nodeName", "")
    )
    out = [p for p in old if not pod_ready(p)]
    unavailable = nodes - sum(1 for p in pods if pod_ready(p))  # a node without a pod counts
    budget = _max_unavailable(ds, nodes) - unavailable
    out += [p for p in old if pod_ready(p)][: max(0, budget)]
    return out


def daemonsets(world: World) -> None:
    nodes = world.store.list(NODES)
    for ds in world.store.list(DAEMONSETS):
        m = meta(ds)
        pod_spec = ds["spec"]["template"].get("spec") or {}
        eligible = sorted(
            n["metadata"]["name"] for n in nodes if fits(pod_spec, n, ignore_ready=True)
        )
        pods = _owned_pods(world, ds)
        by_node = {p["spec"].get("nodeName"): p for p in pods}
        h = template_hash(ds["spec"]["template"])
        for node in eligible:
            if node not in by_node:
                extra = {
                    "controller-revision-hash": h,
                    "pod-template-generation": str(m.get("generation", 1)),
                }
                create(
                    world,
                    "",
                    "Pod",
                    _new_pod(ds, _free_name(world, ds, m["name"]), extra, node),
                    MANAGER,
                )
        for node, pod in by_node.items():
            if node not in eligible:
                delete_pod(world.store, pod)
        kept = [p for n, p in by_node.items() if n in eligible]
        for pod in _outdated_to_replace(ds, kept, len(eligible), h):
            delete_pod(world.store, pod)
        pods = _owned_pods(world, ds)
        ready = sum(1 for p in pods if pod_ready(p))
        updated = sum(1 for p in pods if _revision(p) == h)
        status = {
            "currentNumberScheduled": len(pods),
            "desiredNumberScheduled": len(eligible),
            "numberAvailable": ready,
            "numberMisscheduled": 0,
            "numberReady": ready,
            "observedGeneration": m.get("generation", 1),
            "updatedNumberScheduled": updated,
        }
        if len(eligible) - ready > 0:
            status["numberUnavailable"] = len(eligible) - ready
        if not ready:
            del status["numberAvailable"]
        set_status(world, DAEMONSETS, ds, status)


__all__ = ["daemonsets", "deployments", "pod_ready", "replicasets", "selector_object_matcher"]
