"""What `kubeadm init` puts into a new cluster: the control plane's mirror pods, and the
CoreDNS and kube-proxy add-ons with their ConfigMaps (created once, on init's request)."""

from __future__ import annotations

from lab.k8s.controllers.base import PODS, World, create
from lab.k8s.kubelets import Kubelet
from lab.k8s.store import JsonObj

ADDONS_MARKER = "kubeadm-addons.pending"
COREFILE = """.:53 {
    errors
    health
    kubernetes cluster.local in-addr.arpa ip6.arpa
    forward . /etc/resolv.conf
    cache 30
}
"""
KUBE_PROXY_CONF = """apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clusterCIDR: {cidr}
mode: ""
ipvs:
  strictARP: false
"""
MANAGER = "kubeadm"
MASTER_TOLERATIONS = [
    {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"},
    {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
    {"key": "CriticalAddonsOnly", "operator": "Exists"},
]
STATIC = {
    "etcd": "k8s.gcr.io/etcd:3.4.13-0",
    "kube-apiserver": "k8s.gcr.io/kube-apiserver:v{v}",
    "kube-controller-manager": "k8s.gcr.io/kube-controller-manager:v{v}",
    "kube-scheduler": "k8s.gcr.io/kube-scheduler:v{v}",
}


def mirror_pods(world: World, kubelet: Kubelet) -> None:
    for component, image in STATIC.items():
        name = f"{component}-{kubelet.name}"
        if world.store.get(PODS, "kube-system", name) is not None:
            continue
        create(
            world,
            "",
            "Pod",
            {
                "metadata": {
                    "name": name,
                    "namespace": "kube-system",
                    "labels": {"component": component, "tier": "control-plane"},
                    "annotations": {
                        "kubernetes.io/config.mirror": name,
                        "kubernetes.io/config.source": "file",
                    },
                    "ownerReferences": [],
                },
                "spec": {
                    "containers": [
                        {"name": component, "image": image.format(v=world.cluster.version)}
                    ],
                    "hostNetwork": True,
                    "nodeName": kubelet.name,
                    "priorityClassName": "system-node-critical",
                    "tolerations": [{"operator": "Exists", "effect": "NoExecute"}],
                },
            },
            "kubelet",
        )


def _coredns(world: World) -> list[tuple[str, str, JsonObj]]:
    labels = {"k8s-app": "kube-dns"}
    dns_ip = str(world.cluster.service_network.network_address + 10)
    return [
        (
            "",
            "ConfigMap",
            {
                "metadata": {"name": "coredns", "namespace": "kube-system"},
                "data": {"Corefile": COREFILE},
            },
        ),
        (
            "apps",
            "Deployment",
            {
                "metadata": {"name": "coredns", "namespace": "kube-system", "labels": labels},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "containers": [
                                {
                                    "name": "coredns",
                                    "image": "k8s.gcr.io/coredns/coredns:v1.8.0",
                                    "ports": [
                                        {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                                        {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                                    ],
                                }
                            ],
                            "tolerations": MASTER_TOLERATIONS,
                            "priorityClassName": "system-cluster-critical",
                            "volumes": [
                                {"name": "config-volume", "configMap": {"name": "coredns"}}
                            ],
                        },
                    },
                },
            },
        ),
        (
            "",
            "Service",
            {
                "metadata": {
                    "name": "kube-dns",
                    "namespace": "kube-system",
                    "labels": {**labels, "kubernetes.io/name": "CoreDNS"},
                },
                "spec": {
                    "clusterIP": dns_ip,
                    "selector": labels,
                    "ports": [
                        {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                        {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                    ],
                },
            },
        ),
    ]


def _kube_proxy(world: World) -> list[tuple[str, str, JsonObj]]:
    labels = {"k8s-app": "kube-proxy"}
    return [
        (
            "",
            "ConfigMap",
            {
                "metadata": {
                    "name": "kube-proxy",
                    "namespace": "kube-system",
                    "labels": {"app": "kube-proxy"},
                },
                "data": {"config.conf": KUBE_PROXY_CONF.format(cidr=world.cluster.pod_cidr)},
            },
        ),
        (
            "apps",
            "DaemonSet",
            {
                "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": labels},
                "spec": {
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "containers": [
                                {
                                    "name": "kube-proxy",
                                    "image": f"k8s.gcr.io/kube-proxy:v{world.cluster.version}",
                                }
                            ],
                            "hostNetwork": True,
                            "nodeSelector": {"kubernetes.io/os": "linux"},
                            "tolerations": [{"operator": "Exists"}],
                            "priorityClassName": "system-node-critical",
                            "volumes": [
                                {"name": "kube-proxy", "configMap": {"name": "kube-proxy"}}
                            ],
                        },
                    },
                },
            },
        ),
    ]


def _kubeadm_config(world: World) -> list[tuple[str, str, JsonObj]]:
    c = world.cluster
    cfg = (
        "apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\nkubernetesVersion: "
        f"v{c.version}\n"
        f"controlPlaneEndpoint: {c.endpoint}:{c.port}\nnetworking:\n  dnsDomain: cluster.local\n"
        f"  podSubnet: {c.pod_cidr}\n  serviceSubnet: {c.service_cidr}\n"
    )
    return [
        (
            "",
            "ConfigMap",
            {
                "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
                "data": {"ClusterConfiguration": cfg},
            },
        )
    ]


def addons(world: World) -> None:
    marker = world.state_dir / ADDONS_MARKER
    if not marker.is_file():
        return
    for group, kind, obj in _kubeadm_config(world) + _coredns(world) + _kube_proxy(world):
        create(world, group, kind, obj, MANAGER)
    marker.unlink(missing_ok=True)
