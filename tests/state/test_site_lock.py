"""One deploy per site at a time: the second is refused with exit 2, naming the holder,
before it contacts anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bgplb.model import load_site
from bgplb.site_state import SiteBusy, site_lock, state_dir
from tests.conftest import REPO
from tests.model.mutate import relocated_twin

TWIN = REPO / "inventory" / "lab"


def twin_copy(dest: Path) -> Path:
    """inventory/lab copied to `dest`, its state dir (so its kubeconfig and the site's state)
    under `dest`."""
    return relocated_twin(TWIN, dest, dest / "twin")


def test_the_state_dir_is_beside_the_kubeconfig(tmp_path: Path) -> None:
    site = load_site(twin_copy(tmp_path / "inv"))
    assert state_dir(site) == tmp_path / "inv" / "twin" / "admin.conf.state"


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    site = load_site(twin_copy(tmp_path / "inv"))
    with site_lock(site, "python -m runbooks.deploy --tags router") as path:
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700
        with pytest.raises(SiteBusy) as busy, site_lock(site, "second"):
            pass
    message = str(busy.value)
    assert f"pid {os.getpid()}, started 20" in message
    assert "command: python -m runbooks.deploy --tags router" in message
    assert str(path) in message
    with site_lock(site, "third"):  # released: free again
        pass


def test_a_holder_that_has_not_written_yet_is_still_a_holder(tmp_path: Path) -> None:
    import fcntl

    site = load_site(twin_copy(tmp_path / "inv"))
    lock = state_dir(site) / "deploy.lock"
    lock.parent.mkdir(parents=True)
    with lock.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(SiteBusy, match="holder not recorded yet"), site_lock(site, "x"):
            pass


# A deploy whose phase tasks are stand-ins: they record the host they would contact in
# CONTACTS and, for the first deploy, wait (bounded) until RELEASE exists.
DEPLOY = """
import sys, time
from pathlib import Path
from nornir.core.task import Result
from runbooks import deploy
from tasks.phases import PHASES
contacts, release = Path(sys.argv[1]), Path(sys.argv[2])

def stand_in(task, site, dry_run):
    with contacts.open("a") as fh:
        fh.write(task.host.name + "\\n")
    deadline = time.monotonic() + 60
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return Result(host=task.host)

deploy.PHASES = PHASES.with_tasks(dict.fromkeys(PHASES.names, stand_in))
sys.exit(deploy.main(sys.argv[3:]))
"""


def start_deploy(work: Path, inventory: Path, *args: str) -> subprocess.Popen[str]:
    work.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(work),
        "BGPLB_LAB_PASSWORD": "unused",
        "BGPLB_METALLB_MEMBERLIST_KEY": "unused",
    }
    argv = [str(work / "contacts"), str(work.parent / "release"), "--inventory", str(inventory)]
    return subprocess.Popen(
        [sys.executable, "-c", DEPLOY, *argv, *args],
        cwd=work,
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_concurrent_deploys_the_second_is_refused(tmp_path: Path) -> None:
    inventory = twin_copy(tmp_path / "inv")
    first = start_deploy(tmp_path / "first", inventory, "--tags", "router", "--json")
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "first" / "contacts").exists():
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first deploy never reached its phase"
            time.sleep(0.05)
        second = start_deploy(tmp_path / "second", inventory, "--dry-run", "--json")
        out, err = second.communicate(timeout=60)
        assert second.returncode == 2, err
        (problem,) = json.loads(out)["problems"]
        assert problem["message"].startswith("another deploy of site 'reference-lab-twin'")
        assert f"pid {first.pid}, started " in problem["message"]
        assert "command: python -m runbooks.deploy --inventory" in problem["message"]
        assert "--tags router --json); lock " in problem["message"]
        # refused before any contact, before nornir.log
        assert not (tmp_path / "second" / "contacts").exists()
        assert not (tmp_path / "second" / "nornir.log").exists()
    finally:
        (tmp_path / "release").touch()
        first.communicate(timeout=60)
    assert first.returncode == 0
    third = start_deploy(tmp_path / "third", inventory, "--tags", "router", "--json")
    third.communicate(timeout=60)
    assert third.returncode == 0  # the lock went with the first deploy
