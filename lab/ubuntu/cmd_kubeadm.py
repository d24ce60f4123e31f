"""The emulated node's kubeadm: the twin's kubeadm endpoint (lab/kubeadm_standin.py, what the
real-userland nodes' stand-in kubeadm asks) asked with the emulated node's facts, its answer
applied to the node's state as the stand-in's script applies it to a real node's files."""

from __future__ import annotations

import posixpath

from lab.kubeadm_standin import (
    ABORTED,
    KUBELET_ACTIVE,
    PRESENT,
    STACK,
    SYSCTLS,
    Caller,
    Facts,
    Reply,
)
from lab.kubeadm_standin import kubeadm as endpoint
from lab.ubuntu.context import Ctx, Proc, read_file

__all__ = ["ABORTED", "STACK", "kubeadm", "reset_node"]

RESET_QUESTION = (
    "[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be "
    "reverted.\n"
    "[reset] Are you sure you want to proceed? [y/N]: "
)


def _config_path(args: list[str]) -> str | None:
    for i, a in enumerate(args):
        if a.startswith("--config="):
            return a.removeprefix("--config=")
        if a == "--config" and i + 1 < len(args):
            return args[i + 1]
    return None


def _facts(ctx: Ctx, args: list[str], answer: str | None = None) -> Facts:
    st = ctx.state
    package = st.packages.get("kubeadm")
    path = _config_path(args)
    config = read_file(ctx, path)[0] if path is not None else None
    hosts = st.files.get("/etc/hosts")
    units = {f"{n}.active" for n, s in st.services.items() if s.active}
    units |= {f"{n}.enabled" for n, s in st.services.items() if s.enabled}
    return Facts(
        package_version=package.version if package else "",
        root=ctx.root,
        units=frozenset(units),
        present=frozenset(p for p in PRESENT if p in st.files),
        swaps="\n".join(st.swaps),
        sysctls={k: st.sysctls.get(k, "missing") for k in SYSCTLS},
        hosts=hosts.content if hosts else "",
        config=config,
        answer=answer,
    )


def _apply(ctx: Ctx, reply: Reply) -> Proc:
    st = ctx.state
    kubelet = st.services.get("kubelet")
    for path, (text, mode) in reply.files.items():
        if path == KUBELET_ACTIVE:
            if kubelet is not None:
                kubelet.active = True
            continue
        st.mkdir(posixpath.dirname(path))
        st.write(path, text, mode=mode)
    for path in reply.remove:
        if path == KUBELET_ACTIVE:
            if kubelet is not None:
                kubelet.active = False
            continue
        st.remove_tree(path)
        st.files.pop(path, None)
    return Proc(reply.stdout, reply.stderr, reply.rc)


def kubeadm(ctx: Ctx, argv: list[str]) -> Proc:
    args = argv[1:]
    forced = any(a in ("-f", "--force", "--force=true") for a in args)
    if args[:1] == ["reset"] and ctx.root and not forced:
        return Proc(stdout=RESET_QUESTION, rc=-1)  # rc -1: the shell asks and waits
    caller = Caller(ctx.state.hostname, ctx.address)
    return _apply(ctx, endpoint(ctx.cluster, caller, _facts(ctx, args), args))


def reset_node(ctx: Ctx) -> Proc:
    """`kubeadm reset` once its question was answered yes."""
    caller = Caller(ctx.state.hostname, ctx.address)
    return _apply(ctx, endpoint(ctx.cluster, caller, _facts(ctx, ["reset"], "y"), ["reset"]))
