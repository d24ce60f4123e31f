"""Control-plane housekeeping: built-in namespaces and the `kubernetes` Service, default
ServiceAccounts, CRDs becoming Established, nodes registered by their kubelets."""

from __future__ import annotations

import datetime as dt

from lab.k8s.controllers.addons import addons, mirror_pods
from lab.k8s.controllers.base import (
    ENDPOINTS,
    NAMESPACES,
    NODES,
    World,
    condition,
    create,
    replace_field,
    set_status,
)
from lab.k8s.kubelets import Kubelet, read_kubelets
from lab.k8s.store import JsonObj

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")
MANAGER = "kube-apiserver"
EXCLUDE_LB = "node.kubernetes.io/exclude-from-external-load-balancers"


def bootstrap(world: World) -> None:
    _namespaces_and_api(world)
    addons(world)


def _namespaces_and_api(world: World) -> None:
    for ns in SYSTEM_NAMESPACES:
        if world.store.get(NAMESPACES, "", ns) is None:
            create(world, "", "Namespace", {"metadata": {"name": ns}}, MANAGER)
    c = world.cluster
    if world.store.get(("", "services"), "default", "kubernetes") is None:
        create(
            world,
            "",
            "Service",
            {
                "metadata": {
                    "name": "kubernetes",
                    "namespace": "default",
                    "labels": {"component": "apiserver", "provider": "kubernetes"},
                },
                "spec": {
                    "type": "ClusterIP",
                    "clusterIP": str(c.kubernetes_service_ip),
                    "ports": [
                        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": c.port}
                    ],
                },
            },
            MANAGER,
        )
    if world.store.get(ENDPOINTS, "default", "kubernetes") is None:
        create(
            world,
            "",
            "Endpoints",
            {
                "metadata": {"name": "kubernetes", "namespace": "default"},
                "subsets": [
                    {
                        "addresses": [{"ip": c.advertise_address}],
                        "ports": [{"name": "https", "port": c.port, "protocol": "TCP"}],
                    }
                ],
            },
            MANAGER,
        )


def service_accounts(world: World) -> None:
    for ns in world.store.list(NAMESPACES):
        name = ns["metadata"]["name"]
        if ns["metadata"].get("deletionTimestamp"):
            continue
        if world.store.get(("", "serviceaccounts"), name, "default") is None:
            create(
                world,
                "",
                "ServiceAccount",
                {"metadata": {"name": "default", "namespace": name}},
                "kube-controller-manager",
            )


def crds(world: World) -> None:
    for crd in world.store.list(CRDS):
        spec = crd.get("spec") or {}
        status = {
            "acceptedNames": spec.get("names", {}),
            "conditions": [
                condition("NamesAccepted", True, "NoConflicts", "no conflicts found"),
                condition(
                    "Established",
                    True,
                    "InitialNamesAccepted",
                    "the initial names have been accepted",
                ),
            ],
            "storedVersions": [v["name"] for v in spec.get("versions", []) if v.get("storage")],
        }
        set_status(world, CRDS, crd, status)


