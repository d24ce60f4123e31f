"""A real server process on 127.0.0.1 per test module, reached only through the official client."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from kubernetes import client, config
from kubernetes.dynamic import DynamicClient

from bgplb.model import load_site
from lab.k8s import kubeadm_backend as kb
from lab.k8s.announcer import read_recording
from lab.k8s.server_process import stop_server

REPO = Path(__file__).resolve().parents[3]
MANIFESTS = Path(__file__).resolve().parents[3] / "lab" / "manifests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def load_docs(path: Path) -> list[dict[str, object]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@dataclass
class Cluster:
    state: Path
    token: str
    api: client.ApiClient
    dyn: DynamicClient

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api)

    def apply(self, docs: list[dict[str, object]], manager: str = "bgplb") -> list[object]:
        out = []
        for d in docs:
            meta = d["metadata"]
            assert isinstance(meta, dict)
            res = self.dyn.resources.get(api_version=d["apiVersion"], kind=d["kind"])
            out.append(
                res.server_side_apply(
                    body=d,
                    namespace=meta.get("namespace"),
                    field_manager=manager,
                    force_conflicts=True,
                )
            )
        return out

    def announced(self) -> set[tuple[str, str]]:
        return read_recording(self.state / "announcements.json")[1]

    def peers(self) -> set[tuple[str, str, int, int]]:
        return read_recording(self.state / "announcements.json")[0]


def start_cluster(tmp: Path, join: tuple[str, ...] = ("worker01", "worker02")) -> Cluster:
    site = load_site(REPO / "inventory/lab")
    token = kb.init_cluster(
        site, tmp, listen=f"127.0.0.1:{free_port()}", netns=None, announcer="record"
    )
    for node in join:
        kb.join_node(tmp, node, token)
    api = config.new_client_from_config(str(kb.direct_conf(tmp)))
    dyn = DynamicClient(api, cache_file=str(tmp / "discovery-cache.json"))
    return Cluster(tmp, token, api, dyn)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    state = tmp_path_factory.mktemp("k8s")
    c = start_cluster(state)
    try:
        yield c
    finally:
        stop_server(state)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Cluster]:
    """A cluster of its own for one test."""
    c = start_cluster(tmp_path)
    try:
        yield c
    finally:
        stop_server(tmp_path)
