"""The whole bootstrap on three real-userland nodes at once: real apt and dpkg fetch the
stand-in Kubernetes and CRI-O packages over HTTPS from the twin's signed repositories, through
the plan's own source lines and key URLs; a second run changes nothing."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler

from bgplb.bootstrap import plan_bootstrap
from bgplb.model import load_site
from lab import apt_repo, rootfs
from lab.credentials import ensure_key
from lab.node_userland import NodeDirs, NodeSpec, start
from tasks.bootstrap import apply_step, checks_done, is_done, run
from tests.conftest import REPO

NODES = ("master01", "worker01", "worker02")
SERVER = "198.18.251.1"  # the host side of the first node's link
SOURCES_1_21 = (
    "https://apt.kubernetes.io/",
    "https://download.opensuse.org/repositories/devel:/kubic:/libcontainers:/stable/xUbuntu_20.04/",
    "https://download.opensuse.org/repositories/devel:/kubic:/libcontainers:/stable:/cri-o:/1.21/"
    "xUbuntu_20.04/",
)


def _ns(i: int) -> str:
    return f"bgplab-rootfs-b{i}"


def _sh(command: str) -> None:
    subprocess.run(command, shell=True, check=True, capture_output=True)


@pytest.fixture
def conns(tmp_path: Path, twin_session: None) -> Iterator[dict[str, Any]]:
    base = rootfs.ensure()
    key = apt_repo.SigningKey.ensure(tmp_path / "gnupg")
    ca = apt_repo.ensure_ca(tmp_path / "ca")
    (tmp_path / "debs").mkdir()
    pinned = ["1.21.1-00"]
    wanted = {"kubelet": pinned, "kubeadm": pinned, "kubectl": pinned}
    for source in apt_repo.sources_for(list(SOURCES_1_21), wanted):
        apt_repo.publish(source, key, tmp_path / "served", tmp_path / "debs")
    client_key = tmp_path / "client_key"
    ensure_key(client_key, "test")
    procs, server, out = [], None, {}
    try:
        for i, name in enumerate(NODES):
            host_ip, node_ip = f"198.18.251.{4 * i + 1}", f"198.18.251.{4 * i + 2}"
            _sh(
                f"ip netns add {_ns(i)} && ip link add bgplrb{i} type veth peer name eth0 netns"
                f" {_ns(i)} && ip addr add {host_ip}/30 dev bgplrb{i} && ip link set bgplrb{i} up"
                f" && ip -n {_ns(i)} addr add {node_ip}/30 dev eth0"
                f" && ip -n {_ns(i)} link set eth0 up && ip -n {_ns(i)} link set lo up"
                f" && ip -n {_ns(i)} route add {SERVER}/32 via {host_ip}"
            )
            if i == 0:
                server = apt_repo.serve(tmp_path / "served", ca, SERVER)
            host_key = tmp_path / f"{name}_host_key"
            ensure_key(host_key, f"bgplab-{name}")
            spec = NodeSpec(
                name,
                _ns(i),
                node_ip,
                host_key,
                (tmp_path / "client_key.pub").read_text(),
                repo_address=SERVER,
                repo_ca=ca.cert_pem,
            )
            procs.append(start(base.root, NodeDirs(tmp_path / name), spec, tmp_path / "n.log"))
            for _ in range(100):
                try:
                    socket.create_connection((node_ip, 22), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            out[name] = ConnectHandler(
                device_type="linux",
                host=node_ip,
                username="ubuntu",
                key_file=str(client_key),
                use_keys=True,
                allow_agent=False,
                ssh_strict=False,
            )
        yield out
    finally:
        for conn in out.values():
            conn.disconnect()
        for proc in procs:
            proc.kill()
            proc.wait(timeout=10)
        if server is not None:
            server.shutdown()
        for i in range(len(NODES)):
            subprocess.run(["ip", "netns", "del", _ns(i)], check=False)
            subprocess.run(["ip", "link", "del", f"bgplrb{i}"], check=False, capture_output=True)


def _bootstrap(conn: Any, site: Any, name: str) -> list[str]:
    """What tasks.bootstrap does for one node: the steps not done, each applied."""
    plan = plan_bootstrap(site, site.node(name), allow_legacy=True)
    pending = []
    for step in plan.steps:
        if not is_done(conn, step):
            pending.append(step.name)
            apply_step(conn, step)
    return pending


def _all(conns: dict[str, Any], site: Any) -> dict[str, list[str]]:
    """Every node at once, as Nornir runs the task."""
    with ThreadPoolExecutor(len(conns)) as pool:
        futures = {n: pool.submit(_bootstrap, c, site, n) for n, c in conns.items()}
        return {n: f.result() for n, f in futures.items()}


def test_bootstrap_converges_on_three_real_nodes(conns: dict[str, Any]) -> None:
    site = load_site(REPO / "inventory" / "lab")
    steps = plan_bootstrap(site, site.node("worker01"), allow_legacy=True).steps
    # the batched checks (one line through netmiko and real bash) read as the checks one by one
    one_by_one = [is_done(conns["worker01"], s) for s in steps]
    assert checks_done(conns["worker01"], steps) == one_by_one
    assert not all(one_by_one) and any(one_by_one), one_by_one
    started = time.monotonic()
    first = _all(conns, site)
    fresh = time.monotonic() - started
    assert all("kubernetes-packages" in p and "cri-o-packages" in p for p in first.values())
    started = time.monotonic()
    second = _all(conns, site)
    rerun = time.monotonic() - started
    assert second == {n: [] for n in conns}
    assert checks_done(conns["worker01"], steps) == [True] * len(steps)
    out, rc = run(conns["worker01"], "dpkg-query -W kubelet", 30)
    assert (out.strip(), rc) == ("kubelet\t1.21.1-00", 0)  # real dpkg
    out, rc = run(conns["worker01"], "apt-mark showhold", 30)
    assert (out.split(), rc) == (["kubeadm", "kubectl", "kubelet"], 0)
    out, rc = run(conns["worker01"], "kubeadm version -o short", 30)
    assert (out.strip(), rc) == ("v1.21.1", 0)  # the stand-in answers it without a cluster
    out, rc = run(conns["worker01"], "sudo -n kubeadm token create", 30)
    assert rc == 1 and "no answer from the twin's kubeadm endpoint" in out  # none here
    print(f"bootstrap of {len(conns)} real nodes: fresh {fresh:.1f} s, re-run {rerun:.1f} s")
