"""The emulated Ubuntu login shell: `UbuntuShell(store, cluster).handle(line) -> Reply`.

Strict like bash on Ubuntu: an unknown command is `NAME: command not found` with status 127;
each tool answers a wrong flag with its own error. State lives in the node's store, so it
survives sessions and server restarts.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass

from lab.k8s.kubeadm_cluster import Cluster
from lab.ubuntu import cmd_apt, cmd_kubeadm, cmd_net, cmd_system, cmd_text
from lab.ubuntu.context import Ctx, Proc, absolute, write_file
from lab.ubuntu.getopt import OptionError, getopt
from lab.ubuntu.node_state import SECURE_PATH, NodeStore
from lab.ubuntu.syntax import AndOr, Command, ShellSyntaxError, expand, parse

Tool = Callable[[Ctx, list[str]], Proc]

TOOLS: dict[str, Tool] = {
    "echo": cmd_text.echo,
    "printf": cmd_text.printf,
    "cat": cmd_text.cat,
    "tee": cmd_text.tee,
    "grep": cmd_text.grep,
    "sed": cmd_text.sed,
    "test": cmd_text.test,
    "[": cmd_text.test,
    "mkdir": cmd_text.mkdir,
    "hostname": cmd_text.hostname,
    "true": cmd_text.true,
    "false": cmd_text.false,
    "whoami": cmd_text.whoami,
    "uname": cmd_text.uname,
    "swapon": cmd_system.swapon,
    "swapoff": cmd_system.swapoff,
    "modprobe": cmd_system.modprobe,
    "lsmod": cmd_system.lsmod,
    "sysctl": cmd_system.sysctl,
    "systemctl": cmd_system.systemctl,
    "apt-get": cmd_apt.apt_get,
    "apt-mark": cmd_apt.apt_mark,
    "dpkg-query": cmd_apt.dpkg_query,
    "curl": cmd_net.curl,
    "gpg": cmd_net.gpg,
    "kubeadm": cmd_kubeadm.kubeadm,
}
# Commands that exist only once their package is installed.
PROVIDED_BY = {"curl": "curl", "gpg": "gpg", "kubeadm": "kubeadm"}
BUILTINS = {"echo", "printf", "test", "[", "true", "false"}
# Where each tool's package puts it (merged /usr: /sbin is /usr/sbin, /bin is /usr/bin).
SBIN_TOOLS = {"swapon", "swapoff", "sysctl", "modprobe"}
SBIN_AND_BIN_TOOLS = {"lsmod"}  # kmod ships /bin/lsmod and /sbin/lsmod


def tool_dirs(name: str) -> tuple[str, ...]:
    if name in SBIN_TOOLS:
        return ("/sbin", "/usr/sbin")
    if name in SBIN_AND_BIN_TOOLS:
        return ("/sbin", "/usr/sbin", "/bin", "/usr/bin")
    return ("/bin", "/usr/bin")


@dataclass(frozen=True)
class Reply:
    output: str
    close: bool = False
    question: bool = False
    status: int = 0


class UbuntuShell:
    def __init__(
        self, store: NodeStore, cluster: Cluster, address: str, user: str = "ubuntu"
    ) -> None:
        self.store = store
        self.cluster = cluster
        self.address = address
        self.user = user
        self.status = 0
        self.pending: str | None = None  # a question awaiting its answer ("reset")

    def banner(self) -> str:
        rel = self.store.load().release
        return f"Welcome to {rel.pretty} (GNU/Linux {rel.kernel} x86_64)\n\n"

    def prompt(self) -> str:
        if self.pending:
            return ""
        return f"{self.user}@{self.store.load().hostname}:~$ "

    def handle(self, line: str) -> Reply:
        if self.pending is not None:
            return self._answer(line)
        stripped = line.strip()
        if stripped in ("exit", "logout"):
            return Reply("logout\n", close=True, status=self.status)
        if not stripped:
            return Reply("", status=self.status)
        try:
            tree = parse(line)
        except ShellSyntaxError as exc:
            self.status = 2
            return Reply(f"-bash: {exc}\n", status=2)
        with self.store.transaction() as state:
            ctx = Ctx(state, self.user, False, self.cluster, self.address)
            out = self._run(ctx, tree)
        return Reply(out, question=self.pending is not None, status=self.status)

    def _answer(self, line: str) -> Reply:
        self.pending = None
        if line.strip().lower() not in ("y", "yes"):
            self.status = 1
            return Reply(
                cmd_kubeadm.ABORTED + cmd_kubeadm.STACK,
                status=1,
            )
        with self.store.transaction() as state:
            proc = cmd_kubeadm.reset_node(Ctx(state, self.user, True, self.cluster, self.address))
        self.status = proc.rc
        return Reply(proc.stdout + proc.stderr, status=proc.rc)

    def _run(self, ctx: Ctx, tree: AndOr) -> str:
        out = ""
        for i, pipeline in enumerate(tree.pipelines):
            if i > 0:
                op = tree.ops[i - 1]
                if (op == "&&" and self.status != 0) or (op == "||" and self.status == 0):
                    continue
            stdin = ""
            for j, cmd in enumerate(pipeline.commands):
                last = j == len(pipeline.commands) - 1
                ctx.stdin = stdin
                proc = self._command(ctx, cmd)
                if proc.rc == -1:  # a question: the rest of the line is not run
                    self.pending = "reset"
                    return out + proc.stdout
                stdout, to_tty = self._redirect(ctx, cmd, proc)
                if last:  # a tool's error usually comes after what it printed
                    out += stdout + to_tty
                    self.status = proc.rc
                else:
                    out += to_tty
                    stdin = stdout
        return out

    def _redirect(self, ctx: Ctx, cmd: Command, proc: Proc) -> tuple[str, str]:
        """(stdout that flows on, text for the terminal); files written as the redirects say."""
        targets: dict[int, tuple[str, bool] | None] = {1: None, 2: None}  # None: not redirected
        for r in cmd.redirects:
            if r.op == "<":
                continue
            if r.op == ">&":
                targets[2] = targets[1] if targets[1] is not None else None
                if targets[1] is None:
                    targets[2] = ("&1", False)
                continue
            path = absolute(expand(r.target, {"?": str(self.status)}))
            fds = (1, 2) if r.fd == -1 else (r.fd,)
            for fd in fds:
                targets[fd] = (path, r.op == ">>")
        flowing, tty = proc.stdout, ""
        for fd, text in ((1, proc.stdout), (2, proc.stderr)):
            target = targets[fd]
            if target is None:
                if fd == 2:
                    tty += text
                continue
            if target[0] == "&1":
                flowing += text
                continue
            if fd == 1:
                flowing = ""
            if not ctx.may_write(target[0]):
                tty += f"-bash: {target[0]}: Permission denied\n"
                continue
            why = write_file(
                ctx, target[0], text, append=target[1] or (fd == 2 and targets[1] == target)
            )
            if why:
                tty += f"-bash: {target[0]}: {why}\n"
        return flowing, tty

    def _command(self, ctx: Ctx, cmd: Command) -> Proc:
        variables = {"?": str(self.status), "HOME": "/home/ubuntu", "USER": self.user}
        argv = [expand(w, variables) for w in cmd.words]
        for r in cmd.redirects:
            if r.op == "<":
                from lab.ubuntu.context import read_file

                name = expand(r.target, variables)
                content, why = read_file(ctx, name)
                if content is None:
                    return Proc(stderr=f"-bash: {name}: {why}\n", rc=1)
                ctx.stdin = content
        if argv[0] == "sudo":
            return self._sudo(ctx, argv)
        return self._exec(ctx, argv, prefix="")

    def _exec(self, ctx: Ctx, argv: list[str], prefix: str) -> Proc:
        name = argv[0]
        base = posixpath.basename(name)
        tool = TOOLS.get(base)
        pkg = PROVIDED_BY.get(base)
        exists = tool is not None and (pkg is None or ctx.state.installed(pkg))
        if "/" in name:
            found = exists and posixpath.dirname(name) in tool_dirs(base)
        elif base in BUILTINS and not prefix:
            found = True
        else:
            search = (SECURE_PATH if prefix else ctx.state.user_path).split(":")
            found = exists and any(d in tool_dirs(base) for d in search)
        if tool is None or not found:
            if prefix:
                return Proc(stderr=f"sudo: {name}: command not found\n", rc=1)
            if "/" in name:
                return Proc(stderr=f"-bash: {name}: No such file or directory\n", rc=127)
            return Proc(stderr=f"{name}: command not found\n", rc=127)
        return tool(ctx, [base, *argv[1:]])

    def _sudo(self, ctx: Ctx, argv: list[str]) -> Proc:
        try:
            p = getopt(
                argv[1:],
                "nEHu:",
                ("non-interactive", "preserve-env", "set-home", "user="),
                permute=False,
            )
        except OptionError as exc:
            return Proc(
                stderr=f"sudo: {exc}\nusage: sudo -h | -K | -k | -V\nusage: sudo [-AbEHknPS] [-u user] "  # noqa: E501
                "[VAR=value] [-i|-s] [<command>]\n",
                rc=1,
            )
        rest = p.args
        while rest and "=" in rest[0] and not rest[0].startswith("="):
            rest = rest[1:]
        if not rest:
            return Proc(stderr="usage: sudo -h | -K | -k | -V\n", rc=1)
        if p.value("-u", "--user") not in (None, "root"):
            return Proc(stderr="sudo: emulator: only root is a sudo target here\n", rc=1)
        root = ctx.as_root()
        proc = self._exec(root, rest, prefix="sudo")
        ctx.state = root.state
        return proc
