"""Shared fixtures: paths of the repository and of ../shared, and the local twin."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
# One twin per machine: test sessions (and benchmarks) that need it take this lock in turn.
TWIN_LOCK = Path("/var/tmp/bgplab.lock")
TWIN_LOCK_TIMEOUT_S = 1800.0


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def shared() -> Path:
    assert SHARED.is_dir(), f"../shared is missing beside the checkout ({SHARED})"
    return SHARED


@contextmanager
def twin_lock(timeout: float = TWIN_LOCK_TIMEOUT_S) -> Iterator[None]:
    """Exclusive use of the machine's twin (namespaces bgplab-*), waiting for other users."""
    TWIN_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with TWIN_LOCK.open("a") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the twin is busy: {TWIN_LOCK} held for over {timeout:.0f} s")
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def twin_session() -> Iterator[None]:
    """Hold the twin lock for the whole test session once any test needs the twin."""
    if os.geteuid() != 0:
        pytest.fail("tests marked `lab` need root (namespaces, FRR); deselect: -m 'not lab'")
    with twin_lock():
        yield
