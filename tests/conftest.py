"""Shared fixtures: paths of the repository and of ../shared, and the local twin."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bgplb import secrets
from lab import lock as lab_lock

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
# One twin per machine: test sessions (and benchmarks) that need it take this lock in turn.
TWIN_LOCK = lab_lock.TWIN_LOCK  # lab/lock.py: shared with the benchmarks
TWIN_LOCK_TIMEOUT_S = lab_lock.TWIN_LOCK_TIMEOUT_S


@pytest.fixture(autouse=True)
def _no_known_secrets() -> Iterator[None]:
    """Each test starts with an empty secret registry (bgplb.secrets is process-wide)."""
    secrets.forget_all()
    yield
    secrets.forget_all()


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
    try:
        with lab_lock.twin_lock(timeout, TWIN_LOCK):
            yield
    except lab_lock.TwinBusy as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def twin_session() -> Iterator[None]:
    """Hold the twin lock for the whole test session once any test needs the twin."""
    if os.geteuid() != 0:
        pytest.fail("tests marked `lab` need root (namespaces, FRR); deselect: -m 'not lab'")
    with twin_lock():
        yield
