"""A fake node shell for the kubeadm tasks: a Nornir connection plugin whose `connection`
answers `send_command` like a node's bash would, keeping state (which files exist)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from nornir.core.configuration import Config
from nornir.core.inventory import ConnectionOptions, Host
from nornir.core.plugins.connections import ConnectionPluginRegister

from bgplb.k8s.kubeadm import ADMIN_CONF, KUBELET_CONF, STATUS_MARKER

PLUGIN = "bgplb_fake_shell"
TOKEN = "abcdef.0123456789abcdef"
HASH = "sha256:" + "ab" * 32
JOIN_LINE = (
    f"kubeadm join k8s-cluster.example.com:6443 --token {TOKEN} \\\n"
    f"\t--discovery-token-ca-cert-hash {HASH} "
)
ADMIN_CONF_TEXT = """\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EK
    server: https://k8s-cluster.example.com:6443
  name: kubernetes
contexts:
- context: {cluster: kubernetes, user: kubernetes-admin}
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
users:
- name: kubernetes-admin
  user: {client-certificate-data: Q0VSVAo=, client-key-data: S0VZLXNlY3JldAo=}
"""


@dataclass
class Upload:
    mode: int = 0o644  # sftp-server's 0666 under umask 022
    data: bytes = b""


class FakeSFTPFile:
    def __init__(self, upload: Upload) -> None:
        self.upload = upload

    def chmod(self, mode: int) -> None:
        self.upload.mode = mode

    def write(self, data: bytes) -> None:
        self.upload.data += data

    def close(self) -> None:
        pass


@dataclass
class FakeSFTP:
    """paramiko's SFTPClient as the tasks use it: files kept in the node's `uploads`."""

    node: FakeNode
    closed: bool = False

    def normalize(self, path: str) -> str:
        assert path == "."
        return "/home/ubuntu"

    def open(self, path: str, mode: str) -> FakeSFTPFile:
        assert mode == "wx" and path not in self.node.uploads, (mode, path)
        self.node.uploads[path] = Upload()
        return FakeSFTPFile(self.node.uploads[path])

    def remove(self, path: str) -> None:
        del self.node.uploads[path]
        self.node.removed.append(path)

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeNode:
    files: set[str] = field(default_factory=set)
    fail: dict[str, int] = field(default_factory=dict)  # command word -> exit status
    commands: list[str] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)  # over SFTP, still present
    removed: list[str] = field(default_factory=list)
    join_configs: list[Upload] = field(default_factory=list)  # what `kubeadm join` read

    @property
    def remote_conn_pre(self) -> FakeNode:
        return self  # netmiko's paramiko SSHClient: here only open_sftp

    def open_sftp(self) -> FakeSFTP:
        return FakeSFTP(self)

    def send_command(self, command: str, read_timeout: float = 10.0) -> str:
        assert read_timeout > 0
        suffix = f"; echo {STATUS_MARKER}$?"
        assert command.endswith(suffix), command
        line = command.removesuffix(suffix)
        self.commands.append(line)
        out, status = self.run(line)
        return f"{out}\n{STATUS_MARKER}{status}\n"

    def run(self, line: str) -> tuple[str, int]:
        probe = re.fullmatch(r"sudo -n test -f (\S+) && echo (\w+) \|\| echo (\w+)", line)
        if probe:
            return (probe[2] if probe[1] in self.files else probe[3]), 0
        argv = shlex.split(line)
        assert argv[:2] == ["sudo", "-n"], line
        word = " ".join(argv[2:4])
        if word == "kubeadm join":
            assert argv[4:5] == ["--config"] and len(argv) == 6, line
            upload = self.uploads[argv[5]]
            self.join_configs.append(Upload(upload.mode, upload.data))
        if word in self.fail:
            return f"error execution phase preflight: --token {TOKEN} failed", self.fail[word]
        if word == "kubeadm init":
            self.files |= {ADMIN_CONF, KUBELET_CONF}
            return f"Your Kubernetes control-plane has initialized successfully!\n{JOIN_LINE}", 0
        if word == "kubeadm token":
            return JOIN_LINE, 0
        if word == "kubeadm join":
            self.files.add(KUBELET_CONF)
            return "This node has joined the cluster", 0
        if word == f"cat {ADMIN_CONF}":
            return (ADMIN_CONF_TEXT, 0) if ADMIN_CONF in self.files else ("No such file", 1)
        raise AssertionError(f"unexpected command {line!r}")


NODES: dict[str, FakeNode] = {}  # connection key -> node (extras are plain data)


class FakeShellPlugin:
    def __init__(self) -> None:
        self.connection: Any = None

    def open(
        self,
        hostname: str | None,
        username: str | None,
        password: str | None,
        port: int | None,
        platform: str | None,
        extras: dict[str, Any] | None = None,
        configuration: Config | None = None,
    ) -> None:
        del hostname, username, password, port, platform, configuration
        self.connection = NODES[(extras or {})["key"]]

    def close(self) -> None:
        pass


def attach(host: Host, node: FakeNode) -> None:
    ConnectionPluginRegister.register(PLUGIN, FakeShellPlugin)
    key = f"{id(node)}"
    NODES[key] = node
    host.connection_options[PLUGIN] = ConnectionOptions(extras={"key": key})
