"""Bring the twin up, tear it down, check its health (thin I/O over the pure plan).

from lab.lifecycle import up, down
up(site)            # idempotent; rebuilds a half-torn lab from scratch
up(site, peer=False, router_bgp=False)   # fresh: as the write-up's VMs before any deploy
down(site)          # removes every twin namespace, process, link and run file

Every `up` that builds starts the nodes as fresh VMs: each node a real Debian userland
(lab/real_nodes.py: its overlayfs over the cached rootfs cleared) not bootstrapped, the twin's
package server and kubeadm endpoint (lab/node_services.py) serving them, no cluster
(<state>/k8s), no kubeconfig.
`peer` and `router_bgp` decide whether BGP is converged at boot (tests, benchmarks) or left
for the deploy's router phase and MetalLB (the runbook's default, see runbooks/lab.py).
Every `up` ends by handing the operator the twin's host keys (into ~/.ssh/known_hosts of the
HOME in effect) and its secrets (an env file), as a real site's admin would (lab/operator.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bgplb.atomic_files import write_atomic
from bgplb.errors import LabError
from bgplb.model import Site
from lab import frr, netns, real_nodes, rootfs, topology
from lab.credentials import ensure_all
from lab.frr_config import render_node
from lab.instances import node_instance, router_instance
from lab.k8s.server_process import stop_server
from lab.kube_proxy import pods_file
from lab.observe import router_sessions
from lab.operator import forget_host_keys, hand_over
from lab.poll import wait_for
from lab.router_service import boot_frr_config
from lab.state import (
    FRR_RUN_ROOT,
    LabPaths,
    ProcRecord,
    all_records,
    cmdline,
    forget_process,
    is_alive,
    read_record,
    record_process,
    stop_processes,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
Log = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Lab:
    """The site's twin: its plan, paths and FRR instances (no I/O in construction)."""

    site: Site
    paths: LabPaths
    topo: topology.Topology

    @classmethod
    def of(cls, site: Site) -> Lab:
        return cls(site, LabPaths.of(site), topology.plan(site))

    @property
    def router_inst(self) -> frr.Instance:
        return router_instance(self.site)

    @property
    def node_insts(self) -> list[frr.Instance]:
        return [node_instance(self.site, n.name) for n in self.site.nodes]

    @property
    def instances(self) -> list[frr.Instance]:
        return [self.router_inst, *self.node_insts]

    def http_record(self, node: str) -> str:
        return f"http.{node}"

    def login_record(self, node: str) -> str:
        """The node itself (its `unshare`, whose child is the node's PID 1, its sshd)."""
        return f"login.{node}"

    @property
    def services_record(self) -> str:
        """The nodes' package server and kubeadm endpoint (lab/node_services.py)."""
        return "node-services"

    @property
    def ssh_record(self) -> str:
        return f"ssh.{self.site.router.name}"

    @property
    def expected_records(self) -> list[str]:
        names = [i.record_name(d) for i in self.instances for d in i.daemons]
        names += [self.http_record(n.name) for n in self.site.nodes]
        names += [self.login_record(n.name) for n in self.site.nodes]
        return [*names, self.services_record, self.ssh_record]


@dataclass
class UpResult:
    changed: bool
    seconds: float
    steps: list[tuple[str, float]] = field(default_factory=list)
    known_hosts: Path | None = None  # the user's known_hosts the twin's host keys went into
    env_file: Path | None = None  # `export NAME=VALUE` of the twin's secrets (mode 0600)
    rootfs: str | None = None  # the nodes' rootfs and its one-time build time (when built)


# ---- preflight ----------------------------------------------------------------------------


