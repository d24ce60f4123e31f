"""The node's SSH server: the shell SSH server (lab/ssh_shell.py) hosting the emulated Ubuntu
login. One host key per node, whose known_hosts line is replaced under a lock (nodes start in
parallel).
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address
from pathlib import Path

import asyncssh

from lab.credentials import ensure_key, known_hosts_text, replace_known_hosts
from lab.ssh_shell import Auth, serve
from lab.ubuntu.sftp import NodeFiles, NodeSFTPServer
from lab.ubuntu.shell import UbuntuShell

NodeAuth = Auth  # the node's login user, password and authorized key


def publish_host_key(known_hosts: Path, host_key_path: Path, address: str, node: str) -> None:
    """Create the node's host key if missing; (re)write its known_hosts line, keep the others."""
    key = ensure_key(host_key_path, f"bgplab-{node}")
    replace_known_hosts(known_hosts, known_hosts_text(key, [IPv4Address(address)]))


async def serve_node(
    address: str, port: int, host_key: Path, auth: Auth, make_shell: Callable[[], UbuntuShell]
) -> asyncssh.SSHAcceptor:
    """Listen on address:port; every session gets a new shell over the node's shared state,
    and SFTP the node's files as its login user."""
    store = make_shell().store
    return await serve(
        [address],
        port,
        host_key,
        auth,
        lambda _user: make_shell(),
        "ubuntu-shell",
        sftp_factory=lambda chan: NodeSFTPServer(chan, NodeFiles(store, auth.username)),
    )
