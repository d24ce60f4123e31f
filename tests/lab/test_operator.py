"""What the twin hands its operator (lab/operator.py): host keys scanned as ssh-keyscan would
and put in ~/.ssh/known_hosts of the HOME in effect (here a temporary one), and the env file
of its secrets. A stand-in SSH server on 127.0.0.1: no root, no twin."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import paramiko
import pytest

from bgplb.model import load_site
from lab.credentials import write_private
from lab.operator import (
    drop_known_hosts,
    merge_known_hosts,
    operator_env,
    read_env_file,
    render_env,
    scan_host_keys,
    ssh_targets,
    trust_host_keys,
    user_known_hosts,
)
from lab.state import LabPaths

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "stand-in-password"  # a test value, not a secret


class AnyPassword(asyncssh.SSHServer):
    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return password == PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """(port, `TYPE BASE64` of its host key)."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    port = _free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        acceptor = loop.run_until_complete(
            asyncssh.listen("127.0.0.1", port, server_host_keys=[key], server_factory=AnyPassword)
        )
        started.set()
        loop.run_forever()
        acceptor.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield port, " ".join(key.export_public_key("openssh").decode().split()[:2])
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def strict_login(port: int) -> None:
    """What netmiko does with ssh_strict + system_host_keys (bgplb/nornir_init.py)."""
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            "127.0.0.1",
            port=port,
            username="vyos",
            password=PASSWORD,
            allow_agent=False,
            look_for_keys=False,
            timeout=5,
        )
    finally:
        client.close()


def test_home_is_a_temporary_directory_in_tests(private_home: Path) -> None:
    assert user_known_hosts() == private_home / ".ssh" / "known_hosts"
    assert Path.home() == private_home


def test_scanned_keys_in_the_users_known_hosts_let_a_strict_client_in(
    server: tuple[int, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, key = server
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(paramiko.SSHException, match="not found in known_hosts"):
        strict_login(port)
    lines = scan_host_keys([("127.0.0.1", port)])
    assert lines == [f"[127.0.0.1]:{port} {key}"]
    path = trust_host_keys(lines)
    assert path == tmp_path / ".ssh" / "known_hosts"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    strict_login(port)


def test_a_scan_of_a_closed_port_fails_naming_it() -> None:
    port = _free_port()
    with pytest.raises(Exception, match=f"127.0.0.1:{port}"):
        scan_host_keys([("127.0.0.1", port)], timeout=5)


def hashed(name: str) -> str:
    salt = os.urandom(20)
    digest = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


def test_merge_replaces_only_the_lines_of_the_same_hosts() -> None:
    old = (
        "# the user's comment\n"
        "198.18.123.20 ssh-ed25519 OLDKEY\n"
        f"{hashed('198.18.30.50')} ssh-ed25519 OLDHASHED\n"
        "192.0.2.7,other.example ssh-rsa THEIRS\n"
        f"{hashed('192.0.2.8')} ssh-ed25519 THEIRSHASHED\n"
    )
    new = ["198.18.123.20 ssh-ed25519 NEW1", "198.18.30.50 ssh-ed25519 NEW2"]
    merged = merge_known_hosts(old, new)
    assert "OLDKEY" not in merged and "OLDHASHED" not in merged
    for kept in ("# the user's comment", "THEIRS", "THEIRSHASHED", "NEW1", "NEW2"):
        assert kept in merged
    assert merge_known_hosts(merged, new) == merged, "idempotent"


def test_forgetting_drops_only_our_keys_for_our_addresses() -> None:
    text = (
        "198.18.123.20 ssh-ed25519 OURS\n"
        "198.18.123.20 ssh-rsa SOMEONE-ELSES\n"
        "192.0.2.7 ssh-ed25519 OURS\n"
    )
    left = drop_known_hosts(text, {"198.18.123.20"}, {"ssh-ed25519 OURS"})
    assert left == "198.18.123.20 ssh-rsa SOMEONE-ELSES\n192.0.2.7 ssh-ed25519 OURS\n"


def test_the_env_file_exports_what_the_inventory_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = load_site(REPO / "inventory" / "lab")
    paths = LabPaths(root=tmp_path, known_hosts=tmp_path / "kh", client_key=tmp_path / "key")
    for name in ("BGPLB_LAB_PASSWORD", "BGPLB_METALLB_MEMBERLIST_KEY"):
        monkeypatch.delenv(name, raising=False)
    env = operator_env(site, paths)
    assert set(env) == {"BGPLB_LAB_PASSWORD", "BGPLB_METALLB_MEMBERLIST_KEY"}
    assert all(len(v) >= 20 for v in env.values())
    assert operator_env(site, paths) == env, "generated once, then kept"
    assert stat.S_IMODE((tmp_path / "router_password").stat().st_mode) == 0o600
    # a value with shell metacharacters survives sourcing
    odd = {**env, "BGPLB_LAB_PASSWORD": 'it\'s $HOME; `x` "q"'}
    write_private(tmp_path / "operator.env", render_env(odd).encode())
    assert read_env_file(tmp_path / "operator.env") == odd


def test_the_twin_scans_its_router_and_nodes() -> None:
    site = load_site(REPO / "inventory" / "lab")
    assert ssh_targets(site) == [
        ("198.18.123.20", 22),
        ("198.18.30.50", 22),
        ("198.18.30.60", 22),
        ("198.18.30.61", 22),
    ]


def test_lab_up_tells_where_the_keys_and_secrets_went_never_their_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lab.lifecycle import UpResult
    from runbooks.lab import access_hint

    monkeypatch.setenv("BGPLB_LAB_PASSWORD", "Value-Never-Shown-91c2")
    site = load_site(REPO / "inventory" / "lab")
    result = UpResult(
        False, 0.0, known_hosts=Path("/h/.ssh/known_hosts"), env_file=Path("/s/operator.env")
    )
    text = "\n".join(access_hint(site, result))
    assert "/h/.ssh/known_hosts" in text and ". /s/operator.env" in text
    assert "$BGPLB_LAB_PASSWORD" in text and "Value-Never-Shown-91c2" not in text
