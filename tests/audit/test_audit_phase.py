"""The deploy's audit phase retries while the router converges, over one gather session."""

from __future__ import annotations

from typing import Any

import pytest
from nornir.core.inventory import Host

import tasks.audit_phase
from bgplb.audit.observations import Observations

from . import replay


class FakeTask:
    host = Host(name="vyos")

    def is_dry_run(self, dry_run: bool | None) -> bool:
        return bool(dry_run)


class FakeSession:
    sessions = 0

    def __init__(self, *_: Any) -> None:
        FakeSession.sessions += 1
        self.names = iter(["node_down", "node_down", "healthy"])
        self.rounds = 0

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __call__(self) -> Observations:
        self.rounds += 1
        name = next(self.names)
        return replay.observations(name, replay.site_for(name))


def test_retries_until_passed_over_one_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks.audit_phase, "AuditGather", FakeSession)
    monkeypatch.setattr(tasks.audit_phase, "RETRY_S", 0.0)
    FakeSession.sessions = 0
    result = tasks.audit_phase.audit(FakeTask(), replay.site_for("healthy"))  # type: ignore[arg-type]
    assert not result.failed
    assert str(result.result).startswith("audit passed")
    assert FakeSession.sessions == 1, "the retries reuse the connections"


def test_the_pauses_between_rounds_start_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """Right after a deploy the router converges within a second or so: the first retry
    comes after 0.25 s, then the pauses double up to RETRY_S."""
    monkeypatch.setattr(tasks.audit_phase, "AuditGather", FakeSession)
    pauses: list[float] = []
    monkeypatch.setattr(tasks.audit_phase.time, "sleep", pauses.append)
    result = tasks.audit_phase.audit(FakeTask(), replay.site_for("healthy"))  # type: ignore[arg-type]
    assert not result.failed
    assert pauses == [0.25, 0.5]
