"""The MetalLB switch's I/O (see bgplb/k8s/metallb_switch.py for the sequence and why): read the
cluster and the router, apply objects by server-side apply (the deploy's `apply_one`), replace
one node's speaker pod, and poll the API server and the router until a condition holds."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from bgplb.audit.parse_cluster import parse_metallb_pods
from bgplb.errors import DeviceError
from bgplb.k8s.manifests import crd_names, order_for_apply
from bgplb.k8s.metallb_config import NAMESPACE, label_patch_needed
from bgplb.k8s.metallb_switch import ROLLING_UPDATE, LiveMetallb, Version
from bgplb.model import Site
from tasks.audit_cluster import TIMEOUT_S, to_json
from tasks.audit_router import RouterDevice
from tasks.drain_k8s import MERGE
from tasks.drain_router import lb_routes
from tasks.k8s_apply import Applied, _Batch, apply_one
from tasks.k8s_client import get_or_none

Routes = dict[IPv4Address, frozenset[IPv4Address]]
Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass
class Io:
    """What the switch talks to: the Kubernetes API (typed clients and a DynamicClient for
    server-side apply) and the router's NAPALM driver."""

    core: Any  # kubernetes.client.CoreV1Api
    dyn: Any
    device: RouterDevice
    clock: Clock = time.monotonic
    sleep: Sleep = time.sleep


def router_routes(io: Io, site: Site) -> Routes:
    """LB IP -> next hops in the router's FIB."""
    return {r.host_address: r.fib for r in lb_routes(io.device, site) if r.host_address is not None}


def speaker_versions(io: Io) -> dict[str, Version]:
    """node -> version of the speaker pod running there (a pod being deleted is left out)."""
    doc = to_json(
        io.core.list_namespaced_pod(
            NAMESPACE, label_selector="component=speaker", _request_timeout=TIMEOUT_S
        )
    )
    live = {
        "items": [i for i in doc.get("items") or [] if not i["metadata"].get("deletionTimestamp")]
    }
    return {
        p.node: p.version
        for p in parse_metallb_pods(live)
        if p.component == "speaker" and p.node and p.version and p.ready
    }


def read_live(io: Io, site: Site) -> LiveMetallb:
    try:
        cm = to_json(io.core.read_namespaced_config_map("config", NAMESPACE))
        text: str | None = str((cm.get("data") or {}).get("config", ""))
    except Exception as exc:  # kubernetes.client.ApiException; only 404 means "absent"
        if getattr(exc, "status", None) != 404:
            raise
        text = None
    nodes = to_json(io.core.list_node(_request_timeout=TIMEOUT_S))
    labels = {
        n["metadata"]["name"]: dict(n["metadata"].get("labels") or {})
        for n in nodes.get("items") or []
    }
    return LiveMetallb(text, speaker_versions(io), labels, router_routes(io, site))


def apply(io: Io, docs: Sequence[dict[str, Any]], dry_run: bool = False) -> list[Applied]:
    ordered = order_for_apply(docs)
    batch = _Batch(ordered)
    return [apply_one(io.dyn, d, dry_run, "server", batch) for d in ordered]


def label_nodes(io: Io, patches: Mapping[str, dict[str, Any]]) -> list[str]:
    nodes = io.dyn.resources.get(api_version="v1", kind="Node")
    touched = []
    for name, patch in sorted(patches.items()):
        live = get_or_none(io.dyn, nodes, name, None)
        if live is None or not label_patch_needed(live["metadata"].get("labels") or {}, patch):
            continue
        io.dyn.patch(nodes, body=patch, name=name, content_type=MERGE)
        touched.append(name)
    return touched


def poll(io: Io, done: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = io.clock() + timeout
    while True:
        if done():
            return True
        if io.clock() >= deadline:
            return False
        io.sleep(interval)


def wait_crds(io: Io, docs: Sequence[dict[str, Any]], timeout: float) -> list[str]:
    """Names of the CRDs not Established within the timeout."""
    crds = io.dyn.resources.get(
        api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
    )
    names = crd_names(list(docs))

    def missing() -> list[str]:
        out = []
        for name in names:
            obj = get_or_none(io.dyn, crds, name, None)
            conds = ((obj or {}).get("status") or {}).get("conditions") or []
            if not any(c.get("type") == "Established" and c.get("status") == "True" for c in conds):
                out.append(name)
        return out

    poll(io, lambda: not missing(), timeout, 0.5)
    return missing()


def wait_controller(io: Io, image: str, timeout: float) -> bool:
    """The controller Deployment runs `image` and has a ready replica of it."""

    def ready() -> bool:
        doc = to_json(
            io.core.list_namespaced_pod(
                NAMESPACE, label_selector="component=controller", _request_timeout=TIMEOUT_S
            )
        )
        return any(
            p.ready and p.image == image
            for p in parse_metallb_pods(doc)
            if p.component == "controller"
        )

    return poll(io, ready, timeout, 0.5)


def replace_speaker(io: Io, node: str) -> str:
    """Delete the speaker pod on `node` (the DaemonSet, on OnDelete, makes its successor)."""
    doc = to_json(
        io.core.list_namespaced_pod(
            NAMESPACE,
            label_selector="component=speaker",
            field_selector=f"spec.nodeName={node}",
            _request_timeout=TIMEOUT_S,
        )
    )
    pods = [p["metadata"]["name"] for p in doc.get("items") or []]
    if not pods:
        raise DeviceError(f"no speaker pod on node {node}")
    for name in pods:
        io.core.delete_namespaced_pod(name, NAMESPACE, _request_timeout=TIMEOUT_S)
    return ", ".join(pods)


def rolling_update(io: Io) -> bool:
    """The speaker DaemonSet back to RollingUpdate; whether it changed."""
    ds = io.dyn.resources.get(api_version="apps/v1", kind="DaemonSet")
    live = get_or_none(io.dyn, ds, "speaker", NAMESPACE)
    if live is None or live["spec"].get("updateStrategy") == ROLLING_UPDATE:
        return False
    io.dyn.patch(
        ds,
        body={"spec": {"updateStrategy": ROLLING_UPDATE}},
        name="speaker",
        namespace=NAMESPACE,
        content_type=MERGE,
    )
    return True


def delete_configmap(io: Io) -> bool:
    try:
        io.core.delete_namespaced_config_map("config", NAMESPACE, _request_timeout=TIMEOUT_S)
    except Exception as exc:  # ApiException 404: already gone
        if getattr(exc, "status", None) != 404:
            raise
        return False
    return True
