"""kube-proxy: every node's data path from Services, EndpointSlices, Pods and Nodes.

A node gets Service rules only while a kube-proxy pod is ready on it (kubeadm's DaemonSet);
the pod network (addresses and routes) is kept on every node. The plans go to the DataPath.
"""

from __future__ import annotations

from lab.k8s.controllers.base import NODES, PODS, SERVICES, SLICES, World
from lab.kube_proxy import plan_node


def kube_proxy(world: World) -> None:
    nodes = world.store.list(NODES)
    services = world.store.list(SERVICES)
    slices = world.store.list(SLICES)
    pods = world.store.list(PODS)
    plans = {
        n["metadata"]["name"]: plan_node(n["metadata"]["name"], nodes, services, slices, pods)
        for n in nodes
    }
    world.datapath.sync(plans)
