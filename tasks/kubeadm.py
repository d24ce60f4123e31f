"""Nornir tasks: the cluster built with kubeadm over SSH, each step skipped when already done.

Run on the nodes (platform linux) through the Nornir netmiko connection. The connection is
used directly rather than through `netmiko_send_command`: what kubeadm prints (join tokens,
admin.conf with its client key) must not be stored in a sub-result that reports print.
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nornir.core.task import Result, Task

from bgplb.atomic_files import write_atomic
from bgplb.bootstrap.shell_status import split_statuses, with_statuses
from bgplb.errors import DeviceError
from bgplb.k8s.kubeadm import (
    ADMIN_CONF,
    KUBELET_CONF,
    JoinCommand,
    file_probe,
    init_argv,
    join_argv,
    mask_output,
    parse_join_command,
    parse_probe,
    read_file_command,
    render_join_configuration,
    split_status,
    sudo,
    token_create_argv,
    with_status,
)
from bgplb.k8s.kubeconfig import (
    apply_override,
    parse_kubeconfig,
    plan_override,
    render_kubeconfig,
    server_of,
)
from bgplb.model import Site
from bgplb.secrets import redact, register

CONNECTION = "netmiko"


def run_remote(
    task: Task, command: str, what: str, read_timeout: float = 60.0, connection: str = CONNECTION
) -> tuple[str, int]:
    """(output, exit status) of one shell command on the task's host."""
    shell: Any = task.host.get_connection(connection, task.nornir.config)
    raw = shell.send_command(with_status(command), read_timeout=read_timeout)
    return split_status(str(raw), what)


def _probe(task: Task, path: str, connection: str) -> bool:
    text, _ = run_remote(task, file_probe(path), f"probe of {path}", connection=connection)
    return parse_probe(text, f"probe of {path} on {task.host.name}")


def _failed(task: Task, what: str, status: int, output: str) -> Result:
    return Result(
        host=task.host,
        failed=True,
        changed=True,
        result=f"{what} exited {status}:\n{mask_output(output)}",
    )


def kubeadm_init(
    task: Task,
    site: Site,
    dry_run: bool | None = None,
    read_timeout: float = 900.0,
    connection: str = CONNECTION,
    present: bool | None = None,
) -> Result:
    """`kubeadm init` with the model's flags, unless /etc/kubernetes/admin.conf exists
    (`present`: already probed by the caller; None: probe it here)."""
    command = sudo(init_argv(site.kubernetes))
    if present if present is not None else _probe(task, ADMIN_CONF, connection):
        return Result(host=task.host, changed=False, result="already initialised")
    if task.is_dry_run(dry_run):
        return Result(host=task.host, changed=True, diff=f"+ {command}\n", result="would init")
    output, status = run_remote(task, command, "kubeadm init", read_timeout, connection)
    if status != 0:
        return _failed(task, "kubeadm init", status, output)
    return Result(host=task.host, changed=True, diff=f"+ {command}\n", result="initialised")


def resolves(name: str) -> bool:
    """Whether this workstation resolves `name` (the control-plane endpoint)."""
    try:
        return bool(socket.getaddrinfo(name, None))
    except (socket.gaierror, UnicodeError):
        return False


