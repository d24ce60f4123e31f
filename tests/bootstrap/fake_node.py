"""A netmiko-shaped connection to an in-process emulated node, for Nornir task tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from nornir.core import Nornir

from lab.ubuntu.cluster import LocalCluster
from lab.ubuntu.node_state import NodeStore
from lab.ubuntu.shell import UbuntuShell


@dataclass
class FakeNetmiko:
    shell: UbuntuShell
    sent: list[str] = field(default_factory=list)

    def send_command(self, command: str, read_timeout: float = 10.0) -> str:
        self.sent.append(command)
        return self.shell.handle(command).output


def attach_emulated_nodes(nr: Nornir, state_dir: Path) -> dict[str, FakeNetmiko]:
    """Every host of `nr` gets a fake netmiko connection to its own emulated node."""
    cluster = LocalCluster(state_dir / "cluster.json")
    conns = {}
    for name, host in nr.inventory.hosts.items():
        store = NodeStore(state_dir / f"{name}.json", name, host.data.get("os", "ubuntu-20.04"))
        conn = FakeNetmiko(UbuntuShell(store, cluster, str(host.hostname)))
        host.connections["netmiko"] = SimpleNamespace(connection=conn, close=lambda: None)
        conns[name] = conn
    return conns
