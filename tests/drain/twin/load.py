"""A bounded HTTP request loop from every client of the twin, running while a test acts.

    with RequestLoop(site, lb_ip) as loop:
        ...                       # drain, undo
    loop.failed, loop.total       # failures and requests, all clients together

Each client runs `lab.http_probe` in its namespace (a new TCP connection per request, `interval`
seconds apart) until the loop is left (a stop file) or `max_seconds` pass.

Why a pause between requests: the router's ECMP is stateless (Linux hash-threshold), so when a
next hop leaves or joins the set, the packets of a connection open at that instant to the
moving hash range go to another node, which answers with a reset; no drain can prevent that.
Back to back, every client always has one connection open, so each change would break about
one request per client whatever the drain does. With a pause, what the loop measures is what
the drain is for: no request sent to a node that no longer serves it, at any point.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from ipaddress import IPv4Address
from pathlib import Path
from types import TracebackType

from bgplb.model import Site
from lab.topology import ns_name

REPO = Path(__file__).resolve().parents[3]


class RequestLoop:
    def __init__(
        self,
        site: Site,
        address: IPv4Address,
        max_seconds: float = 120.0,
        interval: float = 0.05,
    ) -> None:
        self.site = site
        self.interval = interval
        self.url = f"http://{address}/"
        self.max_seconds = max_seconds
        self.by_client: dict[str, Counter[str]] = {}
        self.errors: list[str] = []  # "client +seconds: what failed", one per failed request
        self._dir = tempfile.TemporaryDirectory(prefix="bgplb-load-")
        self.stop_file = Path(self._dir.name) / "stop"
        self._procs: dict[str, subprocess.Popen[str]] = {}

    def __enter__(self) -> RequestLoop:
        for client in self.site.clients:
            argv = [
                "ip", "netns", "exec", ns_name(client.name), sys.executable, "-m",
                "lab.http_probe", "--url", self.url, "--timeout", "2",
                "--seconds", str(self.max_seconds), "--stop-file", str(self.stop_file),
                "--interval", str(self.interval), "--retry-reset",
                "--error-log", str(self._error_log(client.name)),
            ]  # fmt: skip
            self._procs[client.name] = subprocess.Popen(
                argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        time.sleep(0.5)  # every loop is sending before the caller acts
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_file.touch()
        for name, proc in self._procs.items():
            out, err = proc.communicate(timeout=self.max_seconds + 10)
            if proc.returncode != 0:
                raise AssertionError(f"request loop on {name} failed: {err.strip()[-400:]}")
            self.by_client[name] = Counter(json.loads(out))
            log = self._error_log(name)
            for line in log.read_text().splitlines() if log.exists() else []:
                e = json.loads(line)
                retry = " (the retry of a reset)" if e["retry"] else ""
                self.errors.append(f"{name} +{e['at']:.2f}s: {e['what']}{retry}")
        self._dir.cleanup()

    def _error_log(self, client: str) -> Path:
        return Path(self._dir.name) / f"{client}.errors"

    def report(self) -> str:
        """'F of N requests failed' and what each failure was."""
        return "; ".join([f"{self.failed} of {self.total} requests failed", *self.errors])

    @property
    def failed(self) -> int:
        return sum(c.get("error", 0) for c in self.by_client.values())

    @property
    def retried(self) -> int:
        """Requests whose connection was reset and that succeeded when sent again at once (an
        in-flight connection re-hashed by stateless ECMP as the next-hop set changed)."""
        return sum(c.get("retried", 0) for c in self.by_client.values())

    @property
    def total(self) -> int:
        return sum(n for c in self.by_client.values() for k, n in c.items() if k != "retried")

    def landed(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for c in self.by_client.values():
            out.update(c)
        return out
