"""A real-userland twin node (lab/node_userland.py) on the cached Debian rootfs: real sshd,
bash, sudo, dpkg and procps in its own namespaces; the bootstrap's OS steps converge on it,
with net.* sysctls real in its network namespace and the machine's swap and kernel untouched."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler

from bgplb.bootstrap import plan_bootstrap
from bgplb.model import load_site
from lab import rootfs
from lab.credentials import ensure_key
from lab.node_userland import NodeDirs, NodeSpec, start
from tasks.bootstrap import apply_step, is_done, run
from tests.conftest import REPO

NS = "bgplab-rootfs-test"
HOST_IF, HOST_ADDR, NODE_ADDR = "bgplrt0", "198.18.251.1/30", "198.18.251.2"


@dataclass
class Node:
    conn: Any
    dirs: NodeDirs
    boot_seconds: float


def _sh(command: str) -> str:
    return subprocess.run(command, shell=True, check=True, capture_output=True, text=True).stdout


def _run(conn: Any, command: str) -> tuple[str, int]:
    out, rc = run(conn, command, 30)
    return out.strip(), rc


def _mounts_under(path: Path) -> list[str]:
    return [line for line in Path("/proc/mounts").read_text().splitlines() if str(path) in line]


@pytest.fixture
def node(tmp_path: Path, twin_session: None) -> Iterator[Node]:
    base = rootfs.ensure()  # built once per machine, cached under /var/tmp
    _sh(f"ip netns add {NS}")
    proc = None
    try:
        _sh(
            f"ip link add {HOST_IF} type veth peer name eth0 netns {NS}"
            f" && ip addr add {HOST_ADDR} dev {HOST_IF} && ip link set {HOST_IF} up"
            f" && ip -n {NS} addr add {NODE_ADDR}/30 dev eth0 && ip -n {NS} link set eth0 up"
            f" && ip -n {NS} link set lo up"
        )
        host_key, client_key = tmp_path / "host_key", tmp_path / "client_key"
        ensure_key(host_key, "bgplab-worker09")
        ensure_key(client_key, "test")
        spec = NodeSpec(
            "worker09", NS, NODE_ADDR, host_key, (tmp_path / "client_key.pub").read_text()
        )
        dirs = NodeDirs(tmp_path / "node")
        started = time.monotonic()
        proc = start(base.root, dirs, spec, tmp_path / "node.log")
        for _ in range(100):
            try:
                socket.create_connection((NODE_ADDR, 22), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        boot = time.monotonic() - started
        conn = ConnectHandler(
            device_type="linux",
            host=NODE_ADDR,
            username="ubuntu",
            key_file=str(client_key),
            use_keys=True,
            allow_agent=False,
            ssh_strict=False,
        )
        yield Node(conn, dirs, boot)
        conn.disconnect()
    finally:
        if proc is not None:
            proc.kill()  # unshare --kill-child: the node's PID 1 and its namespaces go too
            proc.wait(timeout=10)
        subprocess.run(["ip", "netns", "del", NS], check=False)
        subprocess.run(["ip", "link", "del", HOST_IF], check=False, capture_output=True)
    deadline = time.monotonic() + 5
    while _mounts_under(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _mounts_under(tmp_path) == []


def test_real_tools_on_the_node(node: Node) -> None:
    assert node.boot_seconds < 5
    assert _run(node.conn, "ps -o comm= -p 1") == ("sshd", 0)  # its own PID namespace
    assert _run(node.conn, "hostname") == ("worker09", 0)
    assert _run(node.conn, "sudo -n id -u") == ("0", 0)
    out, rc = _run(node.conn, "dpkg-query -W -f='${Package}\\n' sed bash coreutils")
    assert (out.split(), rc) == (["bash", "coreutils", "sed"], 0)  # dpkg's order, not ours
    out, rc = _run(node.conn, "sysctl -n net.ipv4.ip_forward")  # Debian login: no sbin
    assert rc == 127 and "sysctl: command not found" in out


def test_bootstrap_os_steps_converge_on_real_userland(node: Node) -> None:
    site = load_site(REPO / "inventory" / "lab")
    plan = plan_bootstrap(site, site.nodes[1], allow_legacy=True)
    names = [s.name for s in plan.steps]
    os_steps = plan.steps[: names.index("apt-prerequisites") + 1]
    host_swaps = Path("/proc/swaps").read_text()
    host_swappiness = Path("/proc/sys/vm/swappiness").read_text()
    assert _sh(f"ip netns exec {NS} cat /proc/sys/net/ipv4/ip_forward").strip() == "0"
    pending = [s.name for s in os_steps if not is_done(node.conn, s)]
    assert {"hosts-entry", "swap-off", "swap-fstab", "modules-persist", "sysctl-live"} <= set(
        pending
    )
    for step in os_steps:
        if step.name in pending:
            apply_step(node.conn, step)
    assert [s.name for s in os_steps if not is_done(node.conn, s)] == []
    # net.* for real, in the node's network namespace only
    assert _sh(f"ip netns exec {NS} cat /proc/sys/net/ipv4/ip_forward").strip() == "1"
    assert Path("/proc/swaps").read_text() == host_swaps
    assert Path("/proc/sys/vm/swappiness").read_text() == host_swappiness
    # sysctl --system applied net.* for real and recorded the rest (procps's protect-links)
    standin = node.dirs.upper / "var/lib/bgplab-standin"
    assert (standin / "sysctl/fs.protected_regular").read_text() == "2\n"
    assert not (standin / "sysctl/net.ipv4.ip_forward").exists()
    out, rc = _run(node.conn, "systemctl is-enabled crio")
    assert (out, rc) == (
        "Failed to get unit file state for crio.service: No such file or directory",
        1,
    )
    # this kernel has overlay and br_netfilter (built in here): nothing to load, nothing recorded
    assert "modules-loaded" not in pending
    assert not (node.dirs.upper / "var/lib/bgplab-standin/modprobe.log").exists()
