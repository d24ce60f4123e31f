"""The HTTP backend of a node: answers on every address of the node with JSON naming it.

Run inside a node namespace (`python -m lab.http_backend --node worker01`); bound to
0.0.0.0:80 it answers on each LB address the node puts on its lo, so a client sees where
its connection landed: {"node": "worker01", "address": "198.18.100.10", "client": "..."}.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def answer(node: str, local: str, client: str) -> bytes:
    return json.dumps({"node": node, "address": local, "client": client}).encode() + b"\n"


def make_handler(node: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "bgplab-backend/1"

        def do_GET(self) -> None:
            body = answer(node, self.connection.getsockname()[0], self.client_address[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: ARG002
            return

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--node", required=True)
    parser.add_argument("--port", type=int, default=80)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("0.0.0.0", args.port), make_handler(args.node))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