def _node_object(k: Kubelet) -> JsonObj:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": k.name,
        "kubernetes.io/os": "linux",
    }
    spec: JsonObj = {}
    if k.control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node-role.kubernetes.io/master"] = ""
        labels[EXCLUDE_LB] = ""
        spec["taints"] = [{"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}]
    labels.update(k.labels)
    return {
        "metadata": {
            "name": k.name,
            "labels": labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "/var/run/crio/crio.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
    }


def _node_status(k: Kubelet, version: str, ready: bool | str) -> JsonObj:
    reason = {True: "KubeletReady", False: "KubeletNotReady", "Unknown": "NodeStatusUnknown"}[ready]
    message = {
        True: "kubelet is posting ready status",
        False: "container runtime network not ready",
        "Unknown": "Kubelet stopped posting node status.",
    }[ready]
    unknown = ready == "Unknown"
    pressure: bool | str = "Unknown" if unknown else False
    conds = [
        condition(
            "MemoryPressure",
            pressure,
            "NodeStatusUnknown" if unknown else "KubeletHasSufficientMemory",
        ),
        condition(
            "DiskPressure", pressure, "NodeStatusUnknown" if unknown else "KubeletHasNoDiskPressure"
        ),
        condition(
            "PIDPressure", pressure, "NodeStatusUnknown" if unknown else "KubeletHasSufficientPID"
        ),
        condition("Ready", ready, reason, message),
    ]
    return {
        "addresses": [
            {"type": "InternalIP", "address": k.address},
            {"type": "Hostname", "address": k.name},
        ],
        "allocatable": {
            "cpu": "4",
            "ephemeral-storage": "56403987978",
            "memory": "8037944Ki",
            "pods": "110",
        },
        "capacity": {
            "cpu": "4",
            "ephemeral-storage": "61202244Ki",
            "memory": "8140344Ki",
            "pods": "110",
        },
        "conditions": conds,
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "architecture": "amd64",
            "containerRuntimeVersion": k.runtime,
            "kernelVersion": "5.4.0-73-generic",
            "kubeProxyVersion": f"v{version}",
            "kubeletVersion": f"v{version}",
            "operatingSystem": "linux",
            "osImage": k.os_image,
            "bootID": "",
            "machineID": "",
            "systemUUID": "",
        },
    }


def node_monitor_grace_s(minor: tuple[int, int]) -> int:
    """kube-controller-manager --node-monitor-grace-period: 40 s, 50 s from 1.32 (KEP-4606)."""
    return 50 if minor >= (1, 32) else 40


def _lease_age_s(world: World, name: str) -> float | None:
    lease = world.store.get(LEASES, LEASE_NAMESPACE, name)
    renewed = str(((lease or {}).get("spec") or {}).get("renewTime") or "")
    try:
        when = dt.datetime.fromisoformat(renewed.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (dt.datetime.now(dt.UTC) - when).total_seconds()


def nodes(world: World) -> None:
    """Register each kubelet's Node; Ready while it runs, Unknown once it stopped.

    A running kubelet that cannot reach the API server (its node's link cut: the data path's
    `reaches_api`) posts nothing: its Lease ages, and the node lifecycle controller marks the
    Node Unknown once the Lease is older than the node monitor's grace period; the pods on it
    then turn not Ready (pods.kubelets), so their endpoints leave kube-proxy's rules."""
    version = world.cluster.version
    for k in read_kubelets(world.state_dir).values():
        if k.running and not world.datapath.reaches_api(k.name):
            node = world.store.get(NODES, "", k.name)
            age = _lease_age_s(world, k.name)
            grace = node_monitor_grace_s(world.cluster.minor)
            if node is not None and age is not None and age > grace:
                set_status(world, NODES, node, _node_status(k, version, "Unknown"))
            continue
        node = world.store.get(NODES, "", k.name)
        if node is None:
            if not k.running:
                continue
            node = create(world, "", "Node", _node_object(k), "kubelet")
            if node is None:
                continue
            # a freshly registered node reports NotReady once, then Ready on its next status update
            set_status(world, NODES, node, _node_status(k, version, False))
            continue
        ready: bool | str = True if k.running else "Unknown"
        set_status(world, NODES, node, _node_status(k, version, ready))
        if k.running:
            renew_lease(world, k.name)
        if k.control_plane and k.running:
            mirror_pods(world, k)


LEASES = ("coordination.k8s.io", "leases")
LEASE_NAMESPACE = "kube-node-lease"
LEASE_RENEW_S = 10  # the kubelet renews its 40 s Lease every 10 s
LEASE_DURATION_S = 40


def _micro_time(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def renew_lease(world: World, name: str) -> None:
    """The kubelet's heartbeat: its Lease in kube-node-lease, renewed every 10 s while it runs
    (a stopped kubelet's Lease ages, as on a real cluster)."""
    now = dt.datetime.now(dt.UTC)
    lease = world.store.get(LEASES, LEASE_NAMESPACE, name)
    if lease is None:
        spec = {
            "holderIdentity": name,
            "leaseDurationSeconds": LEASE_DURATION_S,
            "renewTime": _micro_time(now),
        }
        body = {"metadata": {"name": name, "namespace": LEASE_NAMESPACE}, "spec": spec}
        create(world, "coordination.k8s.io", "Lease", body, "kubelet")
        return
    renewed = str((lease.get("spec") or {}).get("renewTime") or "")
    try:
        age = (now - dt.datetime.fromisoformat(renewed.replace("Z", "+00:00"))).total_seconds()
    except ValueError:
        age = LEASE_RENEW_S
    if age >= LEASE_RENEW_S:
        spec = {**(lease.get("spec") or {}), "renewTime": _micro_time(now)}
        replace_field(world, LEASES, lease, "spec", spec)


def node_ready(node: JsonObj) -> bool:
    conds = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conds)
