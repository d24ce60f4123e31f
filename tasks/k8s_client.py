"""The Kubernetes API client the tasks share: a DynamicClient over a kubeconfig file.

Within a Nornir run, the client is a connection of the host a task runs on (the deploy's
Kubernetes phases run on the control-plane host): `run_client` opens it once, through the
Nornir connection plugin `bgplb_kubernetes`, and every later phase and wait of the run uses
the same client, so the API discovery (many requests) happens once per run, not per task.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kubernetes import config as k8s_config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.discovery import LazyDiscoverer
from kubernetes.dynamic.exceptions import DynamicApiError, NotFoundError
from nornir.core.configuration import Config
from nornir.core.inventory import ConnectionOptions
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.task import Task

FIELD_MANAGER = "bgplb"
CONNECTION = "bgplb_kubernetes"  # the Nornir connection plugin's name
T = TypeVar("T")


class _MemoryDiscoverer(LazyDiscoverer):
    """Discovery cached for this client only: never a stale file from another cluster."""

    def _write_cache(self) -> None:
        pass


def dynamic_client(kubeconfig: Path) -> Any:
    """A DynamicClient for the kubeconfig (its server, CA and tls-server-name)."""
    api = k8s_config.new_client_from_config(config_file=str(kubeconfig.expanduser()))  # type: ignore[no-untyped-call]
    never = str(Path(kubeconfig).expanduser().parent / ".bgplb-no-discovery-cache")
    return DynamicClient(api, cache_file=never, discoverer=_MemoryDiscoverer)  # type: ignore[no-untyped-call]


def client_for(client: Any | None, kubeconfig: Path | None) -> Any:
    if client is not None:
        return client
    if kubeconfig is None:
        raise ValueError("a kubeconfig path or a client is required")
    return dynamic_client(kubeconfig)


class KubernetesConnection:
    """Nornir connection plugin: a DynamicClient for the kubeconfig named in the connection's
    extras (`kubeconfig`); closed (its connection pool) with the run's connections."""

    connection: Any

    def open(
        self,
        hostname: str | None,
        username: str | None,
        password: str | None,
        port: int | None,
        platform: str | None,
        extras: dict[str, Any] | None = None,
        configuration: Config | None = None,
    ) -> None:
        _ = (hostname, username, password, port, platform, configuration)  # the kubeconfig's
        kubeconfig = (extras or {}).get("kubeconfig")
        if not kubeconfig:
            raise ValueError(f"connection {CONNECTION}: no kubeconfig in its extras")
        self.kubeconfig = str(kubeconfig)
        self.connection = dynamic_client(Path(self.kubeconfig))

    def close(self) -> None:
        api = getattr(self.connection, "client", None)
        close = getattr(api, "close", None)
        if callable(close):
            close()


def run_client(task: Task, kubeconfig: Path) -> Any:
    """The run's DynamicClient for `kubeconfig`, a connection of the task's host: opened on
    first use, then the same client for every task of the run on that host."""
    if CONNECTION not in ConnectionPluginRegister.available:
        ConnectionPluginRegister.register(CONNECTION, KubernetesConnection)
    host, path = task.host, str(kubeconfig)
    options = host.connection_options.get(CONNECTION)
    if options is None or (options.extras or {}).get("kubeconfig") != path:
        if CONNECTION in host.connections:  # another kubeconfig than the open client's
            host.close_connection(CONNECTION)
        host.connection_options[CONNECTION] = ConnectionOptions(extras={"kubeconfig": path})
    return host.get_connection(CONNECTION, task.nornir.config)


def get_or_none(dyn: Any, resource: Any, name: str, namespace: str | None) -> dict[str, Any] | None:
    try:
        obj = dyn.get(resource, name=name, namespace=namespace)
    except NotFoundError:
        return None
    out: dict[str, Any] = obj.to_dict()
    return out


def list_by_name(
    dyn: Any, resource: Any, namespaces: set[str | None] | None = None
) -> dict[tuple[str | None, str], dict[str, Any]]:
    """Every object of a kind, in one list request: {(namespace or None, name): object}.

    A namespaced kind is listed across namespaces, or in its one namespace when `namespaces`
    names exactly one (a user allowed in that namespace only can still read it)."""
    only = next(iter(namespaces)) if namespaces is not None and len(namespaces) == 1 else None
    listed = dyn.get(resource, namespace=only) if resource.namespaced else dyn.get(resource)
    items = listed.to_dict().get("items") or []
    return {
        (
            (item["metadata"].get("namespace") if resource.namespaced else None),
            item["metadata"]["name"],
        ): item
        for item in items
    }


def webhook_not_ready(exc: DynamicApiError) -> bool:
    """The API server could not reach an admission webhook (it is starting): worth a retry."""
    body = str(getattr(exc, "body", "") or "")
    return exc.status in (500, 502, 503) and "webhook" in body


def retrying(
    call: Callable[[], T],
    retry_if: Callable[[DynamicApiError], bool],
    timeout: float,
    interval: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    deadline = clock() + timeout
    while True:
        try:
            return call()
        except DynamicApiError as exc:
            if not retry_if(exc) or clock() >= deadline:
                raise
        sleep(interval)
