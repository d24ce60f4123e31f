"""What every controller gets (`World`) and the write helpers they share."""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab.k8s.announcer import Announcer
from lab.k8s.api import Api, Request
from lab.k8s.apply import deep_merge
from lab.k8s.cluster_info import ClusterInfo
from lab.k8s.datapath import DataPath
from lab.k8s.registry import Registry
from lab.k8s.status import ApiError
from lab.k8s.store import JsonObj, Store, meta, now_rfc3339

log = logging.getLogger("lab.k8s.controllers")
GR = tuple[str, str]
PODS: GR = ("", "pods")
NODES: GR = ("", "nodes")
SERVICES: GR = ("", "services")
SECRETS: GR = ("", "secrets")
CONFIGMAPS: GR = ("", "configmaps")
NAMESPACES: GR = ("", "namespaces")
DEPLOYMENTS: GR = ("apps", "deployments")
REPLICASETS: GR = ("apps", "replicasets")
DAEMONSETS: GR = ("apps", "daemonsets")
ENDPOINTS: GR = ("", "endpoints")
SLICES: GR = ("discovery.k8s.io", "endpointslices")
EVENTS: GR = ("", "events")


@dataclass
class World:
    store: Store
    api: Api
    registry: Registry
    cluster: ClusterInfo
    state_dir: Path
    announcer: Announcer
    datapath: DataPath


def create(world: World, group: str, kind: str, obj: JsonObj, manager: str) -> JsonObj | None:
    """Create through admission (defaults, validation); None when it already exists."""
    rt = world.registry.by_kind(group, kind)
    if rt is None:
        return None
    obj = copy.deepcopy(obj)
    obj["apiVersion"], obj["kind"] = rt.api_version, kind
    ns = meta(obj).get("namespace", "") if rt.namespaced else ""
    try:
        return world.api.create(Request(rt, ns, ""), obj, manager)
    except ApiError as exc:
        if exc.reason != "AlreadyExists":
            log.warning(
                "%s could not create %s %s/%s: %s",
                manager,
                kind,
                ns,
                meta(obj).get("name"),
                exc.message,
            )
        return None


def merge_into(world: World, gr: GR, current: JsonObj, patch: dict[str, Any]) -> JsonObj:
    """Merge `patch` into the stored object (no admission: controllers write their own fields)."""
    new = deep_merge(current, patch)
    return world.store.update(gr, new)


def replace_field(world: World, gr: GR, current: JsonObj, key: str, value: Any) -> JsonObj:
    new = copy.deepcopy(current)
    new[key] = value
    return world.store.update(gr, new)


def owner_ref(owner: JsonObj, controller: bool = True) -> JsonObj:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def owned_by(obj: JsonObj, uid: str) -> bool:
    return any(r.get("uid") == uid for r in meta(obj).get("ownerReferences") or [])


def condition(type_: str, status: bool | str, reason: str = "", message: str = "") -> JsonObj:
    out: JsonObj = {
        "type": type_,
        "status": status if isinstance(status, str) else ("True" if status else "False"),
        "lastTransitionTime": now_rfc3339(),
    }
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


def merge_conditions(old: list[JsonObj] | None, new: list[JsonObj]) -> list[JsonObj]:
    """Keep lastTransitionTime (and heartbeat) when a condition's status did not change."""
    before = {c.get("type"): c for c in old or []}
    out = []
    for cond in new:
        c = cond
        prev = before.get(c["type"])
        if (
            prev is not None
            and prev.get("status") == c["status"]
            and prev.get("reason") == c.get("reason")
        ):
            c = {
                **c,
                **{
                    k: prev[k]
                    for k in (
                        "lastTransitionTime",
                        "lastHeartbeatTime",
                        "lastProbeTime",
                        "lastUpdateTime",
                    )
                    if k in prev
                },
            }
        out.append(c)
    return out


def set_status(world: World, gr: GR, current: JsonObj, status: JsonObj) -> JsonObj:
    if "conditions" in status:
        status = {
            **status,
            "conditions": merge_conditions(
                (current.get("status") or {}).get("conditions"), status["conditions"]
            ),
        }
    if current.get("status") == status:
        return current
    return replace_field(world, gr, current, "status", status)


def record_event(
    world: World, involved: JsonObj, type_: str, reason: str, message: str, component: str
) -> None:
    """An Event like the real components emit (one object per involved object and reason)."""
    m = meta(involved)
    ns = m.get("namespace") or "default"
    name = f"{m['name']}.{reason.lower()}"
    ref = {
        "kind": involved.get("kind"),
        "namespace": m.get("namespace"),
        "name": m["name"],
        "uid": m.get("uid"),
        "apiVersion": involved.get("apiVersion"),
        "resourceVersion": m.get("resourceVersion"),
    }
    existing = world.store.get(EVENTS, ns, name)
    if existing is not None:
        if existing.get("message") == message:
            return
        new = {
            **existing,
            "message": message,
            "lastTimestamp": now_rfc3339(),
            "count": int(existing.get("count", 1)) + 1,
            "involvedObject": ref,
        }
        world.store.update(EVENTS, new)
        return
    now = now_rfc3339()
    create(
        world,
        "",
        "Event",
        {
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "type": type_,
            "source": {"component": component},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        },
        component,
    )
