"""An SSH server (asyncssh) whose sessions run an emulated shell: the twin's router and nodes.

PTY sessions behave like a terminal in canonical mode: input is echoed, `\\r` or `\\n` ends a
line, backspace erases, Ctrl-C drops the line, output `\\n` becomes `\\r\\n`. An exec request
(`ssh host 'cmd'`) runs that one line and exits with its status. Password and public-key auth
for one login user. All sessions of a host share one state; shell calls are serialised on one
worker thread so the event loop keeps serving others.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import asyncssh


class ReplyLike(Protocol):
    @property
    def output(self) -> str: ...
    @property
    def close(self) -> bool: ...


class ShellLike(Protocol):
    def banner(self) -> str: ...
    def prompt(self) -> str: ...
    def handle(self, line: str) -> ReplyLike: ...


ShellFactory = Callable[[str], ShellLike]  # username -> a new shell for one session
T = TypeVar("T")


def exit_status(source: object) -> int:
    """A reply's or a shell's `status` (shells without one exit 0), as SSH can carry it."""
    status = getattr(source, "status", 0)
    return status if isinstance(status, int) and 0 <= status < 256 else 1


@dataclass(frozen=True)
class Auth:
    username: str
    password: str
    authorized_key: asyncssh.SSHKey | None


def crlf(text: str) -> str:
    """Terminal output: every `\\n` becomes `\\r\\n` (existing `\\r\\n` stay as they are)."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


class LineDiscipline:
    """What a PTY in canonical mode with echo does to typed input (pure, no I/O).

    feed() returns the echo to send back and the completed lines, in order; a completed
    line is a `str`, an interrupt (Ctrl-C) is None.
    """

    def __init__(self) -> None:
        self.buffer = ""
        self._after_cr = False

    def feed(self, data: str) -> list[tuple[str, str | None] | str]:
        events: list[tuple[str, str | None] | str] = []
        for ch in data:
            after_cr, self._after_cr = self._after_cr, False
            if ch == "\n" and after_cr:
                continue  # the \n of a \r\n pair: the line already ended at \r
            if ch in "\r\n":
                self._after_cr = ch == "\r"
                line, self.buffer = self.buffer, ""
                events.append(("\r\n", line))
            elif ch == "\x03":
                self.buffer = ""
                events.append(("^C\r\n", None))
            elif ch in "\x7f\x08":
                if self.buffer:
                    self.buffer = self.buffer[:-1]
                    events.append("\b \b")
            elif ch == "\x15":  # Ctrl-U: kill the line
                events.append("\b \b" * len(self.buffer))
                self.buffer = ""
            elif ch >= " " or ch == "\t":
                self.buffer += ch
                events.append(ch)
        return events


class ShellSession(asyncssh.SSHServerSession[str]):
    """One SSH channel: a PTY shell, a shell without PTY, or one exec'd line."""

    def __init__(self, shell: ShellLike, executor: ThreadPoolExecutor) -> None:
        self.shell = shell
        self.executor = executor
        self.chan: asyncssh.SSHServerChannel[str] | None = None
        self.pty = False
        self.command: str | None = None
        self.discipline = LineDiscipline()
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
        """Half-close: output still to come must reach the client (`ssh vyos cmd`), so the
        channel stays open until the session ends."""
        self.queue.put_nowait(None)
        return True

    def break_received(self, msec: int) -> bool:  # noqa: ARG002
        self.queue.put_nowait("\x03")
        return True

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002
        if self.task is not None:
            self.task.cancel()

    def _write(self, text: str) -> None:
        if self.chan is not None and not self.chan.is_closing():
            self.chan.write(text)

    def _output(self, text: str) -> None:
        """Shell output: a terminal (PTY) turns `\\n` into `\\r\\n`; a pipe does not."""
        self._write(crlf(text) if self.pty else text)

    async def _call(self, fn: Callable[..., T], *args: str) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, fn, *args)

    async def _run(self) -> None:
        assert self.chan is not None
        if self.command is not None:
            reply = await self._call(self.shell.handle, self.command)
            self._write(reply.output)
            self.chan.exit(exit_status(reply))
            return
        self._output(self.shell.banner() + await self._call(self.shell.prompt))
        while True:
            data = await self.queue.get()
            if data is None:
                break
            if not self.pty:
                data = data.replace("\x03", "")
            for event in self.discipline.feed(data):
                if isinstance(event, str):
                    if self.pty:
                        self._write(event)
                    continue
                echo, line = event
                if self.pty:
                    self._write(echo)
                if line is not None:
                    reply = await self._call(self.shell.handle, line)
                    self._output(reply.output)
                    if reply.close:
                        self.chan.exit(exit_status(reply))
                        return
                # While a question waits for its answer the shell's prompt is empty.
                self._output(await self._call(self.shell.prompt))
        self.chan.exit(exit_status(self.shell))


class ShellSSHServer(asyncssh.SSHServer):
    """One per connection: authentication, and a new shell for each session channel."""

    def __init__(self, auth: Auth, shell_factory: ShellFactory, executor: ThreadPoolExecutor):
        self.auth = auth
        self.shell_factory = shell_factory
        self.executor = executor

    def session_requested(self) -> ShellSession:
        return ShellSession(self.shell_factory(self.auth.username), self.executor)

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


SFTPFactory = Callable[["asyncssh.SSHServerChannel[bytes]"], asyncssh.SFTPServer]


def _stream_shell(shell_factory: ShellFactory, executor: ThreadPoolExecutor) -> Callable[..., Any]:
    """The ShellSession run over asyncssh's stream interface, which asyncssh uses once an
    SFTP subsystem is served beside the shell: same echo, lines, exit statuses."""

    async def handler(
        stdin: asyncssh.SSHReader[str], stdout: asyncssh.SSHWriter[str], _stderr: object
    ) -> None:
        chan: Any = stdout.channel
        session = ShellSession(shell_factory(chan.get_extra_info("username")), executor)
        session.connection_made(chan)
        session.pty = chan.get_terminal_type() is not None
        session.command = chan.get_command()

        async def pump() -> None:
            while data := await stdin.read(4096):
                session.queue.put_nowait(data)
            session.queue.put_nowait(None)

        feeder = asyncio.get_running_loop().create_task(pump())
        try:
            await session._run()
        finally:
            feeder.cancel()

    return handler


async def serve(
    addresses: list[str],
    port: int,
    host_key: Path,
    auth: Auth,
    shell_factory: ShellFactory,
    thread_name: str = "shell",
    sftp_factory: SFTPFactory | None = None,
) -> asyncssh.SSHAcceptor:
    """Listen on `addresses`; every session gets a new shell from `shell_factory`, and the
    `sftp` subsystem a server from `sftp_factory` when given.

    Shell calls run on one worker thread: sessions share the host's state."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)
    sessions: dict[str, Any] = {}
    if sftp_factory is not None:
        sessions = {
            "session_factory": _stream_shell(shell_factory, executor),
            "sftp_factory": sftp_factory,
        }
    return await asyncssh.create_server(
        lambda: ShellSSHServer(auth, shell_factory, executor),
        addresses,
        port,
        server_host_keys=[str(host_key)],
        line_editor=False,
        encoding="utf-8",
        keepalive_interval=0,
        login_timeout=30,
        **sessions,
    )
