"""Where the twin keeps its state on disk, and the records of the processes it started.

Everything the lab makes lives under the site's `lab.state_dir`, so any process (the runbook,
tests, the audit, the emulated MetalLB) can find and drive the lab without sharing memory.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from bgplb.errors import LabError
from bgplb.model import Site

FRR_RUN_ROOT = Path("/var/run/frr")
DEFAULT_KEY_NAME = "id_ed25519"


@dataclass(frozen=True)
class LabPaths:
    """Every path of one lab, derived from its state directory (and the inventory's choices)."""

    root: Path
    known_hosts: Path
    client_key: Path

    @classmethod
    def of(cls, site: Site) -> LabPaths:
        if site.lab is None:
            raise LabError(f"inventory {site.inventory_dir} describes no lab (no `lab:` section)")
        return cls(
            root=site.lab.state_dir,
            known_hosts=site.lab.known_hosts,
            client_key=lab_key_path(site),
        )

    @property
    def pids(self) -> Path:
        return self.root / "pids"

    @property
    def logs(self) -> Path:
        return self.root / "log"

    @property
    def frr_confdir(self) -> Path:
        """vtysh's --config_dir: each instance's files sit in <confdir>/<pathspace>/."""
        return self.root / "frr"

    def frr_dir(self, pathspace: str) -> Path:
        return self.frr_confdir / pathspace

    @property
    def password_file(self) -> Path:
        return self.root / "router_password"

    @property
    def host_key(self) -> Path:
        return self.root / "ssh_host_ed25519_key"

    @property
    def vyos_dir(self) -> Path:
        """The emulated router's /config (config.boot)."""
        return self.root / "vyos"

    @property
    def ubuntu_dir(self) -> Path:
        """The emulated Ubuntu nodes: <node>.json (their state) and their SSH host keys."""
        return self.root / "ubuntu"

    @property
    def k8s_dir(self) -> Path:
        """The emulated cluster `kubeadm init` makes: PKI, objects, kubelets, API server PID."""
        return self.root / "k8s"

    @property
    def created_frr_run_root(self) -> Path:
        """Marker: the lab created /var/run/frr itself (so `down` may remove it when empty)."""
        return self.root / "created-var-run-frr"


def lab_key_path(site: Site) -> Path:
    """The lab key pair's private half: the inventory's first `ssh_key`, else <state>/id_ed25519."""
    logins = [site.router.login, *(n.login for n in site.nodes), *(c.login for c in site.clients)]
    if site.hypervisor:
        logins.append(site.hypervisor.login)
    for login in logins:
        if login.credentials.ssh_key is not None:
            return login.credentials.ssh_key
    assert site.lab is not None
    return site.lab.state_dir / DEFAULT_KEY_NAME


@dataclass(frozen=True)
class ProcRecord:
    """A process the lab started: its PID and a string its command line must contain."""

    name: str
    pid: int
    marker: str


def record_process(paths: LabPaths, rec: ProcRecord) -> None:
    paths.pids.mkdir(parents=True, exist_ok=True)
    data = {"name": rec.name, "pid": rec.pid, "marker": rec.marker}
    (paths.pids / f"{rec.name}.json").write_text(json.dumps(data))


def read_record(paths: LabPaths, name: str) -> ProcRecord | None:
    file = paths.pids / f"{name}.json"
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError):
        return None
    return ProcRecord(name=str(data["name"]), pid=int(data["pid"]), marker=str(data["marker"]))


def all_records(paths: LabPaths) -> list[ProcRecord]:
    if not paths.pids.is_dir():
        return []
    names = sorted(p.stem for p in paths.pids.glob("*.json"))
    return [r for r in (read_record(paths, n) for n in names) if r is not None]


def forget_process(paths: LabPaths, name: str) -> None:
    (paths.pids / f"{name}.json").unlink(missing_ok=True)


def cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def is_alive(rec: ProcRecord) -> bool:
    """Alive and still the process we started (a recycled PID does not count)."""
    try:
        stat = Path(f"/proc/{rec.pid}/stat").read_text()
    except OSError:
        return False
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    return rec.marker in cmdline(rec.pid)


def signal_process(rec: ProcRecord, sig: signal.Signals) -> bool:
    """Send `sig` to the recorded PID only if it is still the process we started."""
    if not is_alive(rec):
        return False
    try:
        os.kill(rec.pid, sig)
    except ProcessLookupError:
        return False
    return True


def stop_processes(recs: list[ProcRecord], timeout: float = 5.0) -> None:
    """SIGTERM each, wait for all (polling), SIGKILL what is left. By PID only."""
    pending = [r for r in recs if signal_process(r, signal.SIGTERM)]
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        time.sleep(0.02)
        pending = [r for r in pending if is_alive(r)]
    for rec in pending:
        signal_process(rec, signal.SIGKILL)
    deadline = time.monotonic() + 2.0
    while pending and time.monotonic() < deadline:
        time.sleep(0.02)
        pending = [r for r in pending if is_alive(r)]
