"""The deploy's last phase: run the audit and fail the phase unless it passes."""

from __future__ import annotations

from nornir.core.task import Result, Task

from bgplb.audit.findings import Severity
from bgplb.audit.outcome import evaluate
from bgplb.model import Site
from tasks.audit_gather import GatherOptions, gather_with_nornir


def audit(task: Task, site: Site, dry_run: bool | None = None) -> Result:
    """Gather and check everything (read-only, so a dry run audits too)."""
    del dry_run
    observations = gather_with_nornir(site, site.host_names, GatherOptions())
    outcome = evaluate(site, observations)
    errors = [f for f in outcome.findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        text = f"{len(errors)} error finding(s); first: {first.check} {first.object}: "
        text += f"expected {first.expected}, got {first.actual}"
        return Result(host=task.host, failed=True, result=text)
    return Result(host=task.host, result=f"audit passed ({len(outcome.findings)} findings)")
