"""The emulated node's SFTP subsystem: files of the node's state, as its login user sees them.

OpenSSH on Ubuntu serves SFTP (`Subsystem sftp /usr/lib/openssh/sftp-server`); the toolkit
uses it to put a private file on a node without a shell (the kubeadm JoinConfiguration).
Enough of it for that: realpath, open (create, exclusive, truncate), write, read, close,
stat, chmod (setstat, fsetstat) and remove, with the user's write permissions. A new file is
0644 until chmod-ed, as sftp-server's 0666 under umask 022 gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncssh

from lab.ubuntu.context import Ctx, absolute
from lab.ubuntu.node_state import NodeStore

HOME = "/home/ubuntu"


class NodeFileError(Exception):
    """An SFTP status: `code` is asyncssh's FX_* constant."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class Stat:
    size: int
    mode: int  # with the file type bits


class NodeFiles:
    """The node's files for one login user (pure state changes under the store's lock)."""

    def __init__(self, store: NodeStore, user: str = "ubuntu") -> None:
        self.store = store
        self.user = user

    def _ctx(self, state: object) -> Ctx:
        return Ctx(state, self.user, False, None, "")  # type: ignore[arg-type]

    def realpath(self, path: str) -> str:
        return absolute(path, HOME)

    def create(self, path: str, exclusive: bool, truncate: bool) -> str:
        path = self.realpath(path)
        with self.store.transaction() as state:
            ctx = self._ctx(state)
            if state.is_dir(path):
                raise NodeFileError(asyncssh.FX_FAILURE, "Is a directory")
            if path in state.files:
                if exclusive:
                    raise NodeFileError(asyncssh.FX_FAILURE, "File exists")
                if truncate and ctx.may_write(path):
                    state.files[path].content = ""
                return path
            if not state.parent_ok(path):
                raise NodeFileError(asyncssh.FX_NO_SUCH_FILE, "No such file or directory")
            if not ctx.may_write(path):
                raise NodeFileError(asyncssh.FX_PERMISSION_DENIED, "Permission denied")
            state.write(path, "", mode=0o644)
        return path

    def existing(self, path: str) -> str:
        path = self.realpath(path)
        if path not in self.store.load().files:
            raise NodeFileError(asyncssh.FX_NO_SUCH_FILE, "No such file or directory")
        return path

    def write(self, path: str, offset: int, data: bytes) -> None:
        with self.store.transaction() as state:
            entry = state.files.get(path)
            if entry is None:
                raise NodeFileError(asyncssh.FX_NO_SUCH_FILE, "No such file or directory")
            raw = entry.content.encode()
            raw = raw[:offset].ljust(offset, b"\0") + data + raw[offset + len(data) :]
            entry.content = raw.decode()

    def read(self, path: str, offset: int, size: int) -> bytes:
        entry = self.store.load().files.get(path)
        if entry is None:
            raise NodeFileError(asyncssh.FX_NO_SUCH_FILE, "No such file or directory")
        return entry.content.encode()[offset : offset + size]

    def chmod(self, path: str, mode: int) -> None:
        with self.store.transaction() as state:
            entry = state.files.get(self.realpath(path))
            if entry is None:
                raise NodeFileError(asyncssh.FX_NO_SUCH_FILE, "No such file or directory")
            if not self._ctx(state).may_write(self.realpath(path)):
                raise NodeFileError(asyncssh.FX_PERMISSION_DENIED, "Operation not permitted")
            entry.mode = mode & 0o7777

    def remove(self, path: str) -> None:
        path = self.realpath(path)
        with self.store.transaction() as state:
            if path not in state.files:
                raise NodeFileError(asyncssh.FX_NO_SUCH_FILE, "No such file or directory")
            if not self._ctx(state).may_write(path):
                raise NodeFileError(asyncssh.FX_PERMISSION_DENIED, "Permission denied")
            del state.files[path]

    def stat(self, path: str) -> Stat:
        path = self.realpath(path)
        state = self.store.load()
        if state.is_dir(path):
            return Stat(0, 0o040755)
        entry = state.files.get(path)
        if entry is None:
            raise NodeFileError(asyncssh.FX_NO_SUCH_FILE, "No such file or directory")
        return Stat(len(entry.content.encode()), 0o100000 | entry.mode)
