"""What every emulated command gets (the node, who runs it, its stdin) and gives back."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lab.ubuntu.node_state import NodeState

if TYPE_CHECKING:
    from lab.k8s.kubeadm_cluster import Cluster

WRITABLE_BY_USER = ("/home/ubuntu", "/tmp", "/dev/null")


@dataclass
class Proc:
    stdout: str = ""
    stderr: str = ""
    rc: int = 0


@dataclass
class Ctx:
    state: NodeState
    user: str
    root: bool
    cluster: Cluster
    address: str
    stdin: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def as_root(self) -> Ctx:
        return Ctx(self.state, self.user, True, self.cluster, self.address, self.stdin, self.env)

    def may_write(self, path: str) -> bool:
        return self.root or any(path == p or path.startswith(p + "/") for p in WRITABLE_BY_USER)

    def may_read(self, path: str) -> bool:
        entry = self.state.files.get(path)
        return self.root or entry is None or bool(entry.mode & 0o004)


def absolute(path: str, cwd: str = "/home/ubuntu") -> str:
    return os.path.normpath(path if path.startswith("/") else os.path.join(cwd, path))


def read_file(ctx: Ctx, path: str) -> tuple[str | None, str]:
    """(content, "") or (None, reason) with the C library's wording."""
    path = absolute(path)
    if path == "/dev/null":
        return "", ""
    if ctx.state.is_dir(path):
        return None, "Is a directory"
    if path not in ctx.state.files:
        return None, "No such file or directory"
    if not ctx.may_read(path):
        return None, "Permission denied"
    return ctx.state.files[path].content, ""


def write_file(ctx: Ctx, path: str, content: str, append: bool = False) -> str:
    """ "" when written, else the reason (as strerror words)."""
    path = absolute(path)
    if path == "/dev/null":
        return ""
    if ctx.state.is_dir(path):
        return "Is a directory"
    if not ctx.state.parent_ok(path):
        return "No such file or directory"
    if not ctx.may_write(path):
        return "Permission denied"
    ctx.state.write(path, content, append)
    return ""
