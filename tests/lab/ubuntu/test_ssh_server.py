"""The node's real SSH server on 127.0.0.1 (no namespace, no root): key auth, exec status, PTY."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncssh

from lab.credentials import ensure_key
from lab.ubuntu.kubeadm_cluster import LocalCluster
from lab.ubuntu.node_state import NodeStore
from lab.ubuntu.shell import UbuntuShell
from lab.ubuntu.ssh_server import NodeAuth, publish_host_key, serve_node


def test_exec_status_and_known_hosts(tmp_path: Path) -> None:
    client_key = ensure_key(tmp_path / "id_ed25519", "test")
    known = tmp_path / "known_hosts"
    known.write_text("198.18.30.254 ssh-ed25519 AAAAother\n")
    publish_host_key(known, tmp_path / "host_key", "127.0.0.1", "worker01")
    publish_host_key(known, tmp_path / "host_key", "127.0.0.1", "worker01")
    assert known.read_text().count("127.0.0.1 ") == 1
    assert "198.18.30.254" in known.read_text()
    store = NodeStore(tmp_path / "w.json", "worker01")
    cluster = LocalCluster(tmp_path / "c.json")
    auth = NodeAuth("ubuntu", "pw", client_key)

    async def scenario() -> tuple[int | None, str, str]:
        server = await serve_node(
            "127.0.0.1",
            0,
            tmp_path / "host_key",
            auth,
            lambda: UbuntuShell(store, cluster, "127.0.0.1"),
        )
        port = server.sockets[0].getsockname()[1]
        async with asyncssh.connect(
            "127.0.0.1", port, username="ubuntu", client_keys=[client_key], known_hosts=str(known)
        ) as conn:
            bad = await conn.run("frobnicate")
            await conn.run("sudo swapoff -a")
            proc = await conn.create_process(term_type="xterm")
            proc.stdin.write("hostname\n")
            text = await proc.stdout.readuntil("$ ")
            text += await proc.stdout.readuntil("$ ")
            proc.stdin.write("exit\n")
            await proc.wait_closed()
        server.close()
        return bad.exit_status, str(bad.stdout), text

    status, output, session = asyncio.run(scenario())
    assert (status, output) == (127, "frobnicate: command not found\n")
    assert "ubuntu@worker01:~$ hostname\r\nworker01\r\nubuntu@worker01:~$ " in session
    assert store.load().swaps == []
