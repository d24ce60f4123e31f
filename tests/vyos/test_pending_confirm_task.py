"""A deploy killed between commit-confirm and confirm: the next run finds the record, refuses
to go on without a choice, and confirms or rolls back as chosen (FakeVyos stands in for the
router; its `pending` is the router's own commit-confirm state)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nornir.core.task import Result, Task

from bgplb.model import Site, load_site
from bgplb.pending_confirm import load_record, record_path
from runbooks import deploy
from tasks import router_bgp as router_task
from tasks.phases import PHASES
from tests.conftest import REPO
from tests.vyos.fake_vyos import FakeVyos
from tests.vyos.test_router_task import PEERS, converged, run

MISSING = "protocols bgp address-family ipv4-unicast maximum-paths ebgp '8'"


class ToolkitDied(BaseException):
    """Stands for the deploy's process dying right after its commit-confirm."""


@pytest.fixture(autouse=True)
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("BGPLB_ROUTER_PASSWORD", "router-pass-123")
    monkeypatch.setenv("HOME", str(tmp_path))  # the site's state dir (~/.kube/...) lands there
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def site() -> Site:
    return load_site(REPO / "inventory")


def killed_after_commit(site: Site, monkeypatch: pytest.MonkeyPatch) -> FakeVyos:
    """A router missing one line; a deploy commits it with commit-confirm and dies."""
    before = [x for x in converged(site) if x != MISSING]
    device = FakeVyos(running=list(before), peers=PEERS)

    def die(*_: object, **__: object) -> set[str]:
        raise ToolkitDied

    with monkeypatch.context() as m:
        m.setattr(router_task, "wait_for_sessions", die)
        with pytest.raises(ToolkitDied):
            run(site, device, revert_in=600)
    assert device.pending == before and MISSING in device.running  # the router waits
    return device


def test_the_killed_deploy_leaves_a_record(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    killed_after_commit(site, monkeypatch)
    record = load_record(site, "vyos")
    assert record is not None
    assert record.pid == os.getpid()
    assert MISSING not in record.running_before and "set protocols bgp" in record.running_before
    path = record_path(site, "vyos")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent == Path(os.environ["HOME"]) / ".kube" / "bgplb-reference-lab.conf.state"


def test_a_completed_deploy_leaves_no_record(site: Site) -> None:
    device = FakeVyos(running=[x for x in converged(site) if x != MISSING], peers=PEERS)
    assert run(site, device).changed
    assert load_record(site, "vyos") is None


def test_without_a_choice_the_router_is_not_touched(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = killed_after_commit(site, monkeypatch)
    device.calls.clear()
    result = run(site, device)
    assert result.failed
    assert "neither confirmed nor rolled back" in result.result
    assert "choose --pending-confirm confirm or rollback" in result.result
    assert device.calls == [] and device.pending is not None


def test_confirm_keeps_the_commit_and_stops_the_timer(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = killed_after_commit(site, monkeypatch)
    result = run(site, device, pending_confirm="confirm")
    assert not result.failed, result.result
    first = result.result.splitlines()[0]
    assert first.startswith(f"confirmed the commit-confirm left by deploy pid {os.getpid()} at ")
    assert first.endswith(": it was still pending")
    assert device.pending is None and MISSING in device.running
    assert result.changed and result.diff == ""  # the confirm changed it; nothing else to do
    assert load_record(site, "vyos") is None


def test_rollback_returns_to_the_config_before_then_deploys_safely(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = killed_after_commit(site, monkeypatch)
    device.calls.clear()
    result = run(site, device, pending_confirm="rollback")
    assert not result.failed, result.result
    assert result.result.splitlines()[0].startswith("rolled back the commit-confirm left by")
    # reverted first, then the plan's line committed again through commit-confirm + confirm
    assert device.calls[0] == "rollback_pending_commit"
    assert device.calls[-1] == "confirm_commit"
    assert result.diff == f"+{MISSING}"
    assert load_record(site, "vyos") is None


def test_a_router_that_already_reverted_is_reported(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = killed_after_commit(site, monkeypatch)
    device.running, device.pending = device.pending or [], None  # its timer ran out
    result = run(site, device, pending_confirm="confirm")
    assert "the router had no confirm pending" in result.result.splitlines()[0]
    assert load_record(site, "vyos") is None


def test_a_dry_run_only_says_what_it_would_do(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    device = killed_after_commit(site, monkeypatch)
    device.calls.clear()
    result = run(site, device, pending_confirm="rollback", dry_run=True)
    assert result.changed and result.result.startswith("would rollback the commit-confirm")
    assert "rollback_pending_commit" not in device.calls and device.pending is not None
    assert load_record(site, "vyos") is not None


# -- the runbook: refused before any contact -------------------------------------------


@pytest.fixture
def contacted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def record(task: Task, site: Any, dry_run: bool, **kwargs: Any) -> Result:
        calls.append(f"{task.host.name} {kwargs}")
        return Result(host=task.host)

    monkeypatch.setattr(deploy, "PHASES", PHASES.with_tasks(dict.fromkeys(PHASES.names, record)))
    return calls


def deploy_fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        deploy.main(["--inventory", str(REPO / "inventory"), "--json", *argv])
    assert exc.value.code == 2
    (problem,) = json.loads(capsys.readouterr().out)["problems"]
    return str(problem["message"])


def test_the_next_deploy_reports_it_and_asks_for_a_choice(
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    contacted: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    killed_after_commit(site, monkeypatch)
    message = deploy_fails(["--tags", "bootstrap"], capsys)
    assert message.startswith(f"router vyos: a commit-confirm made by deploy pid {os.getpid()}")
    assert "Choose --pending-confirm confirm" in message
    message = deploy_fails(["--tags", "bootstrap", "--pending-confirm", "confirm"], capsys)
    assert "acts in the router phase on vyos" in message
    assert contacted == []
    code = deploy.main(["--inventory", str(REPO / "inventory"), "--tags", "router",
                        "--pending-confirm", "rollback"])  # fmt: skip
    assert code == 0
    assert contacted == ["vyos {'pending_confirm': 'rollback'}"]


def test_a_choice_without_a_record_is_bad_input(
    contacted: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    message = deploy_fails(["--pending-confirm", "confirm"], capsys)
    assert message.startswith("--pending-confirm confirm: no commit-confirm left pending")
    assert contacted == []
