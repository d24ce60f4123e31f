"""Gather the cluster's side of the audit from the Kubernetes API (official `kubernetes` client).

Reads nodes, MetalLB pods, MetalLB's configuration in the dialect the running speakers use
(ConfigMap up to 0.12, CRDs from 0.13), LoadBalancer Services and their EndpointSlices. Every
answer is API JSON, read by the pure parsers of bgplb.audit.parse_cluster.

The reads go through the client's ApiClient as plain GETs whose JSON is kept as JSON
(`JsonApi`): the typed API classes would import their modules (about 0.5 s) and build a model
object for every node, pod, Service and EndpointSlice, which the audit only turns back into
JSON.
"""

from __future__ import annotations

import json
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
    if isinstance(obj, JsonAnswer):
        return obj.doc
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


class JsonAnswer:
    """An answer of `JsonApi`: the API's JSON document, as the server sent it."""

    __slots__ = ("doc",)

    def __init__(self, doc: Any) -> None:
        self.doc = doc


class JsonApi:
    """The audit's reads (the methods of the CoreApi, DiscoveryApi, CustomApi and
    CoordinationApi protocols) as GETs on one `kubernetes.client.ApiClient`: its
    configuration, TLS, authentication and connection pool, with the answers' JSON kept."""

    def __init__(self, api_client: Any) -> None:
        self.api_client = api_client

    def _get(self, path: str, label_selector: str | None = None, **kw: Any) -> JsonAnswer:
        from kubernetes.client.exceptions import ApiException

        query = [("labelSelector", label_selector)] if label_selector else []
        request = self.api_client.param_serialize(
            method="GET",
            resource_path=path,
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        response = self.api_client.call_api(*request, _request_timeout=kw.get("_request_timeout"))
        data = response.read()
        if not 200 <= response.status <= 299:
            raise ApiException(http_resp=response)
        return JsonAnswer(json.loads(data))

    def list_node(self, **kw: Any) -> JsonAnswer:
        return self._get("/api/v1/nodes", **kw)

    def list_namespaced_pod(self, namespace: str, **kw: Any) -> JsonAnswer:
        return self._get(f"/api/v1/namespaces/{_segment(namespace)}/pods", **kw)

    def read_namespaced_config_map(self, name: str, namespace: str, **kw: Any) -> JsonAnswer:
        path = f"/api/v1/namespaces/{_segment(namespace)}/configmaps/{_segment(name)}"
        return self._get(path, **kw)

    def list_service_for_all_namespaces(self, **kw: Any) -> JsonAnswer:
        return self._get("/api/v1/services", **kw)

    def list_endpoint_slice_for_all_namespaces(self, **kw: Any) -> JsonAnswer:
        return self._get("/apis/discovery.k8s.io/v1/endpointslices", **kw)

    def list_namespaced_lease(self, namespace: str, **kw: Any) -> JsonAnswer:
        return self._get(
            f"/apis/coordination.k8s.io/v1/namespaces/{_segment(namespace)}/leases", **kw
        )

    def list_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, **kw: Any
    ) -> Any:
        path = "/".join(
            [
                "/apis",
                *(_segment(x) for x in (group, version)),
                "namespaces",
                _segment(namespace),
                _segment(plural),
            ]
        )
        return self._get(path, **kw).doc  # the typed client's answer is a dict here too


def _segment(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def kube_apis(
    site: Site, resolve: Callable[[str], bool] = resolves
) -> tuple[CoreApi, DiscoveryApi, CustomApi, CoordinationApi]:
    """The four API clients (one JsonApi), from the kubeconfig the site model names."""
    from kubernetes.client.api_client import ApiClient
    from kubernetes.client.configuration import Configuration
    from kubernetes.config.kube_config import load_kube_config_from_dict

    cfg = Configuration()
    loader: Any = load_kube_config_from_dict
    loader(kubeconfig_for_audit(site, resolve), client_configuration=cfg, persist_config=False)
    api = JsonApi(ApiClient(cfg))
    return api, api, api, api


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
