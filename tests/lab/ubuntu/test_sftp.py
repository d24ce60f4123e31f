"""The node's SFTP subsystem on 127.0.0.1 (no namespace, no root), through paramiko as the
kubeadm join task uses it: a private file created, written, removed; the shell still works."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import paramiko
import pytest

from lab.credentials import ensure_key
from lab.ubuntu.kubeadm_cluster import LocalCluster
from lab.ubuntu.node_state import NodeStore
from lab.ubuntu.shell import UbuntuShell
from lab.ubuntu.ssh_server import NodeAuth, publish_host_key, serve_node


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[paramiko.SSHClient, NodeStore]]:
    client_key = ensure_key(tmp_path / "id_ed25519", "test")
    known = tmp_path / "known_hosts"
    publish_host_key(known, tmp_path / "host_key", "127.0.0.1", "worker01")
    store = NodeStore(tmp_path / "w.json", "worker01")
    cluster = LocalCluster(tmp_path / "c.json")
    loop = asyncio.new_event_loop()
    started = threading.Event()
    ports: list[int] = []
    servers: list[asyncssh.SSHAcceptor] = []

    async def start() -> None:
        server = await serve_node(
            "127.0.0.1",
            0,
            tmp_path / "host_key",
            NodeAuth("ubuntu", "pw", client_key),
            lambda: UbuntuShell(store, cluster, "127.0.0.1"),
        )
        servers.append(server)
        ports.append(server.sockets[0].getsockname()[1])
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    assert started.wait(10)
    line = known.read_text().replace("127.0.0.1 ", f"[127.0.0.1]:{ports[0]} ", 1)
    known.write_text(line)  # the server's key, at its port (strict checking below)
    client = paramiko.SSHClient()
    client.load_host_keys(str(known))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        "127.0.0.1",
        ports[0],
        username="ubuntu",
        key_filename=str(tmp_path / "id_ed25519"),
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
    )
    try:
        yield client, store
    finally:
        client.close()

        async def stop() -> None:
            servers[0].close()
            await servers[0].wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def test_private_file_written_then_removed(node: tuple[paramiko.SSHClient, NodeStore]) -> None:
    client, store = node
    sftp = client.open_sftp()
    home = sftp.normalize(".")
    assert home == "/home/ubuntu"
    path = f"{home}/.bgplb-test.yaml"
    handle = sftp.open(path, "wx")
    assert store.load().files[path].mode == 0o644  # sftp-server's default, still empty
    handle.chmod(0o600)
    handle.write(b"token: secret\n")
    handle.close()
    entry = store.load().files[path]
    assert (entry.mode, entry.content) == (0o600, "token: secret\n")
    with pytest.raises(OSError, match="File exists"):
        sftp.open(path, "wx")  # exclusive: never an existing file
    sftp.remove(path)
    assert path not in store.load().files
    with pytest.raises(FileNotFoundError):
        sftp.remove(path)
    with pytest.raises(PermissionError):
        sftp.open("/etc/x.yaml", "wx")  # as the login user, not root
    sftp.close()
    _, stdout, _ = client.exec_command("hostname")  # the shell beside SFTP
    assert stdout.read() == b"worker01\n"
    assert stdout.channel.recv_exit_status() == 0
