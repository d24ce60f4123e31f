"""Run the selected phases with Nornir, host by host, and keep the ledger."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from nornir.core import Nornir
from nornir.core.exceptions import NornirSubTaskError
from nornir.core.task import MultiResult, Result, Task

from bgplb.deploy.ledger import Entry, Ledger, Outcome
from bgplb.deploy.phases import hosts_of
from bgplb.model import Site
from bgplb.secrets import redact

# A phase's Nornir task: task(task, site=..., dry_run=...) -> Result
PhaseTask = Callable[..., Result]


@dataclass
class DeployRun:
    site: Site
    nr: Nornir
    phases: tuple[str, ...]
    hosts: Collection[str]  # --limit
    dry_run: bool
    tasks: Mapping[str, PhaseTask]
    secrets: list[str]


class PhaseSkipped(str):
    """A phase task's result meaning: nothing to do here, deliberately (e.g. in a dry run)."""

    __slots__ = ()


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _headline(text: str) -> str:
    """A failure in one line: its first line and, when it has several, its last (netmiko ends
    with the device: "TCP connection to device failed. ... Device settings: linux ADDR:22")."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) > 1:
        return f"{lines[0]} … {lines[-1]}"
    return lines[0] if lines else ""


def failure_reason(failed: list[Result]) -> str:
    """Why a host failed: the failing subtask's own error before the wrapper's (a
    NornirSubTaskError only names the subtask)."""
    own = sorted(failed, key=lambda r: isinstance(r.exception, NornirSubTaskError))
    for r in own:
        if r.exception is not None and not isinstance(r.exception, NornirSubTaskError):
            return _headline(f"{type(r.exception).__name__}: {r.exception}")
        if r.exception is None and r.result:
            return _headline(str(r.result))
    for r in own:
        if r.exception is not None:
            return _headline(f"{type(r.exception).__name__}: {r.exception}")
    return ""


def entry_of(phase: str, host: str, multi: MultiResult, secrets: list[str]) -> Entry:
    diff = redact("\n".join(r.diff for r in multi if r.diff), secrets)
    if multi.failed:
        reason = failure_reason([r for r in multi if r.failed])
        return Entry(phase, host, Outcome.FAILED, redact(reason, secrets), diff)
    first = multi[0].result if len(multi) else None
    summary = str(first or "")
    if isinstance(first, PhaseSkipped):
        return Entry(phase, host, Outcome.SKIPPED, redact(summary, secrets), diff)
    outcome = Outcome.CHANGED if multi.changed else Outcome.OK
    return Entry(phase, host, outcome, redact(_first_line(summary), secrets), diff)


def run_phases(run: DeployRun, on_entry: Callable[[Entry], None] | None = None) -> Ledger:
    ledger = Ledger(run.site)

    def record(entry: Entry) -> None:
        ledger.record(entry)
        if on_entry:
            on_entry(entry)

    for name in run.phases:
        targets = [h for h in hosts_of(run.site, name) if h in run.hosts]
        runnable = []
        for host in targets:
            why = ledger.blocker(name, host, run.phases)
            if why:
                record(Entry(name, host, Outcome.SKIPPED, f"needs {why}"))
            else:
                runnable.append(host)
        if not runnable:
            continue
        task = run.tasks[name]
        chosen = run.nr.filter(filter_func=lambda h, wanted=tuple(runnable): h.name in wanted)
        # the ledger decides what runs: a host that failed an earlier phase Nornir would
        # otherwise leave out (its failed_hosts) without a result
        result = chosen.run(
            task=task, name=name, on_failed=True, site=run.site, dry_run=run.dry_run
        )
        for host in runnable:
            record(entry_of(name, host, result[host], run.secrets))
    return ledger


def unavailable(module: str) -> PhaseTask:
    """A phase whose implementation is not part of this build: it fails, never passes."""

    def task(task: Task, **_: Any) -> Result:
        return Result(host=task.host, failed=True, result=f"not available: {module} is missing")

    return task
