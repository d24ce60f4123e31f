"""Start and stop the API server as a process (optionally inside a lab namespace), by PID.

pid = start_server(state_dir, "198.18.30.50:6443", netns="bgplab-master01", announcer="lab")
stop_server(state_dir)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bgplb.errors import LabError
from lab.k8s.apiserver import READY_FILE
from lab.state import ProcRecord, is_alive, stop_processes

PID_FILE = "apiserver.pid.json"
LOG_FILE = "apiserver.log"
REPO_ROOT = Path(__file__).resolve().parents[2]


def pki_dir(state_dir: Path) -> Path:
    return state_dir / "pki"


def _marker(state_dir: Path) -> str:
    return f"lab.k8s.apiserver --state-dir {state_dir}"


def server_record(state_dir: Path) -> ProcRecord | None:
    try:
        data = json.loads((state_dir / PID_FILE).read_text())
    except (OSError, ValueError):
        return None
    return ProcRecord(name="apiserver", pid=int(data["pid"]), marker=str(data["marker"]))


def server_running(state_dir: Path) -> bool:
    rec = server_record(state_dir)
    return rec is not None and is_alive(rec)


def start_server(
    state_dir: Path,
    listen: str,
    netns: str | None = None,
    announcer: str = "record",
    timeout: float = 15.0,
) -> int:
    """Start the server (no-op if it runs already); returns its PID once it serves."""
    state_dir = state_dir.resolve()
    rec = server_record(state_dir)
    if rec is not None and is_alive(rec):
        return rec.pid
    if netns is not None and not netns.startswith("bgplab-"):
        raise LabError(f"refusing to run the API server in namespace {netns!r} (not bgplab-*)")
    (state_dir / READY_FILE).unlink(missing_ok=True)
    argv = [
        sys.executable,
        "-m",
        "lab.k8s.apiserver",
        "--state-dir",
        str(state_dir),
        "--listen",
        listen,
        "--pki",
        str(pki_dir(state_dir)),
        "--announcer",
        announcer,
    ]
    if netns is not None:
        argv = ["ip", "netns", "exec", netns, *argv]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    with (state_dir / LOG_FILE).open("ab") as logf:
        proc = subprocess.Popen(
            argv,
            stdout=logf,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=REPO_ROOT,
            env=env,
            start_new_session=True,
        )
    rec = ProcRecord("apiserver", proc.pid, _marker(state_dir))
    (state_dir / PID_FILE).write_text(json.dumps({"pid": rec.pid, "marker": rec.marker}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (state_dir / READY_FILE).is_file():
            return proc.pid
        if proc.poll() is not None:
            tail = (state_dir / LOG_FILE).read_text(errors="replace")[-2000:]
            raise LabError(f"the API server exited with {proc.returncode}:\n{tail}")
        time.sleep(0.05)
    stop_server(state_dir)
    raise LabError(
        f"the API server did not come up within {timeout} s (see {state_dir / LOG_FILE})"
    )


def stop_server(state_dir: Path) -> None:
    """SIGTERM the recorded PID (only if it is still our server), then forget it."""
    state_dir = state_dir.resolve()
    rec = server_record(state_dir)
    if rec is not None:
        stop_processes([rec])
    (state_dir / PID_FILE).unlink(missing_ok=True)
    (state_dir / READY_FILE).unlink(missing_ok=True)
