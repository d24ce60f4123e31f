"""The lab's own credentials: router password, memberlist key, client key pair, SSH host
key, the lab's own known_hosts (its record; the operator's is filled by lab/operator.py).

Generated once into the state directory (private files mode 0600) and reused by later `up`s,
so clients that trusted the host key keep trusting it. Values are never printed.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from ipaddress import IPv4Address
from pathlib import Path

import asyncssh

from lab.state import LabPaths

PASSWORD_ENV = "BGPLB_LAB_PASSWORD"
MEMBERLIST_FILE = "metallb_memberlist_key"


def write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def _generated(path: Path, env_name: str, nbytes: int) -> str:
    """The environment's value when set, else the lab's own (generated once, mode 0600)."""
    from_env = os.environ.get(env_name)
    if from_env:
        return from_env
    if not path.exists():
        write_private(path, secrets.token_urlsafe(nbytes).encode() + b"\n")
    return path.read_text().strip()


def router_password(paths: LabPaths, env_name: str = PASSWORD_ENV) -> str:
    """The router's (and the nodes' login) password."""
    return _generated(paths.password_file, env_name, 18)


def memberlist_key(paths: LabPaths, env_name: str) -> str:
    """MetalLB's memberlist key for the twin's deploys (handed over in lab/operator.py)."""
    return _generated(paths.root / MEMBERLIST_FILE, env_name, 96)


def ensure_key(path: Path, comment: str) -> asyncssh.SSHKey:
    """An ed25519 key pair at path (private, 0600) and path.pub; created when missing."""
    if path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519", comment=comment)
    write_private(path, key.export_private_key("openssh"))
    path.with_name(path.name + ".pub").write_bytes(key.export_public_key("openssh"))
    return key


def known_hosts_text(host_key: asyncssh.SSHKey, addresses: list[IPv4Address]) -> str:
    public = host_key.export_public_key("openssh").decode().split()
    names = ",".join(str(a) for a in addresses)
    return f"{names} {public[0]} {public[1]}\n"


def replace_known_hosts(known_hosts: Path, line: str) -> None:
    """Put `line` (`ADDRS TYPE KEY`) in the lab's known_hosts in place of any line naming one of
    its addresses; every other line is kept. Under a lock: the router and the node logins
    publish their keys from different processes at the same time."""
    names = set(line.split(" ", 1)[0].split(","))
    known_hosts.parent.mkdir(parents=True, exist_ok=True)
    with open(known_hosts.with_name(known_hosts.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lines = known_hosts.read_text().splitlines(keepends=True) if known_hosts.exists() else []
        kept = [ln for ln in lines if not names & set(ln.split(" ", 1)[0].split(","))]
        tmp = known_hosts.with_name(known_hosts.name + ".tmp")
        tmp.write_text("".join(kept) + line)
        tmp.replace(known_hosts)


def write_known_hosts(paths: LabPaths, host_key: asyncssh.SSHKey, addrs: list[IPv4Address]) -> None:
    """The router's line (the nodes' lines, written by their servers, are kept)."""
    replace_known_hosts(paths.known_hosts, known_hosts_text(host_key, addrs))


def ensure_all(paths: LabPaths, router_addresses: list[IPv4Address]) -> None:
    """Everything the router's SSH server and its clients need."""
    paths.root.mkdir(parents=True, exist_ok=True)
    router_password(paths)
    ensure_key(paths.client_key, "bgplab-client")
    host_key = ensure_key(paths.host_key, "bgplab-router")
    write_known_hosts(paths, host_key, router_addresses)
