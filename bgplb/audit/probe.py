"""The live probe, pure parts: the shell command a client runs and the reading of its output.

Each request is its own `curl` process, so each is a new TCP connection with a new source port
(what layer-4 ECMP hashing spreads). Every request is bounded (`-m`), and curl prints the
`-w` marker even when it fails (`@@000`). The requests run concurrently, at most
MAX_CONCURRENT_REQUESTS at a time, so a dead next hop costs about one timeout per batch, not
one per request hashed to it (a dead node must not slow the audit). Each request's answer is
printed by one `printf` of a small string, one write, so answers never interleave.
Backends that name themselves give a share per node: the node the request came in through,
`via` when the answer has it (a pod behind kube-proxy, as in the twin: `node` is then where the
pod runs), else `node` (a server on the node itself).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from ipaddress import IPv4Address

from bgplb.audit.observations import ProbeResult

MARKER = "@@"
_MARK = re.compile(rf"^{MARKER}(\d{{3}})$")


@dataclass(frozen=True)
class ProbeTarget:
    address: IPv4Address
    port: int


MAX_CONCURRENT_REQUESTS = 32


def probe_command(
    target: ProbeTarget,
    requests: int,
    timeout_s: float = 2.0,
    concurrent: int = MAX_CONCURRENT_REQUESTS,
) -> str:
    """A POSIX sh loop: N curl requests, `concurrent` at a time, each answer then its marker."""
    url = f"http://{target.address}:{target.port}/"
    batch = max(1, int(concurrent))
    return (
        f"for i in $(seq 1 {int(requests)}); do "
        f"(r=$(curl -s -m {timeout_s:g} -w '\\n{MARKER}%{{http_code}}' {url}); "
        "printf '%s\\n' \"$r\") & "
        f"[ $((i % {batch})) -eq 0 ] && wait; done; wait"
    )


def _node_of(body: str) -> str | None:
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    node = doc.get("via") or doc.get("node")
    return node if isinstance(node, str) and node else None


def parse_probe(target: ProbeTarget, requests: int, text: str) -> ProbeResult:
    """Count answered requests (HTTP 2xx/3xx) and the nodes that named themselves."""
    body: list[str] = []
    successes = 0
    seen = 0
    by_node: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for line in text.splitlines():
        m = _MARK.match(line.strip())
        if not m:
            body.append(line)
            continue
        seen += 1
        code = int(m[1])
        if 200 <= code < 400:
            successes += 1
            node = _node_of("\n".join(body).strip())
            if node:
                by_node[node] += 1
        else:
            errors["no answer (timeout or refused)" if code == 0 else f"HTTP {code}"] += 1
        body = []
    if seen < requests:
        errors[f"{requests - seen} request(s) without a result"] += requests - seen
    return ProbeResult(
        target=target.address,
        port=target.port,
        requests=requests,
        successes=successes,
        by_node=dict(by_node),
        errors=tuple(f"{msg} x{n}" for msg, n in errors.most_common()),
    )
