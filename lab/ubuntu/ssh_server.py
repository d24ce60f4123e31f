"""The node's SSH server (asyncssh), on the approach of lab/router_ssh.py but self-contained:
PTY sessions behave like a terminal in canonical mode (echo, CR/LF, backspace, Ctrl-C);
a shell without PTY reads lines; an exec request runs one line and exits with its status.
Key and password auth for the node's login user; one host key per node, whose known_hosts
line is replaced under a lock (nodes start in parallel).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

import asyncssh

from lab.credentials import ensure_key, known_hosts_text, replace_known_hosts
from lab.ubuntu.shell import Reply, UbuntuShell


@dataclass(frozen=True)
class NodeAuth:
    username: str
    password: str
    authorized_key: asyncssh.SSHKey | None


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def feed_line_discipline(buffer: str, data: str) -> tuple[str, str, list[str | None]]:
    """(new buffer, echo, completed lines; None = Ctrl-C). CR, LF and CRLF end a line."""
    echo = ""
    lines: list[str | None] = []
    data = data.replace("\r\n", "\r")
    for ch in data:
        if ch in "\r\n":
            echo += "\r\n"
            lines.append(buffer)
            buffer = ""
        elif ch == "\x03":
            echo += "^C\r\n"
            lines.append(None)
            buffer = ""
        elif ch in "\x7f\x08":
            if buffer:
                buffer, echo = buffer[:-1], echo + "\b \b"
        elif ch >= " " or ch == "\t":
            buffer, echo = buffer + ch, echo + ch
    return buffer, echo, lines


class NodeSession(asyncssh.SSHServerSession[str]):
    def __init__(self, shell: UbuntuShell, executor: ThreadPoolExecutor) -> None:
        self.shell = shell
        self.executor = executor
        self.chan: asyncssh.SSHServerChannel[str] | None = None
        self.pty = False
        self.command: str | None = None
        self.buffer = ""
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, chan: asyncssh.SSHServerChannel[str]) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: object, term_modes: object) -> bool:  # noqa: ARG002
        self.pty = True
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.command = command
        return True

    def session_started(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    def data_received(self, data: str, datatype: int | None) -> None:  # noqa: ARG002
        self.queue.put_nowait(data)

    def eof_received(self) -> bool:
        """Half-close: the client sent all its input (`ssh host cmd </dev/null` does at once);
        the output still to come must reach it, so the channel stays open until we exit."""
        self.queue.put_nowait(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002
        if self.task is not None:
            self.task.cancel()

    def _write(self, text: str) -> None:
        if self.chan is not None and not self.chan.is_closing():
            self.chan.write(crlf(text) if self.pty else text)

    async def _handle(self, line: str) -> Reply:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self.shell.handle, line)

    async def _prompt(self) -> None:
        loop = asyncio.get_running_loop()
        self._write(await loop.run_in_executor(self.executor, self.shell.prompt))

    async def _run(self) -> None:
        assert self.chan is not None
        if self.command is not None:
            reply = await self._handle(self.command)
            self._write(reply.output)
            self.chan.exit(reply.status if 0 <= reply.status < 256 else 1)
            return
        self._write(self.shell.banner())
        await self._prompt()
        while True:
            data = await self.queue.get()
            if data is None:
                break
            self.buffer, echo, lines = feed_line_discipline(self.buffer, data)
            if self.pty and echo:
                self.chan.write(echo)
            for line in lines:
                if line is not None:
                    reply = await self._handle(line)
                    self._write(reply.output)
                    if reply.close:
                        self.chan.exit(reply.status)
                        return
                await self._prompt()
        self.chan.exit(self.shell.status)


class NodeSSHServer(asyncssh.SSHServer):
    def __init__(self, auth: NodeAuth, make_session: Callable[[], NodeSession]) -> None:
        self.auth = auth
        self.make_session = make_session

    def session_requested(self) -> NodeSession:
        return self.make_session()

    def begin_auth(self, username: str) -> bool:  # noqa: ARG002
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self.auth.username and hmac.compare_digest(
            password.encode(), self.auth.password.encode()
        )

    def public_key_auth_supported(self) -> bool:
        return self.auth.authorized_key is not None

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        wanted = self.auth.authorized_key
        return (
            username == self.auth.username
            and wanted is not None
            and key.public_data == wanted.public_data
        )


def publish_host_key(known_hosts: Path, host_key_path: Path, address: str, node: str) -> None:
    """Create the node's host key if missing; (re)write its known_hosts line, keep the others."""
    key = ensure_key(host_key_path, f"bgplab-{node}")
    replace_known_hosts(known_hosts, known_hosts_text(key, [IPv4Address(address)]))


async def serve_node(
    address: str, port: int, host_key: Path, auth: NodeAuth, make_shell: Callable[[], UbuntuShell]
) -> asyncssh.SSHAcceptor:
    """Listen on address:port; every session gets a new shell over the node's shared state."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ubuntu-shell")

    def session_factory() -> NodeSession:
        return NodeSession(make_shell(), executor)

    return await asyncssh.create_server(
        lambda: NodeSSHServer(auth, session_factory),
        [address],
        port,
        server_host_keys=[str(host_key)],
        line_editor=False,
        encoding="utf-8",
        keepalive_interval=0,
        login_timeout=30,
    )
