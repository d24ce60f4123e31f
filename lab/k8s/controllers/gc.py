"""Garbage collection (dependents of deleted owners), namespace termination, finalized deletes."""

from __future__ import annotations

from lab.k8s.controllers.base import NAMESPACES, NODES, World
from lab.k8s.store import meta


def collect(world: World) -> None:
    """A terminating pod on a node is left to that node's kubelet (lab/k8s/termination.py)."""
    uids = world.store.uids()
    nodes = {meta(n)["name"] for n in world.store.list(NODES)}
    for (group, resource, ns, name), obj in world.store.all_items():
        m = meta(obj)
        refs = m.get("ownerReferences") or []
        kubelets_own = (group, resource) == ("", "pods") and (obj.get("spec") or {}).get(
            "nodeName"
        ) in nodes
        if (refs and not any(r.get("uid") in uids for r in refs)) or (
            m.get("deletionTimestamp")
            and not m.get("finalizers")
            and resource != "namespaces"
            and not kubelets_own
        ):
            world.store.delete((group, resource), ns, name)


def namespaces(world: World) -> None:
    for ns in world.store.list(NAMESPACES):
        m = meta(ns)
        if not m.get("deletionTimestamp"):
            continue
        keys = world.store.namespaced_keys(m["name"])
        for group, resource, namespace, name in keys:
            world.store.delete((group, resource), namespace, name)
        world.store.delete(NAMESPACES, "", m["name"])
