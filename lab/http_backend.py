"""The HTTP servers of a twin node: the node's own, its pods', and kube-proxy's health checks.

Run inside a node namespace (`python -m lab.http_backend --node worker01 --pods FILE`):
- the node's server on 0.0.0.0:80 answers on each LB address the node puts on its lo with JSON
  naming the node: {"node": "worker01", "address": "198.18.100.10", "client": "..."};
- the pods' servers: each endpoint of a pod on this node, `podIP:targetPort`, answers
  {"pod": ..., "namespace": ..., "node": <the pod's node>, "via": <the node the request came
  through>, "address", "port", "client"}. `via` is the node whose address the request comes
  from (kube-proxy masquerades externalTrafficPolicy Cluster traffic to the ingress node's
  address), else this node (Local keeps the client's address, and the pod's node is the
  ingress node);
- kube-proxy's healthCheckNodePort servers on 0.0.0.0:<port>: 200 while the Service has a
  ready endpoint on this node, 503 otherwise, with kube-proxy's JSON.
FILE is written by lab.kube_proxy (`pods_document`); it is read again whenever it changes.
Every listening socket uses SO_REUSEPORT, so a pod's `podIP:80` wins over the node's 0.0.0.0:80.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger("lab.http_backend")
POLL_S = 0.2
Answer = Callable[[str, str], tuple[int, dict[str, Any]]]  # (local addr, client) -> code, body


def answer(node: str, local: str, client: str) -> bytes:
    return json.dumps({"node": node, "address": local, "client": client}).encode() + b"\n"


def pod_answer(
    pod: dict[str, Any], node: str, nodes: dict[str, str], client: str
) -> dict[str, Any]:
    via = next((name for name, addr in nodes.items() if addr == client), node)
    return {
        "pod": pod["pod"],
        "namespace": pod["namespace"],
        "node": node,
        "via": via,
        "address": pod["ip"],
        "port": pod["port"],
        "client": client,
    }


def health_answer(check: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """kube-proxy's service health server (pkg/proxy/healthcheck): 200 with local endpoints."""
    count = int(check["local_endpoints"])
    body = {
        "service": {"namespace": check["namespace"], "name": check["name"]},
        "localEndpoints": count,
        "serviceProxyHealthy": True,
    }
    return (200 if count else 503), body


class ReusePortServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # the backends stand for nginx, whose listen backlog is 511 (socketserver's default, 5,
    # drops the SYNs of a concurrent probe and turns them into timeouts)
    request_queue_size = 511

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


def make_handler(respond: Answer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "bgplab-backend/1"

        def do_GET(self) -> None:
            code, doc = respond(self.connection.getsockname()[0], self.client_address[0])
            body = json.dumps(doc).encode() + b"\n"
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            if "localEndpoints" in doc:
                self.send_header("X-Load-Balancing-Endpoint-Weight", str(doc["localEndpoints"]))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: ARG002
            return

    return Handler


def serve(address: str, port: int, respond: Answer) -> ReusePortServer:
    server = ReusePortServer((address, port), make_handler(respond))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class NodeServers:
    """The listening servers of the node, reconciled with the pods document."""

    def __init__(self, node: str) -> None:
        self.node = node
        self.doc: dict[str, Any] = {"nodes": {}, "pods": [], "health": []}
        self.servers: dict[tuple[str, str, int], ReusePortServer] = {}

    def _pod(self, ip: str, port: int) -> dict[str, Any] | None:
        return next((p for p in self.doc["pods"] if (p["ip"], p["port"]) == (ip, port)), None)

    def _health(self, port: int) -> dict[str, Any] | None:
        return next((h for h in self.doc["health"] if h["port"] == port), None)

    def wanted(self) -> dict[tuple[str, str, int], Answer]:
        out: dict[tuple[str, str, int], Answer] = {}
        for p in self.doc["pods"]:
            ip, port = str(p["ip"]), int(p["port"])

            def pod(_: str, client: str, ip: str = ip, port: int = port) -> tuple[int, Any]:
                found = self._pod(ip, port)
                if found is None:
                    return 503, {"error": "endpoint gone"}
                return 200, pod_answer(found, self.node, dict(self.doc["nodes"]), client)

            out[("pod", ip, port)] = pod
        for h in self.doc["health"]:
            port = int(h["port"])

            def health(_: str, __: str, port: int = port) -> tuple[int, Any]:
                found = self._health(port)
                return health_answer(found) if found else (503, {"error": "no such service"})

            out[("health", "0.0.0.0", port)] = health
        return out

    def reconcile(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        wanted = self.wanted()
        for key in [k for k in self.servers if k not in wanted]:
            server = self.servers.pop(key)
            server.shutdown()
            server.server_close()
        for key, respond in wanted.items():
            if key in self.servers:
                continue
            try:
                self.servers[key] = serve(key[1], key[2], respond)
            except OSError as exc:  # the pod address is not on the node yet: next round
                log.warning("%s:%s not served yet: %s", key[1], key[2], exc)


def read_doc(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--node", required=True)
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--pods", type=Path, help="the node's pods document (lab.kube_proxy)")
    args = parser.parse_args(argv)
    node_answer = answer
    serve(
        "0.0.0.0",
        args.port,
        lambda local, client: (200, json.loads(node_answer(args.node, local, client))),
    )
    servers = NodeServers(args.node)
    seen: tuple[float, int] | None = None
    while True:
        if args.pods is not None:
            try:
                st = args.pods.stat()
                stamp: tuple[float, int] | None = (st.st_mtime, st.st_size)
            except OSError:
                stamp = None
            missing = any(k not in servers.servers for k in servers.wanted())
            if stamp is not None and (stamp != seen or missing):
                doc = read_doc(args.pods)
                if doc is not None:
                    servers.reconcile(doc)
                    seen = stamp
        time.sleep(POLL_S)


if __name__ == "__main__":
    main()
