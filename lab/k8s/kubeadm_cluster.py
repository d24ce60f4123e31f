"""The cluster side of the emulated `kubeadm`: what init, join, token create and reset do to
the emulated Kubernetes, behind a small protocol.

The twin's nodes use `lab.k8s.kubeadm_on_twin.TwinCluster` (the emulated API server of
lab/k8s). `LocalCluster` is an in-process fake kept in one JSON file, for the shell's and the
tasks' offline tests only: no API server, no kubeconfig that works.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class ClusterError(Exception):
    """kubeadm failed against the cluster: the message is kubeadm's own (after `error ...:`)."""


class JoinRefused(ClusterError):
    """kubeadm's discovery failed: the message is kubeadm's own."""


@dataclass(frozen=True)
class InitParams:
    version: str  # "1.21.1"
    endpoint: str  # control-plane endpoint name (no port)
    pod_cidr: str | None
    service_cidr: str
    cri_socket: str | None


@dataclass(frozen=True)
class Joined:
    """What a node gets: kubeconfig texts (admin only on the control plane) and join data."""

    kubelet_conf: str
    admin_conf: str | None
    endpoint: str  # host:port
    token: str
    ca_cert_hash: str
    ca_cert: str = "-----BEGIN CERTIFICATE-----\nemulated\n-----END CERTIFICATE-----\n"


class Cluster(Protocol):
    def is_initialised(self) -> bool: ...
    def init_cluster(self, node: str, address: str, params: InitParams) -> Joined: ...
    def create_token(self) -> Joined: ...
    def join_node(
        self, node: str, address: str, endpoint: str, token: str, ca_hash: str, dial: str
    ) -> Joined:
        """`dial`: address:port the endpoint resolves to from the node (its /etc/hosts)."""
        ...

    def reset_node(self, node: str) -> None: ...


def _token() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    pick = "".join(secrets.choice(alphabet) for _ in range(22))
    return f"{pick[:6]}.{pick[6:]}"


def kubeconfig_text(server: str, ca: str, user: str) -> str:
    b64 = base64.b64encode(ca.encode()).decode()
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "kubernetes", "cluster": {"server": server, "certificate-authority-data": b64}}
        ],
        "contexts": [
            {"name": f"{user}@kubernetes", "context": {"cluster": "kubernetes", "user": user}}
        ],
        "current-context": f"{user}@kubernetes",
        "preferences": {},
        "users": [{"name": user, "user": {"client-certificate-data": b64, "client-key-data": b64}}],
    }
    return json.dumps(doc, indent=2) + "\n"


class LocalCluster:
    """A cluster kept in `<path>` (JSON), shared by every node server through a file lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _data(self) -> Iterator[dict[str, Any]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data: dict[str, Any] = json.loads(self.path.read_text()) if self.path.exists() else {}
            yield data
            self.path.write_text(json.dumps(data, indent=1, sort_keys=True))

    def is_initialised(self) -> bool:
        with self._data() as data:
            return bool(data.get("initialised"))

    def _joined(self, data: dict[str, Any], node: str, admin: bool) -> Joined:
        server = f"https://{data['endpoint']}:6443"
        ca = data["ca"]
        return Joined(
            kubelet_conf=kubeconfig_text(server, ca, f"system:node:{node}"),
            admin_conf=kubeconfig_text(server, ca, "kubernetes-admin") if admin else None,
            endpoint=f"{data['endpoint']}:6443",
            token=data["tokens"][-1],
            ca_cert_hash="sha256:" + hashlib.sha256(ca.encode()).hexdigest(),
        )

    def init_cluster(self, node: str, address: str, params: InitParams) -> Joined:
        with self._data() as data:
            data.clear()
            data |= {
                "initialised": True,
                "endpoint": params.endpoint,
                "version": params.version,
                "ca": "emulated-ca-" + secrets.token_hex(16),
                "tokens": [_token()],
                "nodes": {node: {"address": address, "role": "control-plane"}},
            }
            return self._joined(data, node, admin=True)

    def create_token(self) -> Joined:
        with self._data() as data:
            data["tokens"].append(_token())
            cp = next(n for n, v in data["nodes"].items() if v["role"] == "control-plane")
            return self._joined(data, cp, admin=False)

    def join_node(
        self, node: str, address: str, endpoint: str, token: str, ca_hash: str, dial: str
    ) -> Joined:
        del dial  # no server to dial
        with self._data() as data:
            if not data.get("initialised") or endpoint != f"{data['endpoint']}:6443":
                host = endpoint.rsplit(":", 1)[0]
                raise JoinRefused(
                    "couldn't validate the identity of the API Server: Get "
                    f'"https://{endpoint}/api/v1/namespaces/kube-public/configmaps/cluster-info'
                    f'?timeout=10s": dial tcp {host}: connect: connection refused'
                )
            if token not in data["tokens"]:
                raise JoinRefused(
                    "couldn't validate the identity of the API Server: could not find a JWS "
                    "signature in the cluster-info ConfigMap for token ID "
                    f'"{token.split(".", maxsplit=1)[0]}"'
                )
            joined = self._joined(data, node, admin=False)
            if ca_hash != joined.ca_cert_hash:
                raise JoinRefused(
                    "cluster CA found in cluster-info ConfigMap is invalid: none of the public "
                    f'keys "{joined.ca_cert_hash}" are pinned'
                )
            data["nodes"][node] = {"address": address, "role": "worker"}
            return joined

    def reset_node(self, node: str) -> None:
        with self._data() as data:
            nodes = data.get("nodes", {})
            role = nodes.pop(node, {}).get("role")
            if role == "control-plane":
                data["initialised"] = False
