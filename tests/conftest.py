"""Shared fixtures: paths of the repository and its stand-ins of upstream data, and the twin.

The suite needs nothing beside the checkout: MetalLB's manifests are the project's stand-ins
(lab/manifests/, checked against upstream by `make conformance`), the write-up's texts are
verbatim excerpts (tests/fixtures/write_up/)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bgplb import secrets
from bgplb.model import load_site
from lab import lock as lab_lock
from lab.operator import operator_env
from lab.state import LabPaths

REPO = Path(__file__).resolve().parent.parent
# the project's stand-ins of upstream MetalLB manifests, by upstream's folder and file names
MANIFESTS = REPO / "lab" / "manifests"
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


@contextmanager
def twin_lock(timeout: float = TWIN_LOCK_TIMEOUT_S) -> Iterator[None]:
    """Exclusive use of the machine's twin (its namespaces), waiting for other users."""
    try:
        with lab_lock.twin_lock(timeout, TWIN_LOCK):
            yield
    except lab_lock.TwinBusy as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session", autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """HOME is a temporary directory for the whole session: the ~/.ssh/known_hosts the twin
    fills, and anything else under ~, is never a real user's."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        yield home


@pytest.fixture(scope="session")
def twin_session() -> Iterator[None]:
    """Hold the twin lock for the whole test session once any test needs the twin, with the
    twin's secrets in the environment as its operator env file exports them (lab/operator.py);
    `lab up` puts its host keys in the session's ~/.ssh/known_hosts."""
    if os.geteuid() != 0:
        pytest.fail("tests marked `twin` need root (namespaces, FRR); deselect: -m 'not twin'")
    site = load_site(REPO / "inventory" / "lab")
    with twin_lock(), pytest.MonkeyPatch.context() as mp:
        for name, value in operator_env(site, LabPaths.of(site)).items():
            mp.setenv(name, value)
        yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under a folder named `twin` needs the twin: marked so (`-m "not twin"`)."""
    for item in items:
        if "twin" in item.path.relative_to(REPO).parts[:-1]:
            item.add_marker(pytest.mark.twin)
