"""How the emulated cluster's kube-proxy reaches the nodes: the `DataPath` protocol.

`LabDataPath` applies each node's plan in its twin namespace (nftables, pod addresses and
routes, the pods' servers) through lab.kube_proxy; `RecordingDataPath` keeps the plans in a
JSON file (tests without root, a cluster without the twin). Both apply a node's plan only when
it changed since the last one this process applied.
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
from pathlib import Path
from typing import Protocol

from bgplb.errors import BgplbError
from bgplb.model import Site
from lab.kube_proxy import NodePlan, add_pod_network, apply_plan, pods_file

log = logging.getLogger("lab.k8s.kube-proxy")
RETRY_S = 2.0
REACH_EVERY_S = 5.0


class DataPath(Protocol):
    def sync(self, plans: dict[str, NodePlan]) -> None: ...

    def reaches_api(self, node: str) -> bool:
        """Whether the node's kubelet can reach the API server (post status, renew its Lease)."""
        ...


class RecordingDataPath:
    """Writes {node: plan} to a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last: dict[str, NodePlan] = {}
        self._lock = threading.Lock()

    def sync(self, plans: dict[str, NodePlan]) -> None:
        with self._lock:
            if plans == self._last:
                return
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({n: p.to_json() for n, p in sorted(plans.items())}, indent=1))
            tmp.replace(self.path)
            self._last = dict(plans)

    def reaches_api(self, node: str) -> bool:
        del node
        return True  # no network here: a running kubelet always reaches the server


def read_plans(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class LabDataPath:
    """The twin's nodes: a node of the site gets its plan in namespace bgplab-<node>."""

    def __init__(self, site: Site, api: tuple[str, int] | None = None) -> None:
        from lab.state import LabPaths
        from lab.topology import ns_name

        self.site = site
        self.root = LabPaths.of(site).k8s_dir
        self.ns_name = ns_name
        self.api = api  # the API server's address and port, as the kubelets dial it
        self._last: dict[str, NodePlan] = {}
        self._failed: dict[str, float] = {}
        self._reach: dict[str, tuple[float, bool]] = {}

    def reaches_api(self, node: str) -> bool:
        """A TCP connect from the node's namespace to the API server, at most every
        REACH_EVERY_S per node (a kubelet posts every 10 s): a node whose link is cut stops
        heartbeating, as a real one does, however its kubelet process is."""
        if self.api is None or node not in {n.name for n in self.site.nodes}:
            return True
        now = time.monotonic()
        cached = self._reach.get(node)
        if cached is not None and now - cached[0] < REACH_EVERY_S:
            return cached[1]
        host, port = self.api
        probe = f"exec 3<>/dev/tcp/{host}/{port}"
        argv = ["ip", "netns", "exec", self.ns_name(node), "timeout", "1", "bash", "-c", probe]
        try:
            ok = subprocess.run(argv, capture_output=True, timeout=5, check=False).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        self._reach[node] = (now, ok)
        return ok

    def sync(self, plans: dict[str, NodePlan]) -> None:
        """Every changed node's new pod addresses and routes first, then node by node its rules
        and what is gone: no node DNATs to a new pod before the pod's own node holds it."""
        names = {n.name for n in self.site.nodes}
        now = time.monotonic()
        changed = [
            (node, plan)
            for node, plan in sorted(plans.items())
            if node in names
            and self._last.get(node) != plan
            and now - self._failed.get(node, -RETRY_S) >= RETRY_S
        ]
        for node, plan in changed:
            try:
                add_pod_network(self.ns_name(node), plan)
            except (BgplbError, OSError) as exc:
                log.warning("%s: pod network not added (retried): %s", node, exc)
        for node, plan in changed:
            try:
                apply_plan(self.ns_name(node), plan, pods_file(self.root, node))
            except (BgplbError, OSError) as exc:
                log.warning("%s: data path not applied (retried in %s s): %s", node, RETRY_S, exc)
                self._failed[node] = now
                continue
            self._failed.pop(node, None)
            self._last[node] = plan
