"""Garbage collection (dependents of deleted owners), namespace termination, finalized deletes."""

from __future__ import annotations

from lab.k8s.controllers.base import NAMESPACES, World
from lab.k8s.store import meta


def collect(world: World) -> None:
    uids = world.store.uids()
    for (group, resource, ns, name), obj in world.store.all_items():
        m = meta(obj)
        refs = m.get("ownerReferences") or []
        if (refs and not any(r.get("uid") in uids for r in refs)) or (
            m.get("deletionTimestamp") and not m.get("finalizers") and resource != "namespaces"
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
