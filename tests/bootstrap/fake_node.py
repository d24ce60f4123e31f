"""A netmiko-shaped connection to an in-process emulated node, for Nornir task tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from nornir.core import Nornir

from lab.k8s.kubeadm_cluster import LocalCluster
from lab.ubuntu.node_state import CLOUD_IMAGE, NodeStore, Variant
from lab.ubuntu.sftp import NodeFileError, NodeFiles
from lab.ubuntu.shell import UbuntuShell


class SFTPFile:
    """paramiko's SFTPFile, as far as the tasks use it, over the emulated node's files."""

    def __init__(self, files: NodeFiles, path: str) -> None:
        self.files, self.path, self.offset = files, path, 0

    def chmod(self, mode: int) -> None:
        self.files.chmod(self.path, mode)

    def write(self, data: bytes) -> None:
        self.files.write(self.path, self.offset, data)
        self.offset += len(data)

    def close(self) -> None:
        pass


class SFTPClient:
    """paramiko's SFTPClient (normalize, open "wx", remove, close) over NodeFiles, raising
    OSError as paramiko does for an SFTP status."""

    def __init__(self, files: NodeFiles) -> None:
        self.files = files

    def normalize(self, path: str) -> str:
        return self.files.realpath(path)

    def open(self, path: str, mode: str) -> SFTPFile:
        assert mode == "wx", mode
        try:
            return SFTPFile(self.files, self.files.create(path, exclusive=True, truncate=True))
        except NodeFileError as exc:
            raise OSError(str(exc)) from None

    def remove(self, path: str) -> None:
        try:
            self.files.remove(path)
        except NodeFileError as exc:
            raise OSError(str(exc)) from None

    def close(self) -> None:
        pass


@dataclass
class FakeNetmiko:
    shell: UbuntuShell
    sent: list[str] = field(default_factory=list)

    def send_command(
        self, command: str, read_timeout: float = 10.0, cmd_verify: bool = True
    ) -> str:
        self.sent.append(command)
        return self.shell.handle(command).output

    @property
    def remote_conn_pre(self) -> FakeNetmiko:
        return self  # netmiko's paramiko SSHClient: here only open_sftp

    def open_sftp(self) -> SFTPClient:
        return SFTPClient(NodeFiles(self.shell.store, self.shell.user))


def attach_emulated_nodes(
    nr: Nornir, state_dir: Path, variant: Variant = CLOUD_IMAGE
) -> dict[str, FakeNetmiko]:
    """Every host of `nr` gets a fake netmiko connection to its own emulated node."""
    cluster = LocalCluster(state_dir / "cluster.json")
    conns = {}
    for name, host in nr.inventory.hosts.items():
        os_name = str(host.get("os", "ubuntu-20.04"))
        store = NodeStore(state_dir / f"{name}.json", name, os_name, variant)
        conn = FakeNetmiko(UbuntuShell(store, cluster, str(host.hostname)))
        host.connections["netmiko"] = SimpleNamespace(connection=conn, close=lambda: None)
        conns[name] = conn
    return conns
