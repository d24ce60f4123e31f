"""tasks.audit_cluster.JsonApi: the audit's reads as plain GETs on the official client's
ApiClient, answered by a local HTTP server (127.0.0.1): the paths and selectors asked, the
JSON kept as sent, an error status raised as the client's ApiException; and no typed API
module imported for it (those cost about 0.5 s of every audit process)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from kubernetes.client.api_client import ApiClient
from kubernetes.client.configuration import Configuration
from kubernetes.client.exceptions import ApiException

from bgplb.audit.parse_cluster import cluster_observation  # noqa: F401  (imported as the audit does)
from tasks.audit_cluster import JsonApi, gather_cluster, to_json
from tests.conftest import REPO

from . import replay


class Server:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[str] = []
        self.headers: list[dict[str, str]] = []


@pytest.fixture
def server() -> Iterator[tuple[Server, JsonApi]]:
    state = Server({})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.asked.append(self.path)
            state.headers.append({k: str(self.headers.get(k)) for k in ("Authorization", "Accept")})
            path = self.path.split("?")[0]
            if path not in state.answers:
                body = json.dumps({"kind": "Status", "code": 404, "reason": "NotFound"})
                self.send_response(404)
            else:
                body = json.dumps(state.answers[path])
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    cfg = Configuration(host=f"http://127.0.0.1:{httpd.server_address[1]}")
    cfg.api_key = {"BearerToken": "token-value"}
    cfg.api_key_prefix = {"BearerToken": "Bearer"}
    api = JsonApi(ApiClient(cfg))
    try:
        yield state, api
    finally:
        api.api_client.close()
        httpd.shutdown()
        httpd.server_close()


def test_each_read_asks_its_path_and_keeps_the_json(server: tuple[Server, JsonApi]) -> None:
    state, api = server
    pods = {"kind": "PodList", "items": [{"metadata": {"name": "speaker-x"}}]}
    state.answers = {
        "/api/v1/nodes": {"kind": "NodeList", "items": []},
        "/api/v1/namespaces/metallb-system/pods": pods,
        "/api/v1/services": {"kind": "ServiceList", "items": []},
        "/apis/discovery.k8s.io/v1/endpointslices": {"kind": "EndpointSliceList", "items": []},
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases": {"items": []},
        "/api/v1/namespaces/metallb-system/configmaps/config": {"data": {"config": "x"}},
        "/apis/metallb.io/v1beta2/namespaces/metallb-system/bgppeers": {"items": [1]},
    }
    got = to_json(api.list_namespaced_pod("metallb-system", label_selector="app=metallb"))
    assert got == pods
    assert to_json(api.list_node(_request_timeout=5)) == {"kind": "NodeList", "items": []}
    assert to_json(api.read_namespaced_config_map("config", "metallb-system")) == {
        "data": {"config": "x"}
    }
    custom = api.list_namespaced_custom_object(
        "metallb.io", "v1beta2", "metallb-system", "bgppeers"
    )
    assert custom == {"items": [1]}
    assert state.asked[0] == "/api/v1/namespaces/metallb-system/pods?labelSelector=app%3Dmetallb"
    assert all(h.get("Authorization") == "Bearer token-value" for h in state.headers)
    assert all(h.get("Accept") == "application/json" for h in state.headers)


def test_an_error_status_is_the_clients_api_exception(server: tuple[Server, JsonApi]) -> None:
    _, api = server
    with pytest.raises(ApiException) as caught:
        api.read_namespaced_config_map("config", "metallb-system")
    assert caught.value.status == 404
    assert "NotFound" in str(caught.value.body)


def test_the_gather_reads_a_cluster_over_it(server: tuple[Server, JsonApi]) -> None:
    state, api = server
    doc = replay.read("healthy", "cluster.json")
    site = replay.site_for("healthy")
    state.answers = {
        "/api/v1/nodes": doc["nodes"],
        "/api/v1/namespaces/metallb-system/pods": doc["pods"],
        "/api/v1/services": doc["services"],
        "/apis/discovery.k8s.io/v1/endpointslices": doc["endpointslices"],
        "/api/v1/namespaces/metallb-system/configmaps/config": doc["configmap"],
    }
    obs = gather_cluster(api, api, api, site)
    assert {n.name for n in obs.nodes} == {n.name for n in site.nodes}
    assert obs.services


def test_no_typed_api_module_is_imported_for_the_audit() -> None:
    code = (
        "import sys; from tasks.audit_cluster import JsonApi, kube_apis; "
        "from kubernetes.client.api_client import ApiClient; JsonApi(ApiClient()); "
        "print(sorted(m for m in sys.modules if m.startswith('kubernetes.client.api.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout
