"""The twin's Kubernetes nodes as real-userland nodes (lab/node_userland.py): what `lab up`
starts for each node, and how to reach inside one.

    <state>/nodes/<node>/{upper,work,root}   the node's overlayfs (lab/node_userland.py)
    <state>/ubuntu/<node>_host_key           its SSH host key (kept across `up`s, so the
                                             operator's known_hosts keeps trusting it)
    <state>/apt/                             the twin's repositories (lab/node_services.py)

Every `up` that builds starts the nodes as fresh VMs (their upper layers cleared); a node
stopped and started again (`stop_node` / `start_node`, a VM's reboot) keeps its changes.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from ipaddress import IPv4Address
from pathlib import Path

from bgplb.model import Site
from lab import node_userland, rootfs, topology
from lab.credentials import ensure_key, known_hosts_text, replace_known_hosts
from lab.node_services import PORT as SERVICES_PORT
from lab.node_services import prepare, service_address
from lab.node_userland import NodeDirs, NodeSpec
from lab.state import LabPaths, ProcRecord, read_record

Log = Callable[[str], None]


def node_dirs(paths: LabPaths, node: str) -> NodeDirs:
    return NodeDirs(paths.root / "nodes" / node)


def host_key(paths: LabPaths, node: str) -> Path:
    return paths.ubuntu_dir / f"{node}_host_key"


def reset(site: Site) -> None:
    """Every node back to a fresh VM (call only while no node runs)."""
    paths = LabPaths.of(site)
    for node in site.nodes:
        node_userland.reset(node_dirs(paths, node.name))


def marker(paths: LabPaths, node: str) -> str:
    """What the node's `unshare` command line holds (its process record's marker)."""
    return str(node_dirs(paths, node).root)


class Nodes:
    """The rootfs, the repositories and the node specs of one `up` (prepare once, start many)."""

    def __init__(self, site: Site, log: Log, publish: bool = True) -> None:
        self.site = site
        self.paths = LabPaths.of(site)
        node_userland.check_tools()
        self.rootfs = rootfs.ensure()
        log(rootfs.describe(self.rootfs))
        self.ca, self.apt_key = prepare(site, publish)
        self.repo_address = str(service_address(site))

    def spec(self, node: str) -> NodeSpec:
        key = host_key(self.paths, node)
        address = str(self.site.node(node).address)
        pub = self.paths.client_key.with_name(self.paths.client_key.name + ".pub")
        return NodeSpec(
            node,
            topology.ns_name(node),
            address,
            key,
            pub.read_text(),
            repo_address=self.repo_address,
            repo_ca=self.ca.cert_pem,
            apt_key=self.apt_key,
        )

    def start(self, node: str) -> subprocess.Popen[bytes]:
        self.paths.ubuntu_dir.mkdir(parents=True, exist_ok=True)
        key = ensure_key(host_key(self.paths, node), f"bgplab-{node}")
        spec = self.spec(node)
        line = known_hosts_text(key, [IPv4Address(spec.address)])
        replace_known_hosts(self.paths.known_hosts, line)
        log = self.paths.logs / f"{spec.namespace}.node.log"
        return node_userland.start(self.rootfs.root, node_dirs(self.paths, node), spec, log)


__all__ = ["SERVICES_PORT", "Nodes", "service_address"]


def pid1(paths: LabPaths, record: str) -> int | None:
    rec: ProcRecord | None = read_record(paths, record)
    return None if rec is None else node_userland.node_pid1(rec.pid)


def changes(site: Site) -> dict[str, dict[str, str]]:
    """Each node's changes over the rootfs, path -> sha256 (lab/node_userland.changed_files):
    what a deploy that changed nothing on the nodes leaves equal."""
    paths = LabPaths.of(site)
    return {n.name: node_userland.changed_files(node_dirs(paths, n.name)) for n in site.nodes}
