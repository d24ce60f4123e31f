"""The demo application of the write-up: an nginx Deployment and its LoadBalancer Service (pure)."""

from __future__ import annotations

from typing import Any

from bgplb.model import Site
from bgplb.model.specs import ServiceSpec

LB_IPS_ANNOTATION = "metallb.universe.tf/loadBalancerIPs"
Doc = dict[str, Any]


def deployment_name(svc: ServiceSpec) -> str:
    return f"{svc.app}-deployment"


def render_deployment(svc: ServiceSpec) -> Doc:
    """The write-up's Deployment, plus (stop_delay_seconds > 0) a preStop hook that sleeps:
    a pod being deleted leaves its Service's endpoints at once, but each node's kube-proxy drops
    it only at its next sync, while the container (nginx: SIGTERM is a fast shutdown) would stop
    at once. Without the pause, a connection DNATed to it in between fails; with it, the pod
    serves until every node stopped sending to it (Kubernetes docs, "Pod termination")."""

    def labels() -> dict[str, str]:
        return {"app": svc.app}

    container: Doc = {"name": svc.app, "image": svc.image, "ports": [{"containerPort": svc.port}]}
    if svc.stop_delay_seconds:
        container["lifecycle"] = {
            "preStop": {"exec": {"command": ["sleep", str(svc.stop_delay_seconds)]}}
        }

    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": deployment_name(svc), "namespace": svc.namespace, "labels": labels()},
        "spec": {
            "replicas": svc.replicas,
            "selector": {"matchLabels": labels()},
            "template": {
                "metadata": {"labels": labels()},
                "spec": {"containers": [container]},
            },
        },
    }


def render_service(svc: ServiceSpec) -> Doc:
    """type LoadBalancer; the LB IP asked for both ways MetalLB reads (field and annotation)."""
    metadata: Doc = {"name": svc.name, "namespace": svc.namespace}
    spec: Doc = {"type": "LoadBalancer"}
    if svc.lb_ip is not None:
        metadata["annotations"] = {LB_IPS_ANNOTATION: str(svc.lb_ip)}
        spec["loadBalancerIP"] = str(svc.lb_ip)
    spec["externalTrafficPolicy"] = svc.external_traffic_policy
    spec["selector"] = {"app": svc.app}
    spec["ports"] = [{"name": "http", "protocol": "TCP", "port": svc.port, "targetPort": svc.port}]
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def render_demo_app(site: Site) -> list[Doc]:
    """Per service of the site: its Deployment, then its Service."""
    return [doc for svc in site.services for doc in (render_deployment(svc), render_service(svc))]
