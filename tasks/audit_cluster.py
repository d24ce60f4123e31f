"""Gather the cluster's side of the audit from the Kubernetes API (official `kubernetes` client).

Reads nodes, MetalLB pods, MetalLB's configuration in the dialect the running speakers use
(ConfigMap up to 0.12, CRDs from 0.13), LoadBalancer Services and their EndpointSlices. Every
answer is turned into API JSON and read by the pure parsers of bgplb.audit.parse_cluster.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from nornir.core.task import Result, Task

from bgplb.audit.observations import ClusterObservation
from bgplb.audit.parse_cluster import cluster_observation, parse_metallb_pods
from bgplb.audit.semantics import semantics_for
from bgplb.errors import DeviceError
from bgplb.k8s.kubeconfig import apply_override, parse_kubeconfig, plan_override, server_of
from bgplb.model import Site

NAMESPACE = "metallb-system"
GROUP = "metallb.io"
# plural -> API versions to try, preferred first (BGPPeer v1beta2 is preferred from 0.14.9)
CRD_VERSIONS: dict[str, tuple[str, ...]] = {
    "ipaddresspools": ("v1beta1",),
    "bgpadvertisements": ("v1beta1",),
    "bgppeers": ("v1beta2", "v1beta1"),
}
TIMEOUT_S = 10
LEASE_NAMESPACE = "kube-node-lease"


class CoreApi(Protocol):
    def list_node(self, **kw: Any) -> Any: ...
    def list_namespaced_pod(self, namespace: str, **kw: Any) -> Any: ...
    def read_namespaced_config_map(self, name: str, namespace: str, **kw: Any) -> Any: ...
    def list_service_for_all_namespaces(self, **kw: Any) -> Any: ...


class CoordinationApi(Protocol):
    def list_namespaced_lease(self, namespace: str, **kw: Any) -> Any: ...


class DiscoveryApi(Protocol):
    def list_endpoint_slice_for_all_namespaces(self, **kw: Any) -> Any: ...


class CustomApi(Protocol):
    def list_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, **kw: Any
    ) -> Any: ...


def to_json(obj: Any) -> Any:
    """An API answer (client model objects or plain dicts) in its JSON form."""
    from kubernetes.client import ApiClient

    client: Any = ApiClient()
    return client.sanitize_for_serialization(obj)


def _status(exc: Exception) -> int | None:
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


def gather_cluster(
    core: CoreApi,
    discovery: DiscoveryApi,
    custom: CustomApi,
    site: Site,
    coordination: CoordinationApi | None = None,
) -> ClusterObservation:
    t = {"_request_timeout": TIMEOUT_S}
    pods = to_json(core.list_namespaced_pod(NAMESPACE, label_selector="app=metallb", **t))
    versions = {p.version for p in parse_metallb_pods(pods) if p.version}
    version = versions.pop() if len(versions) == 1 else site.metallb.version_tuple
    raw: dict[str, Any] = {
        "dialect": semantics_for(version).dialect,
        "nodes": to_json(core.list_node(**t)),
        "pods": pods,
        "services": to_json(core.list_service_for_all_namespaces(**t)),
        "endpointslices": to_json(discovery.list_endpoint_slice_for_all_namespaces(**t)),
    }
    if coordination is not None:  # the nodes' heartbeats: Lease age beside Ready
        raw["now"] = datetime.now(UTC).isoformat()
        raw["leases"] = to_json(coordination.list_namespaced_lease(LEASE_NAMESPACE, **t))
    if raw["dialect"] == "configmap":
        try:
            raw["configmap"] = to_json(core.read_namespaced_config_map("config", NAMESPACE, **t))
        except Exception as exc:  # kubernetes.client.ApiException; only 404 means "absent"
            if _status(exc) != 404:
                raise
            raw["configmap"] = None
    else:
        for plural, versions_ in CRD_VERSIONS.items():
            raw[plural] = _custom_list(custom, plural, versions_)
    return cluster_observation(raw)


def _custom_list(custom: CustomApi, plural: str, versions: tuple[str, ...]) -> Any:
    for i, version in enumerate(versions):
        try:
            return custom.list_namespaced_custom_object(
                GROUP, version, NAMESPACE, plural, _request_timeout=TIMEOUT_S
            )
        except Exception as exc:  # a version the server does not serve: try the next one
            if _status(exc) != 404 or i == len(versions) - 1:
                raise
    raise AssertionError("unreachable")


def resolves(name: str) -> bool:
    """Whether this workstation resolves `name` (the control-plane endpoint)."""
    try:
        return bool(socket.getaddrinfo(name, None))
    except (socket.gaierror, UnicodeError):
        return False


def kubeconfig_for_audit(site: Site, resolve: Callable[[str], bool] = resolves) -> dict[str, Any]:
    """The site's kubeconfig as a dict, its server pointed where the deploy would point it:
    `kubernetes.api_server_override` (an address, ADDRESS:PORT or https:// URL), else the
    control-plane address when the endpoint name does not resolve; TLS still verified for
    the endpoint name (`tls-server-name`). Errors never quote the file (it holds a key)."""
    path = site.kubernetes.kubeconfig.expanduser()
    try:
        text = path.read_text()
    except OSError as exc:
        raise DeviceError(f"kubeconfig {path}: {exc.strerror or type(exc).__name__}") from None
    config = parse_kubeconfig(text)
    return apply_override(config, plan_override(site, server_of(config), resolve))


def kube_apis(
    site: Site, resolve: Callable[[str], bool] = resolves
) -> tuple[CoreApi, DiscoveryApi, CustomApi, CoordinationApi]:
    """The four API clients, from the kubeconfig the site model names."""
    from kubernetes import client
    from kubernetes import config as kubeconfig

    cfg = client.Configuration()
    loader: Any = kubeconfig.load_kube_config_from_dict
    loader(kubeconfig_for_audit(site, resolve), client_configuration=cfg, persist_config=False)
    api = client.ApiClient(cfg)
    apis: tuple[Any, Any, Any, Any] = (
        client.CoreV1Api(api),
        client.DiscoveryV1Api(api),
        client.CustomObjectsApi(api),
        client.CoordinationV1Api(api),
    )
    return apis


class KubeClients:
    """The API clients of one audit, made on first use and kept for its later rounds
    (`--watch`: one TLS session to the API server, not one per round)."""

    def __init__(self) -> None:
        self.apis: tuple[CoreApi, DiscoveryApi, CustomApi, CoordinationApi] | None = None

    def get(self, site: Site) -> tuple[CoreApi, DiscoveryApi, CustomApi, CoordinationApi]:
        if self.apis is None:
            self.apis = kube_apis(site)
        return self.apis

    def close(self) -> None:
        if self.apis is not None:
            api_client = getattr(self.apis[0], "api_client", None)
            close = getattr(api_client, "close", None)
            if callable(close):
                close()
        self.apis = None


def audit_cluster(task: Task, site: Site, kube: KubeClients | None = None) -> Result:
    """Nornir task (run on a control-plane host): the cluster as MetalLB sees it."""
    core, discovery, custom, coordination = (kube or KubeClients()).get(site)
    return Result(
        host=task.host, result=gather_cluster(core, discovery, custom, site, coordination)
    )
