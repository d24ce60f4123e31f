"""The checkout stands alone (issue 16): a `git clone` of this repository's HEAD into a
temporary directory with nothing beside it (no ../shared) runs the unit part of the suite
(`make unit`'s pytest: every test not marked twin) and the demo on the twin (`make demo`'s
steps: validate, lab up, status, deploy, audit), with this session's interpreter. Only what is
committed is tested: the clone is of HEAD."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbooks.demo import TWIN

REPO = Path(__file__).resolve().parents[3]
UNIT_TIMEOUT_S = 900


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.fail(f"{REPO} is not a git checkout with git installed: cannot clone it")
    root = tmp_path_factory.mktemp("alone")
    checkout = root / "checkout"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(checkout)], check=True
    )
    assert sorted(p.name for p in root.iterdir()) == ["checkout"]  # no ../shared beside it
    yield checkout


def test_unit_suite_passes_in_a_clone_without_shared(clone: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-m", "not twin", "-p", "no:cacheprovider"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=UNIT_TIMEOUT_S,
        check=False,
    )
    tail = run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0, tail
    assert " passed" in run.stdout.splitlines()[-1], tail


def test_the_clone_imports_its_own_code(clone: Path) -> None:
    code = "import bgplb, lab, runbooks, tests; print(bgplb.__file__, lab.__file__, tests.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.split()
    assert all(Path(f).is_relative_to(clone) for f in out), out


def test_demo_runs_in_a_clone_without_shared(clone: Path, twin_session: None) -> None:
    """The demo's steps run by the clone's own code (a child interpreter in the clone: this
    process's bgplb would see the clone's files as outside its project); this session holds
    the twin lock, so the steps run without `runbooks.demo`'s own locking."""
    del twin_session  # holds the twin lock and the twin's secrets for the session
    steps = (
        "import sys; from rich.console import Console; from runbooks.demo import run_steps; "
        f"sys.exit(run_steps(Console(width=150), {TWIN!r}))"
    )
    try:
        run = subprocess.run(
            [sys.executable, "-c", steps], cwd=clone, capture_output=True, text=True, check=False
        )
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-3000:]
        assert "demo complete" in run.stdout
    finally:
        subprocess.run(
            [sys.executable, "-m", "runbooks.lab", "down", "--inventory", TWIN],
            cwd=clone,
            capture_output=True,
            check=False,
        )
