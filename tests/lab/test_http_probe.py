"""lab.http_probe's request loop: a reset connection is an error, unless --retry-reset, where it
is sent once more (as an HTTP client retries an idempotent GET) and counted as retried."""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.http_probe import probe


@pytest.fixture
def resets_first() -> Iterator[str]:
    """A server on 127.0.0.1 that resets its first connection and answers the others."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(5)
    body = json.dumps({"node": "n1"}).encode()
    answer = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    def serve() -> None:
        for i in range(3):
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conn.recv(4096)
            if i == 0:  # RST instead of FIN
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.sendall(answer)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/"
    srv.close()
    thread.join(timeout=5)


def test_a_reset_is_an_error_by_default(resets_first: str) -> None:
    assert probe(resets_first, 2, 2.0) == {"error": 1, "n1": 1}


def test_a_reset_is_retried_once_when_asked(resets_first: str) -> None:
    assert probe(resets_first, 2, 2.0, retry_reset=True) == {"retried": 1, "n1": 2}


def test_each_failure_is_logged_with_what_failed(resets_first: str, tmp_path: Path) -> None:
    log = tmp_path / "errors.jsonl"
    assert probe(resets_first, 2, 2.0, error_log=log) == {"error": 1, "n1": 1}
    (line,) = [json.loads(x) for x in log.read_text().splitlines()]
    assert line["what"].startswith("reset: ") and line["retry"] is False
    assert line["at"] >= 0


def test_a_refused_connection_is_named(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    log = tmp_path / "errors.jsonl"
    assert probe(f"http://127.0.0.1:{port}/", 1, 2.0, error_log=log) == {"error": 1}
    assert json.loads(log.read_text())["what"].startswith("refused: ")
