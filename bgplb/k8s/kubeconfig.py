"""The admin kubeconfig fetched from the control plane, pointed at an address the workstation
can reach while TLS is still verified against the cluster CA for the endpoint name (pure).

kubeadm's admin.conf names the API server by the control-plane endpoint
(`https://k8s-cluster.example.com:6443`). When that name does not resolve from the
workstation, `server` is rewritten to an address that does and the cluster's
`tls-server-name` keeps the name the certificate was issued for.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address
from typing import Any
from urllib.parse import urlsplit

import yaml

from bgplb.errors import DeviceError, InputError
from bgplb.model import Site

DEFAULT_PORT = 6443


@dataclass(frozen=True)
class ServerOverride:
    """Where the kubeconfig's server should point, and the name TLS must verify."""

    server: str  # https://ADDRESS:PORT
    tls_server_name: str
    reason: str


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise DeviceError(f"kubeconfig server {url!r} is not an https:// URL")
    return parts.hostname, parts.port or 443


def _is_address(host: str) -> bool:
    try:
        ip_address(host)
    except ValueError:
        return False
    return True


def _url(host: str, port: int) -> str:
    if _is_address(host) and isinstance(ip_address(host), IPv6Address):
        host = f"[{host}]"
    return f"https://{host}:{port}"


def _explicit(value: str, port: int) -> str:
    """api_server_override as written: an address, ADDRESS:PORT, or an https:// URL."""
    if value.startswith("https://"):
        return _url(*_host_port(value))
    if "://" in value:
        raise InputError(f"kubernetes.api_server_override {value!r}: only https:// is possible")
    host, sep, given = value.rpartition(":")
    if sep and given.isdigit() and host and ":" not in host:
        return _url(host, int(given))
    return _url(value, port)


def plan_override(
    site: Site, current_server: str, resolves: Callable[[str], bool]
) -> ServerOverride | None:
    """None when the kubeconfig works as kubeadm wrote it.

    - `kubernetes.api_server_override` set: always use it;
    - else the server's host name does not resolve from here: use the control-plane node's
      address on the same port;
    - else (it resolves, or it is an address already): no override.
    """
    host, port = _host_port(current_server)
    explicit = site.kubernetes.api_server_override
    if explicit:
        return ServerOverride(_explicit(explicit, port), host, "kubernetes.api_server_override")
    if _is_address(host) or resolves(host):
        return None
    address = str(site.control_plane.address)
    return ServerOverride(
        _url(address, port), host, f"{host} does not resolve; using {site.control_plane.name}"
    )


def parse_kubeconfig(text: str) -> dict[str, Any]:
    """admin.conf as a dict; errors never quote the text (it holds a client key)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DeviceError(f"admin kubeconfig is not YAML ({type(exc).__name__})") from None
    if not isinstance(doc, dict) or doc.get("kind") != "Config" or not doc.get("clusters"):
        raise DeviceError("admin kubeconfig is not a kubeconfig (kind: Config with clusters)")
    return doc


def current_cluster(config: dict[str, Any]) -> dict[str, Any]:
    """The `cluster:` mapping the current context uses."""
    contexts = {c["name"]: c["context"] for c in config.get("contexts") or []}
    context = contexts.get(config.get("current-context", ""))
    clusters = {c["name"]: c["cluster"] for c in config["clusters"]}
    name = context["cluster"] if context else next(iter(clusters))
    if name not in clusters:
        raise DeviceError(f"kubeconfig: current context names unknown cluster {name!r}")
    cluster: dict[str, Any] = clusters[name]
    return cluster


def server_of(config: dict[str, Any]) -> str:
    server = current_cluster(config).get("server")
    if not isinstance(server, str):
        raise DeviceError("kubeconfig: the current cluster has no server")
    return server


def apply_override(config: dict[str, Any], override: ServerOverride | None) -> dict[str, Any]:
    """A copy of `config` whose current cluster points at the override (unchanged if None)."""
    out = copy.deepcopy(config)
    if override is None:
        return out
    cluster = current_cluster(out)
    cluster["server"] = override.server
    cluster.setdefault("tls-server-name", override.tls_server_name)
    return out


def render_kubeconfig(config: dict[str, Any]) -> str:
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)