def write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600 (parent directory created 0700)."""
    write_atomic(path, text, 0o600)


def fetch_kubeconfig(
    task: Task,
    site: Site,
    dest: Path | None = None,
    dry_run: bool | None = None,
    resolve: Callable[[str], bool] = resolves,
    connection: str = CONNECTION,
    admin_conf: tuple[str, int] | None = None,
) -> Result:
    """admin.conf from the control plane, stored locally 0600, server overridden if needed
    (`admin_conf`: its (text, exit status) already read by the caller; None: read it here).

    The override keeps TLS verified against the cluster CA (`tls-server-name`).
    """
    path = (dest or site.kubernetes.kubeconfig).expanduser()
    output, status = admin_conf or run_remote(
        task, read_file_command(ADMIN_CONF), "cat admin.conf", 60, connection
    )
    if status != 0:
        return Result(host=task.host, failed=True, result=f"cannot read {ADMIN_CONF} ({status})")
    config = parse_kubeconfig(output)
    override = plan_override(site, server_of(config), resolve)
    text = render_kubeconfig(apply_override(config, override))
    old = path.read_text() if path.exists() else None
    mode_ok = old is not None and (path.stat().st_mode & 0o777) == 0o600
    changed = text != old or not mode_ok
    if changed and not task.is_dry_run(dry_run):
        write_private(path, text)
    summary = {
        "path": str(path),
        "server": override.server if override else server_of(config),
        "tls_server_name": override.tls_server_name if override else None,
        "override": override.reason if override else None,
    }
    diff = f"~ {path} (mode 0600)\n" if changed else ""
    return Result(host=task.host, changed=changed, diff=diff, result=summary)


def kubeadm_join_command(
    task: Task, dry_run: bool | None = None, connection: str = CONNECTION
) -> Result:
    """A fresh join command from the control plane (result: JoinCommand; None in a dry run)."""
    if task.is_dry_run(dry_run):
        return Result(host=task.host, result=None)
    output, status = run_remote(
        task, sudo(token_create_argv()), "kubeadm token create", 60, connection
    )
    if status != 0:
        return _failed(task, "kubeadm token create", status, output)
    join = parse_join_command(output)
    register(join.token)  # masked in every report and log from now on
    return Result(host=task.host, result=join)


@contextmanager
def private_upload(task: Task, text: str, connection: str = CONNECTION) -> Iterator[str]:
    """A file holding `text` in the login user's home on the task's host, mode 0600, for the
    time of the `with` block, then removed (also when the block fails).

    Written over SFTP on the connection's own SSH session: the content never passes through
    a shell, a command line or the terminal. Made 0600 while still empty."""
    shell: Any = task.host.get_connection(connection, task.nornir.config)
    sftp = shell.remote_conn_pre.open_sftp()
    try:
        path = f"{sftp.normalize('.')}/.bgplb-{secrets.token_hex(8)}.yaml"
        handle = sftp.open(path, "wx")  # exclusive create: never an existing file or link
        try:
            handle.chmod(0o600)
            handle.write(text.encode())
        finally:
            handle.close()
        try:
            yield path
        finally:
            sftp.remove(path)
    finally:
        sftp.close()


def kubeadm_join(
    task: Task,
    site: Site,
    join: JoinCommand | None,
    dry_run: bool | None = None,
    read_timeout: float = 600.0,
    connection: str = CONNECTION,
) -> Result:
    """`kubeadm join --config FILE` on a worker, unless /etc/kubernetes/kubelet.conf exists
    (joined). FILE, the JoinConfiguration with the token, is private and removed after."""
    if _probe(task, KUBELET_CONF, connection):
        return Result(host=task.host, changed=False, result="already joined")
    shown = f"+ kubeadm join {join.endpoint if join else '<endpoint>'} ...\n"
    if task.is_dry_run(dry_run):
        return Result(host=task.host, changed=True, diff=shown, result="would join")
    if join is None:
        return Result(host=task.host, failed=True, result="no join command (control plane down?)")
    config = render_join_configuration(join, site.kubernetes)
    with private_upload(task, config, connection) as path:
        command = sudo(join_argv(path))
        output, status = run_remote(task, command, "kubeadm join", read_timeout, connection)
    if status != 0:
        return _failed(task, "kubeadm join", status, redact(output, join.secrets))
    return Result(host=task.host, changed=True, diff=shown, result="joined")


# -- deploy phases (task(task, site=..., dry_run=...) -> Result, see tasks/phases.py) -------------

JoinSource = Callable[[], JoinCommand]
_JOIN_LOCK = threading.Lock()


def join_from_control_plane(site: Site) -> JoinCommand:
    """A join command fetched over SSH from the control plane (its own Nornir, same logins)."""
    from bgplb.nornir_init import init_nornir

    cp = site.control_plane.name
    nr = init_nornir(site, {cp})
    result = nr.run(task=kubeadm_join_command)[cp]
    if result.failed:
        raise DeviceError(f"kubeadm token create on {cp} failed: {result[0].result}")
    join = result[0].result
    assert isinstance(join, JoinCommand)
    return join


def read_admin_conf(task: Task, connection: str = CONNECTION) -> tuple[bool, tuple[str, int]]:
    """Whether admin.conf exists and (its text, cat's exit status): one round trip."""
    shell: Any = task.host.get_connection(connection, task.nornir.config)
    line = with_statuses([file_probe(ADMIN_CONF), read_file_command(ADMIN_CONF)])
    raw = shell.send_command(line, read_timeout=60.0, cmd_verify=False)  # see shell_status
    (probe, _), admin = split_statuses(str(raw), 2, f"probe and cat of {ADMIN_CONF}")
    return parse_probe(probe, f"probe of {ADMIN_CONF} on {task.host.name}"), admin


def control_plane(task: Task, site: Site, dry_run: bool | None = None) -> Result:
    """Phase control-plane: kubeadm init (unless done), then the admin kubeconfig stored locally.

    Its state check is one round trip: the probe of admin.conf and its text together (on an
    initialised node the text is what the kubeconfig is made of; else it is read after init).
    """
    present, admin = read_admin_conf(task)
    init = task.run(task=kubeadm_init, site=site, dry_run=dry_run, present=present)[0]
    if task.is_dry_run(dry_run) and init.changed:
        return Result(host=task.host, changed=True, result="would init, then fetch admin.conf")
    read = admin if present else None
    kubeconfig = task.run(task=fetch_kubeconfig, site=site, dry_run=dry_run, admin_conf=read)[0]
    where = kubeconfig.result["path"]
    return Result(
        host=task.host,
        changed=init.changed or kubeconfig.changed,
        result=f"{init.result}; kubeconfig {where}",
    )


def join(
    task: Task,
    site: Site,
    dry_run: bool | None = None,
    join_source: JoinSource | None = None,
) -> Result:
    """Phase join (on each worker, in parallel): kubeadm join unless already joined.

    One join command is fetched from the control plane per run, shared by the workers
    (`join_source` replaces how it is fetched, for tests).
    """
    connection = CONNECTION
    if _probe(task, KUBELET_CONF, connection):
        return Result(host=task.host, changed=False, result="already joined")
    if task.is_dry_run(dry_run):
        return Result(
            host=task.host, changed=True, diff="+ kubeadm join ...\n", result="would join"
        )
    source = join_source or (lambda: join_from_control_plane(site))
    with _JOIN_LOCK:
        shared = task.host.defaults.data.get("_bgplb_join")
        command = shared if isinstance(shared, JoinCommand) else source()
        task.host.defaults.data["_bgplb_join"] = command
    return task.run(task=kubeadm_join, site=site, join=command, dry_run=dry_run)[0]
