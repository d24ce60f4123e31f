"""Where a site's local state lives, and the lock that lets one deploy at a time act on it.

The state directory sits beside the site's kubeconfig (`<kubeconfig>.state/`, mode 0700): the
kubeconfig names the cluster, so two copies of an inventory for the same site share it. It
holds `deploy.lock` and the router's pending commit-confirm records (tasks/router_confirm.py).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bgplb.errors import InputError
from bgplb.model import Site

LOCK_NAME = "deploy.lock"


class SiteBusy(InputError):
    """Another deploy of the same site holds its lock: exit 2, nothing contacted."""


def state_dir(site: Site) -> Path:
    kubeconfig = site.kubernetes.kubeconfig.expanduser()
    return kubeconfig.with_name(kubeconfig.name + ".state")


def _holder(text: str) -> str:
    try:
        doc = json.loads(text)
        return f"pid {doc['pid']}, started {doc['started']}, command: {doc['command']}"
    except (ValueError, KeyError, TypeError):
        return "holder not recorded yet (it is starting)"


@contextmanager
def site_lock(site: Site, command: str, directory: Path | None = None) -> Iterator[Path]:
    """Hold the site's deploy lock (flock: released by the kernel if the holder dies), or raise
    SiteBusy naming the holder: its pid, start time and command."""
    where = directory or state_dir(site)
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = where / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
            raise SiteBusy(
                f"another deploy of site {site.name!r} is running ({_holder(text)}); lock {path}"
            ) from None
        started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        record = json.dumps({"pid": os.getpid(), "started": started, "command": command})
        os.ftruncate(fd, 0)
        os.pwrite(fd, record.encode() + b"\n", 0)
        os.fsync(fd)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
