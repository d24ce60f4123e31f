"""The deploy's last phase: run the audit and fail the phase unless it passes.

Right after a deploy the router may still be converging (MetalLB has assigned the address, the
speakers are announcing, the router has not installed every path yet), so the phase audits
again for a bounded time before it reports the findings, over the same connections
(tasks.audit_gather.AuditGather: one SSH session to the router, one API client).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from nornir.core.task import Result, Task

from bgplb.audit.findings import Finding, Severity
from bgplb.audit.observations import Observations
from bgplb.audit.outcome import evaluate
from bgplb.deploy.runner import PhaseSkipped
from bgplb.model import Site
from tasks.audit_gather import AuditGather, GatherOptions

SETTLE_S = 30.0
RETRY_S = 2.0  # the longest pause between two rounds
FIRST_RETRY_S = 0.25  # the first pause; each next one doubles, up to RETRY_S


def _errors(site: Site, gather: Callable[[], Observations]) -> tuple[list[Finding], int]:
    outcome = evaluate(site, gather())
    return [f for f in outcome.findings if f.severity is Severity.ERROR], len(outcome.findings)


def audit(
    task: Task, site: Site, dry_run: bool | None = None, settle_s: float = SETTLE_S
) -> Result:
    """Gather and check everything; in a dry run nothing was deployed, so nothing is audited."""
    if task.is_dry_run(dry_run):
        return Result(host=task.host, result=PhaseSkipped("dry run: the audit runs after a deploy"))
    deadline = time.monotonic() + settle_s
    with AuditGather(site, site.host_names, GatherOptions()) as gather:
        errors, count = _errors(site, gather)
        pause = min(FIRST_RETRY_S, RETRY_S)
        while errors and time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(pause * 2, RETRY_S)
            errors, count = _errors(site, gather)
    if errors:
        first = errors[0]
        text = f"{len(errors)} error finding(s); first: {first.check} {first.object}: "
        text += f"expected {first.expected}, got {first.actual}"
        return Result(host=task.host, failed=True, result=text)
    return Result(host=task.host, result=f"audit passed ({count} findings)")
