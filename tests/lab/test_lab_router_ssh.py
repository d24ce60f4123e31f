"""The router's SSH server with a stand-in shell, on 127.0.0.1 (no root, no lab needed)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import paramiko
import pytest

from lab.router_ssh import Auth, LineDiscipline, ShellLike, crlf, serve

PASSWORD = "stand-in-password"  # a test value, not a secret


@dataclass(frozen=True)
class StandInReply:
    output: str = ""
    close: bool = False
    expects_answer: bool = False


class StandInShell:
    """Echoes commands back; `ask` asks a question; `exit` closes."""

    def __init__(self) -> None:
        self.asking = False

    def banner(self) -> str:
        return "Welcome to the stand-in\n"

    def prompt(self) -> str:
        return "" if self.asking else "vyos@vyos:~$ "

    def handle(self, line: str) -> StandInReply:
        if self.asking:
            self.asking = False
            return StandInReply(f"answer={line}\n")
        if line == "ask":
            self.asking = True
            return StandInReply("Proceed? [confirm]", expects_answer=True)
        if line == "exit":
            return StandInReply("logout\n", close=True)
        if line == "slow":
            time.sleep(0.5)
        return StandInReply(f"ran {line!r}\nline two\n")


@dataclass
class Server:
    port: int
    known_hosts: Path
    client_key: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("ssh")
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    host_key.write_private_key(str(tmp / "host_key"))
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key.write_private_key(str(tmp / "id_ed25519"))
    port = _free_port()
    public = host_key.export_public_key().decode().split()
    (tmp / "known_hosts").write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
    auth = Auth("vyos", PASSWORD, client_key)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def factory(_user: str) -> ShellLike:
        return StandInShell()

    async def start() -> asyncssh.SSHAcceptor:
        return await serve(["127.0.0.1"], port, tmp / "host_key", auth, factory)

    def run() -> None:
        asyncio.set_event_loop(loop)
        acceptor = loop.run_until_complete(start())
        started.set()
        loop.run_forever()
        acceptor.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield Server(port, tmp / "known_hosts", tmp / "id_ed25519")
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _client(server: Server, **kw: object) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.load_host_keys(str(server.known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        "127.0.0.1",
        port=server.port,
        username="vyos",
        allow_agent=False,
        look_for_keys=False,
        timeout=5,
        **kw,  # type: ignore[arg-type]
    )
    return client


def _read_until(chan: paramiko.Channel, marker: str, timeout: float = 5.0) -> str:
    data = ""
    deadline = time.monotonic() + timeout
    while marker not in data and time.monotonic() < deadline:
        if chan.recv_ready():
            data += chan.recv(65535).decode()
        else:
            time.sleep(0.01)
    assert marker in data, f"{marker!r} not in {data!r}"
    return data


def test_line_discipline_echoes_and_splits_lines() -> None:
    ld = LineDiscipline()
    assert ld.feed("ab\x7fc\r\nx\x03") == [
        "a",
        "b",
        "\b \b",
        "c",
        ("\r\n", "ac"),
        "x",
        ("^C\r\n", None),
    ]
    assert ld.feed("q\n") == ["q", ("\r\n", "q")]
    assert crlf("a\nb\r\nc") == "a\r\nb\r\nc"


def test_pty_session_echoes_translates_and_answers_questions(server: Server) -> None:
    client = _client(server, password=PASSWORD)
    try:
        chan = client.invoke_shell()
        _read_until(chan, "Welcome to the stand-in\r\nvyos@vyos:~$ ")
        chan.send(b"show version\n")
        out = _read_until(chan, "line two\r\nvyos@vyos:~$ ")
        assert out == "show version\r\nran 'show version'\r\nline two\r\nvyos@vyos:~$ "
        chan.send(b"ask\r")
        assert _read_until(chan, "[confirm]") == "ask\r\nProceed? [confirm]"
        chan.send(b"y\r")
        assert _read_until(chan, "vyos@vyos:~$ ") == "y\r\nanswer=y\r\nvyos@vyos:~$ "
        chan.send(b"half typed\x03")
        assert _read_until(chan, "^C\r\nvyos@vyos:~$ ").endswith("half typed^C\r\nvyos@vyos:~$ ")
        chan.send(b"exit\n")
        _read_until(chan, "logout\r\n")
        deadline = time.monotonic() + 5
        while not chan.exit_status_ready() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert chan.exit_status_ready()
    finally:
        client.close()


def test_key_auth_exec_and_a_second_concurrent_connection(server: Server) -> None:
    first = _client(server, key_filename=str(server.client_key))
    second = _client(server, password=PASSWORD)
    try:
        chan = first.invoke_shell()
        _read_until(chan, "vyos@vyos:~$ ")
        chan.send(b"slow\n")  # the second connection is served while the first one works
        stdin, stdout, stderr = second.exec_command("show version", timeout=5)
        assert stdout.read().decode() == "ran 'show version'\nline two\n"
        assert stdout.channel.recv_exit_status() == 0
        stdin.close()
        stderr.close()
        _read_until(chan, "ran 'slow'")
    finally:
        first.close()
        second.close()


def test_wrong_password_and_unknown_user_are_refused(server: Server) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        _client(server, password="wrong")
    client = paramiko.SSHClient()
    client.load_host_keys(str(server.known_hosts))
    with pytest.raises(paramiko.AuthenticationException):
        client.connect(
            "127.0.0.1",
            port=server.port,
            username="root",
            password=PASSWORD,
            allow_agent=False,
            look_for_keys=False,
            timeout=5,
        )
