"""Thin I/O: run `ip` and other commands on the host or inside a lab namespace."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from bgplb.errors import LabError

IP = "ip"


def run(argv: list[str], *, check: bool = True, stdin: str | None = None) -> str:
    """Run a command, return stdout; on failure raise LabError naming the command."""
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        err = (proc.stderr or proc.stdout).strip()
        raise LabError(f"`{' '.join(argv)}` failed ({proc.returncode}): {err}")
    return proc.stdout


def run_rc(argv: list[str], timeout: float | None = None) -> tuple[str, int]:
    """Run a command, return (stdout+stderr, exit code); never raises on a non-zero code."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s: {' '.join(argv)}\n", 124
    except OSError as exc:
        return f"{exc}\n", 127
    return proc.stdout + proc.stderr, proc.returncode


def ip_batch(lines: list[str], ns: str | None = None) -> None:
    """Feed `ip -batch -` (inside `ns` when given); -force keeps going and reports every error."""
    if not lines:
        return
    argv = [IP, *(["-n", ns] if ns else []), "-batch", "-"]
    run(argv, stdin="\n".join(lines) + "\n")


def exec_argv(ns: str, argv: list[str]) -> list[str]:
    return [IP, "netns", "exec", ns, *argv]


def list_namespaces() -> set[str]:
    out = run([IP, "-j", "netns", "list"], check=False).strip()
    if not out:
        return set()
    return {str(entry["name"]) for entry in json.loads(out)}


def add_namespace(ns: str) -> None:
    run([IP, "netns", "add", ns])


def delete_namespace(ns: str) -> None:
    run([IP, "netns", "delete", ns], check=False)
    # `ip netns delete` unmounts and removes /run/netns/NS; a crash may leave the file behind.
    Path("/run/netns", ns).unlink(missing_ok=True)


def link_exists(name: str, ns: str | None = None) -> bool:
    argv = [IP, *(["-n", ns] if ns else []), "link", "show", "dev", name]
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0


def delete_link(name: str) -> None:
    run([IP, "link", "delete", "dev", name], check=False)


def set_sysctls(ns: str, values: dict[str, str]) -> None:
    if values:
        run(exec_argv(ns, ["sysctl", "-q", "-w", *(f"{k}={v}" for k, v in values.items())]))


def ip_json(ns: str | None, args: list[str]) -> list[dict[str, object]]:
    out = run([IP, "-j", *(["-n", ns] if ns else []), *args]).strip()
    data = json.loads(out) if out else []
    if not isinstance(data, list):
        raise LabError(f"unexpected `ip -j {' '.join(args)}` output: {out[:200]}")
    return data
