"""The Kubernetes API client the tasks share: a DynamicClient over a kubeconfig file."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kubernetes import config as k8s_config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.discovery import LazyDiscoverer
from kubernetes.dynamic.exceptions import DynamicApiError, NotFoundError

FIELD_MANAGER = "bgplb"
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


def get_or_none(dyn: Any, resource: Any, name: str, namespace: str | None) -> dict[str, Any] | None:
    try:
        obj = dyn.get(resource, name=name, namespace=namespace)
    except NotFoundError:
        return None
    out: dict[str, Any] = obj.to_dict()
    return out


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
