"""Endpoints and EndpointSlices of every Service with a selector (ready pods on their ports)."""

from __future__ import annotations

from lab.k8s.api import stable_suffix
from lab.k8s.controllers.base import ENDPOINTS, PODS, SERVICES, SLICES, World, create, owner_ref
from lab.k8s.controllers.workloads import pod_ready
from lab.k8s.selectors import map_matcher
from lab.k8s.store import JsonObj, meta

MANAGER = "kube-controller-manager"
SLICE_MANAGER = "endpointslice-controller.k8s.io"


def _target_port(svc_port: JsonObj, pod: JsonObj) -> int | None:
    target = svc_port.get("targetPort", svc_port.get("port"))
    if isinstance(target, int):
        return target
    for c in pod["spec"].get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("name") == target:
                return int(p["containerPort"])
    return None


def _address(pod: JsonObj) -> JsonObj:
    m = meta(pod)
    return {
        "ip": pod["status"]["podIP"],
        "nodeName": pod["spec"]["nodeName"],
        "targetRef": {
            "kind": "Pod",
            "namespace": m["namespace"],
            "name": m["name"],
            "uid": m["uid"],
            "resourceVersion": m["resourceVersion"],
        },
    }


def _subsets(svc: JsonObj, pods: list[JsonObj]) -> list[JsonObj]:
    groups: dict[str, tuple[list[JsonObj], list[JsonObj], list[JsonObj]]] = {}
    for pod in pods:
        ports = []
        for sp in svc["spec"].get("ports") or []:
            port = _target_port(sp, pod)
            if port is not None:
                entry = {"port": port, "protocol": sp.get("protocol", "TCP")}
                if sp.get("name"):
                    entry["name"] = sp["name"]
                ports.append(entry)
        if not ports:
            continue
        key = repr(sorted(ports, key=repr))
        ready, not_ready, _ = groups.setdefault(key, ([], [], ports))
        (ready if pod_ready(pod) else not_ready).append(_address(pod))
    out = []
    for ready, not_ready, ports in groups.values():
        subset: JsonObj = {}
        if ready:
            subset["addresses"] = sorted(ready, key=lambda a: a["ip"])
        if not_ready:
            subset["notReadyAddresses"] = sorted(not_ready, key=lambda a: a["ip"])
        subset["ports"] = ports
        out.append(subset)
    return out


def _slice_endpoints(pods: list[JsonObj]) -> list[JsonObj]:
    out = []
    for pod in sorted(pods, key=lambda p: p["status"]["podIP"]):
        ready = pod_ready(pod)
        addr = _address(pod)
        out.append(
            {
                "addresses": [addr["ip"]],
                "conditions": {"ready": ready, "serving": ready, "terminating": False},
                "nodeName": addr["nodeName"],
                "targetRef": addr["targetRef"],
            }
        )
    return out


def _slice_ports(svc: JsonObj, pods: list[JsonObj]) -> list[JsonObj]:
    out = []
    for sp in svc["spec"].get("ports") or []:
        port = _target_port(sp, pods[0]) if pods else None
        entry: JsonObj = {"name": sp.get("name", ""), "protocol": sp.get("protocol", "TCP")}
        if port is not None:
            entry["port"] = port
        out.append(entry)
    return out


def _orphans(world: World) -> None:
    """Endpoints this controller made for a Service that is gone."""
    for ep in world.store.list(ENDPOINTS):
        m = meta(ep)
        managers = {e.get("manager") for e in m.get("managedFields") or []}
        if MANAGER in managers and world.store.get(SERVICES, m["namespace"], m["name"]) is None:
            world.store.delete(ENDPOINTS, m["namespace"], m["name"])


def endpoints(world: World) -> None:
    _orphans(world)
    for svc in world.store.list(SERVICES):
        m = meta(svc)
        selector = svc["spec"].get("selector")
        if not selector or svc["spec"].get("type") == "ExternalName":
            continue
        match = map_matcher(selector)
        pods = [
            p
            for p in world.store.list(PODS, m["namespace"])
            if match(meta(p).get("labels") or {})
            and (p.get("status") or {}).get("podIP")
            and p["spec"].get("nodeName")
            and not meta(p).get("deletionTimestamp")
        ]
        subsets = _subsets(svc, pods)
        ep = world.store.get(ENDPOINTS, m["namespace"], m["name"])
        labels = dict(m.get("labels") or {})
        if ep is None:
            body: JsonObj = {"metadata": {"name": m["name"], "namespace": m["namespace"]}}
            if labels:
                body["metadata"]["labels"] = labels
            if subsets:
                body["subsets"] = subsets
            create(world, "", "Endpoints", body, MANAGER)
        elif ep.get("subsets", []) != subsets:
            new = {k: v for k, v in ep.items() if k != "subsets"}
            if subsets:
                new["subsets"] = subsets
            world.store.update(ENDPOINTS, new)
        _slice(world, svc, pods)


def _slice(world: World, svc: JsonObj, pods: list[JsonObj]) -> None:
    m = meta(svc)
    mine = [
        s
        for s in world.store.list(SLICES, m["namespace"])
        if (meta(s).get("labels") or {}).get("kubernetes.io/service-name") == m["name"]
    ]
    body = {
        "addressType": "IPv4",
        "endpoints": _slice_endpoints(pods),
        "ports": _slice_ports(svc, pods),
    }
    if not mine:
        labels = {
            **(m.get("labels") or {}),
            "endpointslice.kubernetes.io/managed-by": SLICE_MANAGER,
            "kubernetes.io/service-name": m["name"],
        }
        create(
            world,
            "discovery.k8s.io",
            "EndpointSlice",
            {
                "metadata": {
                    "name": f"{m['name']}-{stable_suffix(m['uid'])}",
                    "namespace": m["namespace"],
                    "labels": labels,
                    "ownerReferences": [owner_ref({**svc, "apiVersion": "v1", "kind": "Service"})],
                    "generateName": f"{m['name']}-",
                },
                **body,
            },
            MANAGER,
        )
        return
    current = mine[0]
    if {k: current.get(k) for k in body} != body:
        world.store.update(SLICES, {**current, **body})
