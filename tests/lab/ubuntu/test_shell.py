"""The emulated Ubuntu shell: strict like bash and the real tools, state kept across sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.k8s.kubeadm_cluster import LocalCluster
from lab.ubuntu.node_state import NodeStore
from lab.ubuntu.shell import UbuntuShell


@pytest.fixture
def store(tmp_path: Path) -> NodeStore:
    return NodeStore(tmp_path / "worker01.json", "worker01")


def _shell(store: NodeStore, tmp_path: Path) -> UbuntuShell:
    return UbuntuShell(store, LocalCluster(tmp_path / "cluster.json"), "198.18.30.60")


def test_prompt_and_unknown_command(store: NodeStore, tmp_path: Path) -> None:
    sh = _shell(store, tmp_path)
    assert sh.prompt() == "ubuntu@worker01:~$ "
    reply = sh.handle("frobnicate --now")
    assert (reply.output, reply.status) == ("frobnicate: command not found\n", 127)
    assert sh.handle("echo $?").output == "127\n"
    assert sh.handle("sudo frobnicate").output == "sudo: frobnicate: command not found\n"


@pytest.mark.parametrize(
    ("line", "text", "status"),
    [
        (
            "grep -z x /etc/hosts",
            "grep: invalid option -- 'z'\nUsage: grep [OPTION]... PATTERNS [FILE]...\n"
            "Try 'grep --help' for more information.\n",
            2,
        ),
        (
            "sudo apt-get -z update",
            "E: Command line option 'z' [from -z] is not understood in combination with the "
            "other options.\n",
            100,
        ),
        (
            "swapoff --bogus",
            "swapoff: unrecognized option '--bogus'\nTry 'swapoff --help' for more information.\n",
            1,
        ),
        (
            "dpkg-query -Z",
            "dpkg-query: error: unknown option -Z\n\nUse --help for help about querying packages.\n",  # noqa: E501
            2,
        ),
        ("sudo apt-get frob", "E: Invalid operation frob\n", 100),
        ("systemctl frob", "Unknown operation frob.\n", 1),
        (
            "sysctl -n net.bridge.bridge-nf-call-iptables",
            "sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory\n",  # noqa: E501
            255,
        ),
    ],
)
def test_wrong_flags_get_the_real_tools_errors(
    store: NodeStore, tmp_path: Path, line: str, text: str, status: int
) -> None:
    reply = _shell(store, tmp_path).handle(line)
    assert (reply.output, reply.status) == (text, status)


def test_root_needed_where_ubuntu_needs_it(store: NodeStore, tmp_path: Path) -> None:
    sh = _shell(store, tmp_path)
    assert sh.handle("echo x | tee /etc/x").output == "x\ntee: /etc/x: Permission denied\n"
    assert sh.handle("modprobe overlay").status == 1
    assert sh.handle("echo x | sudo -n tee /etc/x > /dev/null && cat /etc/x").output == "x\n"


def test_state_survives_sessions(store: NodeStore, tmp_path: Path) -> None:
    first = _shell(store, tmp_path)
    assert first.handle("swapon --show=NAME --noheadings").output == "/swap.img\n"
    first.handle("sudo swapoff -a")
    first.handle("sudo modprobe br_netfilter")
    first.handle("exit")
    second = _shell(NodeStore(store.path, "worker01"), tmp_path)
    assert second.handle("swapon --show=NAME --noheadings").output == ""
    assert "br_netfilter" in second.handle("lsmod").output
    assert second.handle("sysctl -n net.bridge.bridge-nf-call-iptables").output == "1\n"


def test_chaining_quoting_and_status_marker(store: NodeStore, tmp_path: Path) -> None:
    sh = _shell(store, tmp_path)
    out = sh.handle("sudo -n test -f /etc/kubernetes/admin.conf && echo P || echo A; echo S=$?")
    assert out.output == "A\nS=0\n"
    assert sh.handle("printf '%s\\n' a 'b c' | grep -c 'b c'").output == "1\n"
    assert sh.handle('echo "it\'s $USER"').output == "it's ubuntu\n"


def test_apt_needs_update_after_adding_a_source(store: NodeStore, tmp_path: Path) -> None:
    sh = _shell(store, tmp_path)
    base = "https://pkgs.k8s.io/core:/stable:/v1.30/deb/"
    ring = "/etc/apt/keyrings/kubernetes-apt-keyring.gpg"
    sh.handle("sudo mkdir -p -m 755 /etc/apt/keyrings")
    assert sh.handle(f"curl -fsSL {base}Release.key | sudo gpg --dearmor -o {ring}").status == 0
    line = f"deb [signed-by={ring}] {base} /"
    sh.handle(f"echo '{line}' | sudo tee /etc/apt/sources.list.d/kubernetes.list > /dev/null")
    missing = sh.handle("sudo apt-get install -y kubeadm=1.30.2-1.1")
    assert missing.status == 100
    assert missing.output.endswith("E: Unable to locate package kubeadm\n")
    assert sh.handle("sudo apt-get update").status == 0
    assert sh.handle("sudo apt-get install -y kubeadm=1.30.2-1.1").status == 0
    sh.handle("sudo apt-mark hold kubeadm")
    held = sh.handle("sudo apt-get install -y kubeadm=1.30.3-1.1")
    assert held.status == 100
    assert "--allow-change-held-packages" in held.output
    old = "https://pkgs.k8s.io/core:/stable:/v1.21/deb/Release.key"
    assert (
        sh.handle(f"curl -fsSL {old}").output
        == "curl: (22) The requested URL returned error: 404\n"
    )
