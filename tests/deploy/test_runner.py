"""The deploy runner with stand-in phase tasks: failure propagation, JSON, secret redaction."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from nornir.core.task import Result, Task

from bgplb.deploy.ledger import Outcome
from bgplb.deploy.runner import DeployRun, run_phases
from bgplb.model import load_site
from bgplb.nornir_init import init_nornir
from runbooks import deploy
from tasks.phases import PHASES
from tests.conftest import REPO

SECRET = "Sup3r-Secret-Value"


PHASE_NAMES = PHASES.names


def fake_tasks(fail: dict[str, str] | None = None, change: bool = True) -> dict[str, Any]:
    fail = fail or {}

    def make(phase: str) -> Any:
        def task(task: Task, site: Any, dry_run: bool) -> Result:
            if fail.get(phase) == task.host.name:
                raise ConnectionError(f"{task.host.name}: SSH connection refused")
            return Result(host=task.host, changed=change, diff=f"{phase} on {task.host.name}")

        return task

    return {name: make(name) for name in PHASE_NAMES}


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BGPLB_ROUTER_PASSWORD", SECRET)


def run(fail: dict[str, str] | None = None, change: bool = True) -> Any:
    site = load_site("inventory")
    hosts = set(site.host_names)
    nr = init_nornir(site, hosts)
    phases = tuple(n for n in PHASE_NAMES if n != "vms")
    table = PHASES.with_tasks(fake_tasks(fail, change))
    return run_phases(DeployRun(site, nr, phases, hosts, False, table, []))


def test_a_failed_worker_stops_only_that_workers_phases() -> None:
    ledger = run(fail={"bootstrap": "worker01"})
    assert ledger.outcome("bootstrap", "worker01") is Outcome.FAILED
    assert ledger.outcome("join", "worker01") is Outcome.SKIPPED
    assert ledger.outcome("join", "worker02") is Outcome.CHANGED
    # the audit of a cluster without worker01 could only fail: skipped, naming why
    assert ledger.outcome("audit", "vyos") is Outcome.SKIPPED
    (audit,) = [e for e in ledger.entries if e.phase == "audit"]
    assert audit.detail == "needs join skipped on worker01"
    (failed,) = ledger.failed
    assert "SSH connection refused" in failed.detail


def test_a_failed_control_plane_stops_the_phases_that_need_it() -> None:
    ledger = run(fail={"control-plane": "master01"})
    for phase, host in [("join", "worker01"), ("cni", "master01"), ("app", "master01")]:
        assert ledger.outcome(phase, host) is Outcome.SKIPPED
    assert ledger.outcome("router", "vyos") is Outcome.CHANGED
    assert ledger.outcome("audit", "vyos") is Outcome.SKIPPED


def test_converged_run_reports_zero_changed() -> None:
    assert run(change=False).changed == 0


def test_secrets_never_reach_stdout_json_or_nornir_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def leaky(task: Task, site: Any, dry_run: bool) -> Result:
        logging.getLogger("nornir.core").error("connecting with password %s", SECRET)
        if task.host.name == "worker02":
            raise RuntimeError(f"auth failed for password {SECRET}")
        return Result(host=task.host, changed=True, diff=f"set password '{SECRET}'")

    monkeypatch.setattr(deploy, "PHASES", PHASES.with_tasks(dict.fromkeys(PHASE_NAMES, leaky)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))  # the site's state dir (deploy lock) lands there
    inventory = str(REPO / "inventory")
    code = deploy.main(["--inventory", inventory, "--json", "--tags", "bootstrap,router"])
    captured = capsys.readouterr()
    assert code == 1
    doc = json.loads(captured.out)
    assert doc["ok"] is False
    assert SECRET not in captured.out
    assert SECRET not in captured.err
    log = (tmp_path / "nornir.log").read_text()
    assert "connecting with password ********" in log
    assert SECRET not in log
    assert any("********" in r["detail"] for r in doc["results"] if r["outcome"] == "failed")


def test_a_phase_that_skips_itself_is_skipped_not_failed() -> None:
    from bgplb.deploy.runner import PhaseSkipped

    site = load_site("inventory")
    hosts = set(site.host_names)
    tasks = fake_tasks()
    tasks["audit"] = lambda task, site, dry_run: Result(
        host=task.host, result=PhaseSkipped("dry run: nothing to audit")
    )
    phases = tuple(n for n in PHASE_NAMES if n != "vms")
    table = PHASES.with_tasks(tasks)
    ledger = run_phases(DeployRun(site, init_nornir(site, hosts), phases, hosts, True, table, []))
    assert ledger.outcome("audit", "vyos") is Outcome.SKIPPED
    assert ledger.failed == []


def test_a_failure_names_the_subtask_error_and_the_device() -> None:
    """A subtask's own error before its wrapper's; a multi-line message in one line."""

    def waits(task: Task, site: Any, dry_run: bool) -> Result:
        def inner(task: Task) -> Result:
            return Result(host=task.host, failed=True, result="nodes Ready: timed out\nworker02")

        task.run(task=inner)
        return Result(host=task.host)

    def refused(task: Task, site: Any, dry_run: bool) -> Result:
        raise TimeoutError("TCP connection to device failed.\n\nCauses...\n\nDevice: 1.2.3.4:22")

    site = load_site("inventory")
    nr = init_nornir(site, set(site.host_names))
    table = PHASES.with_tasks({**fake_tasks(), "cni": waits, "bootstrap": refused})
    ledger = run_phases(
        DeployRun(site, nr, ("bootstrap", "cni"), set(site.host_names), False, table, [])
    )
    details = {(e.phase, e.host): e.detail for e in ledger.failed}
    assert details[("bootstrap", "worker01")] == (
        "TimeoutError: TCP connection to device failed. … Device: 1.2.3.4:22"
    )
    # cni runs (control-plane not selected: assumed done) though master01 failed bootstrap:
    # the ledger decides, not Nornir's failed hosts
    assert details[("cni", site.control_plane.name)] == "nodes Ready: timed out … worker02"


def test_an_entry_shows_the_first_line_of_a_phase_summary() -> None:
    def noted(task: Task, site: Any, dry_run: bool) -> Result:
        summary = "3 of 9 step(s) ran\nnote: swap stays off until reboot\n"
        return Result(host=task.host, changed=True, result=summary)

    site = load_site("inventory")
    hosts = set(site.host_names)
    table = PHASES.with_tasks({"bootstrap": noted})
    ledger = run_phases(
        DeployRun(site, init_nornir(site, hosts), ("bootstrap",), hosts, False, table, [])
    )
    details = {e.detail for e in ledger.entries}
    assert details == {"3 of 9 step(s) ran"}
