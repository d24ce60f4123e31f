"""Thin I/O: FRR instances, one per namespace, each with its own pathspace (`-N NAME`).

Daemons start empty (`-f /dev/null`) and `vtysh -b` loads the instance's integrated frr.conf,
so `write memory` and frr-reload.py keep that one file as the source of truth.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bgplb.errors import LabError
from lab.netns import exec_argv, run_rc
from lab.state import (
    FRR_RUN_ROOT,
    LabPaths,
    ProcRecord,
    forget_process,
    is_alive,
    read_record,
    record_process,
    stop_processes,
)

FRR_BIN = Path("/usr/lib/frr")
VTYSH = "vtysh"
FRR_RELOAD = FRR_BIN / "frr-reload.py"
FRR_USER = "frr"


@dataclass(frozen=True)
class Instance:
    """One FRR instance: its namespace, pathspace, daemons, and the lab's paths."""

    ns: str
    pathspace: str
    daemons: tuple[str, ...]
    paths: LabPaths
    hostname: str = "frr"

    @property
    def dir(self) -> Path:
        return self.paths.frr_dir(self.pathspace)

    @property
    def config(self) -> Path:
        return self.dir / "frr.conf"

    @property
    def run_dir(self) -> Path:
        return FRR_RUN_ROOT / self.pathspace

    @property
    def log_file(self) -> Path:
        return self.paths.logs / f"{self.pathspace}.log"

    def record_name(self, daemon: str) -> str:
        return f"{self.pathspace}.{daemon}"

    def pid_file(self, daemon: str) -> Path:
        return self.run_dir / f"{daemon}.pid"

    @property
    def marker(self) -> str:
        return f"-N {self.pathspace} "


def frr_ids() -> tuple[int, int]:
    try:
        return pwd.getpwnam(FRR_USER).pw_uid, grp.getgrnam(FRR_USER).gr_gid
    except KeyError as exc:
        raise LabError("user `frr` is missing: install the Debian package `frr`") from exc


def _chown(path: Path) -> None:
    uid, gid = frr_ids()
    os.chown(path, uid, gid)


def prepare(inst: Instance, config_text: str) -> None:
    """Write the instance's files (owned by frr) and clear stale run files of a crashed run."""
    inst.dir.mkdir(parents=True, exist_ok=True)
    inst.paths.logs.mkdir(parents=True, exist_ok=True)
    for d in (inst.paths.frr_confdir, inst.dir, inst.paths.logs):
        _chown(d)
    inst.config.write_text(config_text)
    (inst.dir / "vtysh.conf").write_text("")
    inst.log_file.touch()
    for f in (inst.config, inst.dir / "vtysh.conf", inst.log_file):
        _chown(f)
    if not FRR_RUN_ROOT.exists():
        FRR_RUN_ROOT.mkdir(parents=True)
        _chown(FRR_RUN_ROOT)
        inst.paths.created_frr_run_root.touch()
    clear_run_dir(inst)
    inst.run_dir.mkdir(exist_ok=True)
    _chown(inst.run_dir)


def clear_run_dir(inst: Instance) -> None:
    """Remove /var/run/frr/<pathspace>/ (pid, vty and zserv files FRR leaves behind)."""
    if inst.run_dir.is_dir():
        shutil.rmtree(inst.run_dir)


def daemon_argv(inst: Instance, daemon: str) -> list[str]:
    """The daemon inside the namespace, in a UTS namespace of its own named after the host
    (FRR takes its hostname from uname: peers and `show running-config` then read right)."""
    argv = [
        str(FRR_BIN / daemon),
        "-d",
        "-N",
        inst.pathspace,
        "-f",
        "/dev/null",
        "-P",
        "0",
        "-i",
        str(inst.pid_file(daemon)),
    ]
    script = f"hostname {shlex.quote(inst.hostname)} && exec {shlex.join(argv)}"
    return exec_argv(inst.ns, ["unshare", "--uts", "sh", "-c", script])


