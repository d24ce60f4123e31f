"""The emulated kube-apiserver process: HTTPS API plus the controllers, state in a directory.

    python -m lab.k8s.apiserver --state-dir DIR --listen 198.18.30.50:6443 --pki DIR/pki \
        [--announcer lab|record|none]

The cluster it serves is described by DIR/cluster.json (written by `kubeadm_backend.init_cluster`).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lab.k8s.admission import Context
from lab.k8s.announcer import Announcer, LabAnnouncer, RecordingAnnouncer
from lab.k8s.api import Api
from lab.k8s.cluster_info import ClusterInfo
from lab.k8s.controllers import endpoints, gc, pods, workloads
from lab.k8s.controllers import housekeeping as cluster_ctl
from lab.k8s.controllers.base import World
from lab.k8s.controllers.disruption import disruption
from lab.k8s.controllers.kube_proxy import kube_proxy
from lab.k8s.controllers.metallb import metallb
from lab.k8s.datapath import DataPath, LabDataPath, RecordingDataPath
from lab.k8s.handlers import ApiHTTPServer, tls_context
from lab.k8s.pki import Pki
from lab.k8s.registry import Registry
from lab.k8s.routes import App
from lab.k8s.store import Store

log = logging.getLogger("lab.k8s.apiserver")
STORE_FILE = "objects.json"
READY_FILE = "apiserver.ready"
RECORDING_FILE = "announcements.json"
DATAPATH_FILE = "datapath.json"
Controller = Callable[[World], None]

CONTROLLERS: tuple[tuple[str, Controller], ...] = (
    ("bootstrap", cluster_ctl.bootstrap),
    ("crds", cluster_ctl.crds),
    ("serviceaccounts", cluster_ctl.service_accounts),
    ("nodes", cluster_ctl.nodes),
    ("deployments", workloads.deployments),
    ("replicasets", workloads.replicasets),
    ("daemonsets", workloads.daemonsets),
    ("scheduler", pods.schedule),
    ("kubelets", pods.kubelets),
    ("endpoints", endpoints.endpoints),
    ("disruption", disruption),
    ("metallb", metallb),
    ("kube-proxy", kube_proxy),
    ("garbage-collector", gc.collect),
    ("namespaces", gc.namespaces),
)


class ControllerLoop(threading.Thread):
    """Runs every controller until nothing changes, then waits for a change (or a poll tick)."""

    def __init__(self, world: World, tick: float = 0.2) -> None:
        super().__init__(name="controllers", daemon=True)
        self.world = world
        self.tick = tick
        self.stopping = threading.Event()
        self.passes = 0

    def run_pass(self) -> None:
        for name, ctl in CONTROLLERS:
            try:
                ctl(self.world)
            except Exception:  # one broken controller must not stop the others
                log.exception("controller %s failed", name)
        self.passes += 1

    def run(self) -> None:
        store = self.world.store
        while not self.stopping.is_set():
            for _ in range(20):
                before = store.resource_version
                self.run_pass()
                if store.resource_version == before:
                    break
            store.wait(store.resource_version, self.tick)


def make_announcer(kind: str, state_dir: Path, cluster: ClusterInfo) -> Announcer:
    if kind == "lab":
        from bgplb.model import load_site

        return LabAnnouncer(load_site(cluster.inventory))
    return RecordingAnnouncer(state_dir / RECORDING_FILE)


def make_datapath(kind: str, state_dir: Path, cluster: ClusterInfo) -> DataPath:
    """ "lab": kube-proxy's rules in the twin's node namespaces; else recorded to a file."""
    if kind == "lab":
        from bgplb.model import load_site

        return LabDataPath(load_site(cluster.inventory), (cluster.advertise_address, cluster.port))
    return RecordingDataPath(state_dir / DATAPATH_FILE)


def build_world(
    state_dir: Path, cluster: ClusterInfo, announcer: Announcer, datapath: DataPath | None = None
) -> tuple[App, World]:
    store = Store(state_dir / STORE_FILE)
    registry = Registry(store, cluster.minor)
    api = Api(store, registry, Context(store, cluster))
    datapath = datapath or RecordingDataPath(state_dir / DATAPATH_FILE)
    world = World(store, api, registry, cluster, state_dir, announcer, datapath)
    return App(store, registry, api, cluster), world


class RunningServer:
    """The HTTPS server and the controllers, in this process (tests use it directly)."""

    def __init__(
        self,
        state_dir: Path,
        listen: str,
        pki: Pki,
        announcer: Announcer | None = None,
        datapath: DataPath | None = None,
    ) -> None:
        cluster = ClusterInfo.load(state_dir)
        if cluster is None:
            raise FileNotFoundError(
                f"{state_dir}/cluster.json: run kubeadm_backend.init_cluster first"
            )
        announcer = announcer or RecordingAnnouncer(state_dir / RECORDING_FILE)
        self.app, self.world = build_world(state_dir, cluster, announcer, datapath)
        host, port = listen.rsplit(":", 1)
        tls = tls_context(str(pki.server_cert), str(pki.server_key), str(pki.ca_cert))
        self.http = ApiHTTPServer((host, int(port)), self.app, tls)
        self.loop = ControllerLoop(self.world)
        self._thread = threading.Thread(target=self.http.serve_forever, name="https", daemon=True)

    @property
    def port(self) -> int:
        return int(self.http.server_address[1])

    def start(self) -> RunningServer:
        self.loop.run_pass()
        self.loop.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self.loop.stopping.set()
        self.http.shutdown()
        self.http.server_close()
        self.loop.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--listen", required=True, help="ADDRESS:PORT")
    parser.add_argument("--pki", type=Path, required=True)
    parser.add_argument("--announcer", choices=("lab", "record"), default="record")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    cluster = ClusterInfo.load(args.state_dir)
    if cluster is None:
        parser.error(f"{args.state_dir}/cluster.json missing: run kubeadm init first")
    server = RunningServer(
        args.state_dir,
        args.listen,
        Pki(args.pki),
        make_announcer(args.announcer, args.state_dir, cluster),
        make_datapath(args.announcer, args.state_dir, cluster),
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    server.start()
    (args.state_dir / READY_FILE).write_text(f"{os.getpid()}\n")
    log.info("serving on https://%s", args.listen)
    while not done.is_set():
        done.wait(1.0)
    (args.state_dir / READY_FILE).unlink(missing_ok=True)
    server.stop()
    time.sleep(0)


if __name__ == "__main__":
    main()