def preflight() -> None:
    """Root, FRR and its Python tools; each missing piece named with its Debian package."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, FRR): run it as root")
    missing = [
        pkg
        for path, pkg in (
            (frr.FRR_BIN / "zebra", "frr"),
            (frr.FRR_BIN / "bgpd", "frr"),
            (frr.FRR_BIN / "staticd", "frr"),
            (Path("/usr/bin/vtysh"), "frr"),
            (frr.FRR_RELOAD, "frr-pythontools"),
        )
        if not path.exists()
    ]
    if shutil.which("ip") is None:
        missing.append("iproute2")
    if missing:
        pkgs = " ".join(dict.fromkeys(missing))
        raise LabError(f"missing Debian packages: {pkgs} (apt-get install -y {pkgs})")
    frr.frr_ids()


# ---- health -------------------------------------------------------------------------------


BUILT_FROM = "built_from.json"


def built_from(site: Site) -> dict[str, object]:
    """What the twin's build depends on: a twin up from another inventory is not this one's."""
    return {
        "site": site.name,
        "router": [site.router.name, site.router.vyos_version],
        "nodes": [[n.name, n.os, n.container_runtime, str(n.address)] for n in site.nodes],
        "clients": [[c.name, str(c.address)] for c in site.clients],
        "kubernetes": site.kubernetes.version,
        "metallb": site.metallb.version,
    }


def _built_from_problem(lab: Lab) -> list[str]:
    path = lab.paths.root / BUILT_FROM
    try:
        recorded = json.loads(path.read_text())
    except (OSError, ValueError):
        return [f"no record of the inventory the twin was built from ({path})"]
    wanted = built_from(lab.site)
    if recorded != wanted:
        return [
            f"built from another inventory (site {recorded.get('site')!r}, VyOS "
            f"{(recorded.get('router') or ['', '?'])[1]}), not {wanted['site']!r}"
        ]
    return []


def problems(lab: Lab) -> list[str]:
    """Why the lab is not fully up (empty: healthy)."""
    found = []
    present = netns.list_namespaces()
    found += [f"namespace {ns} missing" for ns in lab.topo.namespaces if ns not in present]
    found += [
        f"link {link.ifname} missing"
        for link in lab.topo.host_links
        if not netns.link_exists(link.ifname)
    ]
    for name in lab.expected_records:
        rec = read_record(lab.paths, name)
        if rec is None or not is_alive(rec):
            found.append(f"process {name} not running")
    if not found or lab_namespaces():
        found += _built_from_problem(lab)
    return found


# ---- up -----------------------------------------------------------------------------------


def up(
    site: Site,
    *,
    peer: bool = True,
    router_bgp: bool = True,
    wait: bool = True,
    log: Log = _quiet,
) -> UpResult:
    """Build the twin; nothing changes when it is already healthy.

    peer: node speakers peer with the router at boot (else `Speaker.peer()` does it later);
    router_bgp: the router boots with the write-up's BGP configuration (else interfaces only);
    wait: return once every router session is Established (when both sides are configured).
    """
    preflight()
    lab = Lab.of(site)
    start = time.monotonic()
    found = problems(lab)
    if not found:
        log("lab already up: nothing to do")
        known_hosts, env = hand_over(site, lab.paths)
        return UpResult(False, time.monotonic() - start, known_hosts=known_hosts, env_file=env)
    result = UpResult(changed=True, seconds=0.0)

    def step(name: str) -> None:
        result.steps.append((name, time.monotonic() - start))
        log(f"{time.monotonic() - start:6.2f}s {name}")

    if lab_namespaces() or all_records(lab.paths):
        log("partial lab found (" + "; ".join(found[:4]) + "): tearing it down first")
        down(site, log=log)
        step("leftovers removed")
    try:
        result.rootfs = _build(lab, peer=peer, router_bgp=router_bgp, wait=wait, step=step)
    except BaseException:
        log("up failed: tearing down what was built")
        down(site, log=log)
        raise
    result.known_hosts, result.env_file = hand_over(site, lab.paths)
    step("host keys in the user's known_hosts, secrets in the env file")
    result.seconds = time.monotonic() - start
    return result


def _build(lab: Lab, *, peer: bool, router_bgp: bool, wait: bool, step: Log) -> str:
    """Build the twin; returns what its nodes' rootfs is and took to build (once)."""
    topo = lab.topo
    lab.paths.root.mkdir(parents=True, exist_ok=True)
    _reset_guests(lab)
    for ns in topo.namespaces:
        netns.add_namespace(ns)
    netns.ip_batch(topology.switch_commands(topo), topology.SWITCH_NS)
    netns.ip_batch(topology.host_side_commands(topo))
    netns.ip_batch(topology.switch_host_port_commands(topo), topology.SWITCH_NS)
    netns.ip_batch(topology.host_side_up_commands(topo))
    for host in topo.hosts:
        netns.ip_batch(topology.namespace_commands(topo, host.ns), host.ns)
    netns.set_sysctls(topo.router.ns, topology.router_sysctls(lab.site.router.bgp.layer4_hashing))
    step("topology built")

    router_addrs = [i.address.ip for i in lab.site.router.interfaces]
    ensure_all(lab.paths, router_addrs)

    insts = lab.instances
    frr.prepare(lab.router_inst, boot_frr_config(lab.site, bgp=router_bgp))
    for inst, node in zip(lab.node_insts, lab.site.nodes, strict=True):
        frr.prepare(inst, render_node(lab.site, node, inst.log_file, peer=peer))
    zebras = [(i, frr.spawn(i, ("zebra",))) for i in insts]
    for inst, launchers in zebras:
        frr.wait_launchers(inst, launchers)
    others = [(i, frr.spawn(i, i.daemons[1:])) for i in insts]
    for inst, launchers in others:
        frr.wait_launchers(inst, launchers)
    for inst in insts:
        frr.record(inst, inst.daemons)
    boots = [
        subprocess.Popen(
            frr.vtysh_argv(i, boot=True), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for i in insts
    ]
    for inst, proc in zip(insts, boots, strict=True):
        _, err = proc.communicate(timeout=30)
        if proc.returncode != 0:
            raise LabError(f"vtysh -b {inst.pathspace} failed: {err.decode().strip()}")
    step("FRR started")
    nodes = real_nodes.Nodes(lab.site, step)
    step("rootfs and the nodes' repositories ready")
    services = _spawn_services(lab, nodes, router_bgp=router_bgp)

    for name, proc, marker in services:
        record_process(lab.paths, ProcRecord(name, proc.pid, marker))
    _wait_services(lab, [(n, p) for n, p, _ in services])
    step("HTTP backends, nodes' sshd, node services and router SSH listening")
    if wait and peer and router_bgp:
        wanted = {n.address for n in lab.site.router.neighbors}

        def established() -> bool:
            states = {s.peer: s.state for s in router_sessions(lab.router_inst)}
            return all(states.get(a) == "Established" for a in wanted)

        if not wait_for(established, timeout=30.0, interval=0.05):
            raise LabError("BGP sessions did not reach Established within 30 s")
        step("BGP sessions Established")
    write_atomic(lab.paths.root / BUILT_FROM, json.dumps(built_from(lab.site), indent=1) + "\n")
    return rootfs.describe(nodes.rootfs)


def _marker(proc: subprocess.Popen[bytes]) -> str:
    args = proc.args
    assert isinstance(args, list)
    return " ".join(str(a) for a in args[args.index("-m") + 1 :][:3])


Spawned = tuple[str, subprocess.Popen[bytes], str]  # record name, process, its marker


def _spawn_services(lab: Lab, nodes: real_nodes.Nodes, *, router_bgp: bool) -> list[Spawned]:
    """HTTP backends and the nodes themselves (their sshd), the nodes' package server and
    kubeadm endpoint, the router's SSH server; in parallel."""
    lab.paths.logs.mkdir(parents=True, exist_ok=True)
    out: list[Spawned] = []
    inventory = str(lab.site.inventory_dir.resolve())
    argv = ["-m", "lab.node_services", "--inventory", inventory]
    proc = _spawn(lab, None, argv)
    out.append((lab.services_record, proc, _marker(proc)))
    for node in lab.site.nodes:
        ns = topology.ns_name(node.name)
        pods = pods_file(lab.paths.k8s_dir, node.name)  # kube-proxy's pods of the node
        argv = ["-m", "lab.http_backend", "--node", node.name, "--pods", str(pods)]
        proc = _spawn(lab, ns, argv)
        out.append((lab.http_record(node.name), proc, _marker(proc)))
        marker = real_nodes.marker(lab.paths, node.name)
        out.append((lab.login_record(node.name), nodes.start(node.name), marker))
    argv = ["-m", "lab.router_ssh", "--inventory", inventory, *([] if router_bgp else ["--bare"])]
    proc = _spawn(lab, lab.topo.router.ns, argv)
    out.append((lab.ssh_record, proc, _marker(proc)))
    return out


def _spawn(lab: Lab, ns: str | None, argv: list[str]) -> subprocess.Popen[bytes]:
    """`python -m ...` in namespace `ns` (None: the machine's own)."""
    log = lab.paths.logs / f"{ns or 'host'}.{argv[1]}.log"
    command = [sys.executable, *argv]
    with log.open("ab") as fh:
        return subprocess.Popen(
            command if ns is None else netns.exec_argv(ns, command),
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            start_new_session=True,
        )


def _log_tail(lab: Lab, proc: subprocess.Popen[bytes], lines: int = 15) -> str:
    """The end of a service's log (`down` removes the log directory after a failed `up`)."""
    argv = [str(a) for a in proc.args] if isinstance(proc.args, list) else []
    ns = argv[argv.index("exec") + 1] if "exec" in argv else "host"
    module = argv[argv.index("-m") + 1] if "-m" in argv else "node"
    log = lab.paths.logs / f"{ns}.{module}.log"
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return f"(no log at {log})"
    return "\n".join(text.splitlines()[-lines:])


def _port_open(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.2):
            return True
    except OSError:
        return False


def _wait_services(lab: Lab, services: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    targets = [(str(n.address), port) for n in lab.site.nodes for port in (80, 22)]
    targets.append((str(lab.site.router.login.address), 22))
    targets.append((str(real_nodes.service_address(lab.site)), real_nodes.SERVICES_PORT))

    def ready() -> bool:
        for name, proc in services:
            if proc.poll() is not None:
                raise LabError(f"{name} exited with {proc.returncode}:\n{_log_tail(lab, proc)}")
        return all(_port_open(a, p) for a, p in targets)

    if not wait_for(ready, timeout=20.0, interval=0.05):
        raise LabError(f"services not listening within 20 s ({targets}): see {lab.paths.logs}")


# ---- a node's SSH login, cut and restored (failure drills) -----------------------------------


def stop_login(site: Site, node: str) -> None:
    """Cut `node`'s SSH: the node (its sshd is its PID 1) stopped by its recorded PID, as a VM
    powered off. The rest of the twin keeps running; `start_login` boots it again, with the
    changes it had made."""
    lab = Lab.of(site)
    site.node(node)  # an unknown node is an error, not a no-op
    rec = read_record(lab.paths, lab.login_record(node))
    if rec is not None:
        stop_processes([rec])
        forget_process(lab.paths, rec.name)


def start_login(site: Site, node: str) -> None:
    """Start `node`'s SSH login again (after `stop_login`) and wait until it listens;
    nothing happens when it is running."""
    lab = Lab.of(site)
    name = lab.login_record(node)
    rec = read_record(lab.paths, name)
    if rec is not None and is_alive(rec):
        return
    proc = real_nodes.Nodes(site, _quiet, publish=False).start(node)
    record_process(lab.paths, ProcRecord(name, proc.pid, real_nodes.marker(lab.paths, node)))
    address = str(site.node(node).address)

    def ready() -> bool:
        if proc.poll() is not None:
            raise LabError(f"{name} exited with {proc.returncode}:\n{_log_tail(lab, proc)}")
        return _port_open(address, 22)

    if not wait_for(ready, timeout=20.0, interval=0.05):
        raise LabError(f"{name} not listening on {address}:22 within 20 s: see {lab.paths.logs}")


# ---- down ---------------------------------------------------------------------------------


def lab_namespaces() -> list[str]:
    """Every twin namespace on the machine (this site's or any earlier lab's)."""
    return sorted(ns for ns in netns.list_namespaces() if ns.startswith(topology.PREFIX))


def _reset_guests(lab: Lab) -> None:
    """The nodes back to fresh VMs: their changes over the rootfs and the cluster forgotten
    (their SSH host keys stay, so known_hosts keeps trusting them), the kubeconfig removed
    when it lives in the lab's state directory. Only while no node runs."""
    stop_server(lab.paths.k8s_dir)
    shutil.rmtree(lab.paths.k8s_dir, ignore_errors=True)
    real_nodes.reset(lab.site)
    if lab.paths.ubuntu_dir.is_dir():  # the former emulator's node states
        for node in lab.site.nodes:
            for suffix in (".json", ".lock", ".tmp"):
                (lab.paths.ubuntu_dir / f"{node.name}{suffix}").unlink(missing_ok=True)
    kubeconfig = lab.site.kubernetes.kubeconfig.expanduser()
    if kubeconfig.resolve().is_relative_to(lab.paths.root.resolve()):
        kubeconfig.unlink(missing_ok=True)


def down(site: Site, *, purge: bool = False, log: Log = _quiet) -> None:
    """Remove everything the lab made; keep its credentials unless `purge`.

    Every twin namespace goes, with any process still inside it (found with
    `ip netns pids`, stopped by PID), whichever lab or run made it."""
    preflight()
    lab = Lab.of(site)
    recs = all_records(lab.paths)
    # Daemons of a crashed run may have lost their record but left their pid file.
    for inst in lab.instances:
        for d in inst.daemons:
            pid = frr.read_pid(inst, d)
            if pid is not None:
                recs.append(ProcRecord(inst.record_name(d), pid, inst.marker))
    stop_processes(recs)
    _reset_guests(lab)  # the API server (started by kubeadm init on the node) by its PID file
    for ns in lab_namespaces():
        _kill_leftovers(ns)
        netns.delete_namespace(ns)
    for link in lab.topo.host_links:
        if netns.link_exists(link.ifname):
            netns.delete_link(link.ifname)
    for inst in lab.instances:
        frr.clear_run_dir(inst)
    if lab.paths.created_frr_run_root.exists():
        with contextlib.suppress(OSError):  # other instances live there: not ours to remove
            FRR_RUN_ROOT.rmdir()
        lab.paths.created_frr_run_root.unlink()
    for sub in (lab.paths.pids, lab.paths.frr_confdir, lab.paths.logs, lab.paths.vyos_dir):
        shutil.rmtree(sub, ignore_errors=True)
    if purge:
        forget_host_keys(lab.paths, site)  # needs the host keys: before they go
        shutil.rmtree(lab.paths.root, ignore_errors=True)
        lab.paths.known_hosts.unlink(missing_ok=True)
        lab.paths.client_key.unlink(missing_ok=True)
        lab.paths.client_key.with_name(lab.paths.client_key.name + ".pub").unlink(missing_ok=True)
    log("lab down")


def _kill_leftovers(ns: str) -> None:
    """Processes still inside a lab namespace (a crash lost their records), by PID."""
    out = netns.run([netns.IP, "netns", "pids", ns], check=False)
    pids = [int(p) for p in out.split() if p.isdigit() and int(p) != os.getpid()]
    recs = [ProcRecord(f"leftover.{p}", p, cmdline(p)) for p in pids if cmdline(p)]
    stop_processes(recs)
