"""The scheduler (bind pending pods to ready nodes) and the kubelets (run bound pods).

A pod runs once its node is Ready and every Secret/ConfigMap it needs exists; until then it
waits with the reason a real kubelet gives (CreateContainerConfigError, ContainerCreating).
Pod addresses come from the pod CIDR (hostNetwork pods take their node's address).
"""

from __future__ import annotations

import datetime as dt

from lab.k8s.controllers.base import CONFIGMAPS, NODES, PODS, SECRETS, World, condition, set_status
from lab.k8s.controllers.housekeeping import node_ready
from lab.k8s.controllers.scheduling import fits
from lab.k8s.store import JsonObj, meta, now_rfc3339
from lab.k8s.termination import finish


def _owner_uid(pod: JsonObj) -> str:
    refs = meta(pod).get("ownerReferences") or []
    return str(refs[0].get("uid")) if refs else ""


def schedule(world: World) -> None:
    nodes = world.store.list(NODES)
    pods = world.store.list(PODS)
    for pod in pods:
        if pod["spec"].get("nodeName") or meta(pod).get("deletionTimestamp"):
            continue
        candidates = [n for n in nodes if fits(pod["spec"], n)]
        if not candidates:
            set_status(
                world,
                PODS,
                pod,
                {
                    **{
                        k: v
                        for k, v in (pod.get("status") or {}).items()
                        if k in ("phase", "qosClass")
                    },
                    "phase": "Pending",
                    "conditions": [
                        condition(
                            "PodScheduled",
                            False,
                            "Unschedulable",
                            f"0/{len(nodes)} nodes are available.",
                        )
                    ],
                },
            )
            continue
        owner = _owner_uid(pod)

        def load(n: JsonObj, owner: str = owner) -> tuple[int, int, str]:
            name = n["metadata"]["name"]
            on = [p for p in pods if p["spec"].get("nodeName") == name]
            return (sum(1 for p in on if owner and _owner_uid(p) == owner), len(on), name)

        chosen = min(candidates, key=load)["metadata"]["name"]
        pod["spec"]["nodeName"] = chosen
        world.store.update(PODS, pod)


def _missing_config(world: World, pod: JsonObj) -> tuple[str, str] | None:
    """(reason, message) when a Secret or ConfigMap the pod needs is absent."""
    ns = meta(pod)["namespace"]
    spec = pod["spec"]
    for vol in spec.get("volumes") or []:
        for kind, key, gr, what in (
            ("secret", "secretName", SECRETS, "secret"),
            ("configMap", "name", CONFIGMAPS, "configmap"),
        ):
            src = vol.get(kind)
            if (
                src
                and not src.get("optional")
                and world.store.get(gr, ns, src.get(key, "")) is None
            ):
                return (
                    "ContainerCreating",
                    f'MountVolume.SetUp failed for volume "{vol.get("name")}" : {what} '
                    f'"{src.get(key)}" not found',
                )
    for c in spec.get("containers") or []:
        for env in c.get("env") or []:
            value_from = env.get("valueFrom") or {}
            for kind, gr, label in (
                ("secretKeyRef", SECRETS, "secret"),
                ("configMapKeyRef", CONFIGMAPS, "configmap"),
            ):
                ref = value_from.get(kind)
                if not ref or ref.get("optional"):
                    continue
                obj = world.store.get(gr, ns, ref.get("name", ""))
                if obj is None:
                    return ("CreateContainerConfigError", f'{label} "{ref.get("name")}" not found')
                if ref.get("key") not in (obj.get("data") or {}):
                    return (
                        "CreateContainerConfigError",
                        f"couldn't find key {ref.get('key')} in {label.capitalize()} "
                        f"{ns}/{ref.get('name')}",
                    )
    return None


def _used_pod_ips(pods: list[JsonObj]) -> set[str]:
    return {
        str((p.get("status") or {}).get("podIP")) for p in pods if not p["spec"].get("hostNetwork")
    }


def _allocate_ip(world: World, used: set[str]) -> str:
    for host in world.cluster.pod_network.hosts():
        if str(host) not in used:
            return str(host)
    return ""


def _container_statuses(pod: JsonObj, running: bool, reason: str, started: str) -> list[JsonObj]:
    out = []
    for c in pod["spec"].get("containers") or []:
        state = {"running": {"startedAt": started}} if running else {"waiting": {"reason": reason}}
        out.append(
            {
                "name": c["name"],
                "image": c.get("image", ""),
                "imageID": "",
                "ready": running,
                "restartCount": 0,
                "started": running,
                "state": state,
                **(
                    {"containerID": f"cri-o://{meta(pod)['uid'].replace('-', '')}"}
                    if running
                    else {}
                ),
            }
        )
    return out


def kubelets(world: World) -> None:
    nodes = {n["metadata"]["name"]: n for n in world.store.list(NODES)}
    pods = world.store.list(PODS)
    used = _used_pod_ips(pods)
    now = dt.datetime.now(dt.UTC)
    for pod in pods:
        node_name = pod["spec"].get("nodeName")
        node = nodes.get(node_name or "")
        if node is None:
            continue
        if meta(pod).get("deletionTimestamp"):  # its hook runs; then the kubelet removes it
            if node_ready(node):
                finish(world.store, pod, now)
            continue
        status = dict(pod.get("status") or {})
        host_ip = next(
            (
                a["address"]
                for a in node["status"].get("addresses", [])
                if a["type"] == "InternalIP"
            ),
            "",
        )
        if not node_ready(node):
            if status.get("phase") == "Running":
                status["conditions"] = [
                    condition("PodScheduled", True),
                    condition("Initialized", True),
                    condition("ContainersReady", False),
                    condition("Ready", False),
                ]
                set_status(world, PODS, pod, status)
            continue
        missing = _missing_config(world, pod)
        started = status.get("startTime") or now_rfc3339()
        status.update(
            {
                "hostIP": host_ip,
                "startTime": started,
                "qosClass": status.get("qosClass", "BestEffort"),
            }
        )
        if missing is not None:
            reason, message = missing
            status["phase"] = "Pending"
            status["conditions"] = [
                condition("PodScheduled", True),
                condition("Initialized", True),
                condition(
                    "ContainersReady", False, "ContainersNotReady", "containers with unready status"
                ),
                condition("Ready", False, "ContainersNotReady", "containers with unready status"),
            ]
            status["containerStatuses"] = _container_statuses(pod, False, reason, started)
            status["containerStatuses"][0]["state"]["waiting"]["message"] = message
            set_status(world, PODS, pod, status)
            continue
        if pod["spec"].get("hostNetwork"):
            ip = host_ip
        else:
            ip = status.get("podIP") or _allocate_ip(world, used)
        status.update(
            {
                "phase": "Running",
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "conditions": [
                    condition("Initialized", True),
                    condition("Ready", True),
                    condition("ContainersReady", True),
                    condition("PodScheduled", True),
                ],
                "containerStatuses": _container_statuses(pod, True, "", started),
            }
        )
        used.add(ip)
        set_status(world, PODS, pod, status)
