"""Local state files: written whole or not at all, and the first writer of a create-once file
wins for every racing thread and process (the MetalLB memberlist key of the twin)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bgplb.atomic_files import StateFileError, create_once, remove, write_atomic
from bgplb.model import Site, load_site
from lab.credentials import MEMBERLIST_FILE as TWIN_MEMBERLIST_FILE
from lab.credentials import memberlist_key
from lab.state import LabPaths
from tests.conftest import REPO

SIZE = 4 * 1024 * 1024


def test_write_atomic_replaces_the_file_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "state" / "kubeconfig"
    write_atomic(path, "old\n")
    write_atomic(path, "new\n")
    assert path.read_text() == "new\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["kubeconfig"]  # no temporary left


def test_create_once_keeps_the_first_value(tmp_path: Path) -> None:
    path = tmp_path / "key"
    assert create_once(path, lambda: "first\n") == "first\n"
    assert create_once(path, lambda: "second\n") == "first\n"
    assert path.stat().st_mode & 0o777 == 0o600


def test_create_once_refuses_an_empty_file_left_by_an_older_run(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text("")
    with pytest.raises(StateFileError, match=r"key is empty .*: remove it"):
        create_once(path, lambda: "value\n")


def test_remove_is_quiet_when_absent(tmp_path: Path) -> None:
    path = tmp_path / "record"
    write_atomic(path, "x")
    remove(path)
    remove(path)
    assert not path.exists()


def race_threads(work: Callable[[int], str], n: int) -> tuple[list[str], list[BaseException]]:
    start = threading.Barrier(n)
    values: list[str] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        start.wait()
        try:
            values.append(work(i))
        except BaseException as exc:  # every failure is the test's finding
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return values, errors


def test_threads_racing_to_create_get_one_value(tmp_path: Path) -> None:
    for round_ in range(30):
        path = tmp_path / f"key{round_}"

        def create(i: int, p: Path = path) -> str:
            return create_once(p, lambda: f"v{i}\n")

        values, errors = race_threads(create, 16)
        assert errors == []
        assert len(values) == 16 and len(set(values)) == 1
        assert values[0].strip() and path.read_text() == values[0]


def twin_site(state_dir: Path) -> Site:
    site = load_site(REPO / "inventory" / "lab")
    assert site.lab is not None
    return dataclasses.replace(site, lab=site.lab.model_copy(update={"state_dir": state_dir}))


def _memberlist(args: tuple[Path, object]) -> str:
    state_dir, start = args
    site = twin_site(state_dir)
    start.wait()  # type: ignore[attr-defined]
    name = site.metallb.memberlist_secret_env
    assert name
    os.environ.pop(name, None)
    return memberlist_key(LabPaths.of(site), name)


def test_processes_racing_for_the_twin_memberlist_key_get_one_value(tmp_path: Path) -> None:
    """Was: FileExistsError in 202 of 300 runs, an empty key in 10 (os.open O_EXCL, then
    writing: a second run could read the file before the first had written it)."""
    ctx = multiprocessing.get_context("fork")
    n, rounds = 6, 12
    with ctx.Manager() as manager, ctx.Pool(n) as pool:
        for round_ in range(rounds):
            state_dir = tmp_path / f"twin{round_}"
            start = manager.Barrier(n)
            values = pool.map(_memberlist, [(state_dir, start)] * n)
            assert len(set(values)) == 1 and len(values[0]) >= 96
            assert (state_dir / TWIN_MEMBERLIST_FILE).read_text().strip() == values[0]


def test_threads_racing_for_the_twin_memberlist_key_get_one_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BGPLB_METALLB_MEMBERLIST_KEY", raising=False)
    for round_ in range(20):
        site = twin_site(tmp_path / f"twin{round_}")
        name = site.metallb.memberlist_secret_env
        assert name

        def key(_i: int, s: Site = site, n: str = name) -> str:
            return memberlist_key(LabPaths.of(s), n)

        values, errors = race_threads(key, 12)
        assert errors == [] and len(set(values)) == 1 and values[0]


WRITER = """
import sys
from pathlib import Path
from bgplb.atomic_files import write_atomic
path, how, size = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
print("ready", flush=True)
for i in range(100000):
    text = f"{i:08d}" + "x" * size
    if how == "atomic":
        write_atomic(path, text)
    else:
        path.write_text(text)
"""


def kill_mid_write(path: Path, how: str, delay: float) -> str:
    """Start a process rewriting `path` over and over, SIGKILL it after `delay`; the file."""
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), how, str(SIZE)],
        stdout=subprocess.PIPE,
        cwd=REPO,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "ready\n"
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    return path.read_text()


def complete(text: str) -> bool:
    return text == "old" or (len(text) == 8 + SIZE and text[:8].isdigit())


def test_a_process_killed_mid_write_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    rng = random.Random(7)
    for trial in range(12):
        path = tmp_path / f"state{trial}"
        path.write_text("old")
        text = kill_mid_write(path, "atomic", rng.uniform(0.0, 0.3))
        assert complete(text), (trial, len(text))


def test_the_kill_harness_catches_a_plain_write(tmp_path: Path) -> None:
    """The same harness on Path.write_text: a kill leaves a truncated file (so the test above
    could fail)."""
    rng = random.Random(7)
    torn = 0
    for trial in range(6):
        path = tmp_path / f"state{trial}"
        path.write_text("old")
        torn += not complete(kill_mid_write(path, "plain", rng.uniform(0.05, 0.3)))
    assert torn >= 1