def spawn(inst: Instance, daemons: tuple[str, ...]) -> list[subprocess.Popen[bytes]]:
    """Start daemons (each forks into the background once ready); returns the launchers."""
    return [
        subprocess.Popen(
            daemon_argv(inst, d),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for d in daemons
    ]


def wait_launchers(inst: Instance, launchers: list[subprocess.Popen[bytes]]) -> None:
    errors = []
    for proc in launchers:
        _, err = proc.communicate(timeout=30)
        if proc.returncode != 0:
            errors.append(err.decode(errors="replace").strip())
    if errors:
        raise LabError(f"FRR in {inst.ns} did not start: {'; '.join(errors)}")


def record(inst: Instance, daemons: tuple[str, ...]) -> None:
    for d in daemons:
        pid = read_pid(inst, d)
        if pid is None:
            raise LabError(f"{d} of {inst.pathspace} wrote no pid file {inst.pid_file(d)}")
        record_process(inst.paths, ProcRecord(inst.record_name(d), pid, inst.marker))


def read_pid(inst: Instance, daemon: str) -> int | None:
    try:
        return int(inst.pid_file(daemon).read_text().strip())
    except (OSError, ValueError):
        return None


def vtysh_argv(inst: Instance, *commands: str, boot: bool = False) -> list[str]:
    argv = [VTYSH, "-N", inst.pathspace, "--config_dir", str(inst.paths.frr_confdir)]
    if boot:
        argv.append("-b")
    for c in commands:
        argv += ["-c", c]
    return argv


def vtysh(inst: Instance, *commands: str) -> str:
    """Run vtysh commands; raise LabError when vtysh reports a failure."""
    out, rc = run_rc(vtysh_argv(inst, *commands), timeout=30)
    if rc != 0:
        raise LabError(f"vtysh {inst.pathspace} {list(commands)} failed ({rc}): {out.strip()}")
    return out


def vtysh_json(inst: Instance, command: str) -> dict[str, object]:
    out = vtysh(inst, command)
    try:
        data = json.loads(out)
    except ValueError as exc:
        raise LabError(f"vtysh {inst.pathspace} `{command}`: not JSON: {out[:200]}") from exc
    if not isinstance(data, dict):
        raise LabError(f"vtysh {inst.pathspace} `{command}`: unexpected JSON {out[:200]}")
    return data


def boot(inst: Instance) -> None:
    """Load frr.conf into the running daemons."""
    out, rc = run_rc(vtysh_argv(inst, boot=True), timeout=30)
    if rc != 0:
        raise LabError(f"vtysh -b {inst.pathspace} failed ({rc}): {out.strip()}")


def reload(inst: Instance, config_text: str) -> str | None:
    """Apply a whole configuration through frr-reload.py (only the difference is applied,
    so unchanged sessions stay up). Returns the error text, or None on success."""
    inst.dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=inst.dir, prefix="candidate-", suffix=".conf", delete=False
    ) as fh:
        fh.write(config_text)
        new = Path(fh.name)
    try:
        _chown(new)
        argv = [
            str(FRR_RELOAD),
            "--reload",
            "--stdout",
            "--pathspace",
            inst.pathspace,
            "--confdir",
            str(inst.paths.frr_confdir),
            "--rundir",
            str(inst.dir),
            str(new),
        ]
        out, rc = run_rc(argv, timeout=60)
    finally:
        new.unlink(missing_ok=True)
    if rc != 0:
        return out.strip() or f"frr-reload.py exited with {rc}"
    return None


def alive(inst: Instance, daemon: str) -> bool:
    pid = read_pid(inst, daemon)
    return pid is not None and is_alive(ProcRecord(inst.record_name(daemon), pid, inst.marker))


def stop(inst: Instance, daemons: tuple[str, ...] | None = None) -> None:
    """Stop daemons by their recorded PIDs (never by name), then clear their run files."""
    names = daemons or inst.daemons
    recs = [r for r in (read_record(inst.paths, inst.record_name(d)) for d in names) if r]
    stop_processes(recs)
    for d in names:
        forget_process(inst.paths, inst.record_name(d))
        for suffix in ("pid", "vty"):
            (inst.run_dir / f"{d}.{suffix}").unlink(missing_ok=True)
    if daemons is None:
        clear_run_dir(inst)
