"""Nornir task: prepare a Kubernetes node for kubeadm (OS settings, CRI-O, kubelet/kubeadm/kubectl).

For each step of the node's plan: run its read-only check; when the step is not done yet and
this is not a dry run, run its commands and check again. `changed` means some step did change
(or, in a dry run, would change); `diff` lists, per step, the commands that ran or would run.

The checks of every step run first in one shell line (one round trip per node; a plan too
long for one line is split): on a converged node that read is the whole cost. From the first
step not done on, a real run goes step by step as before (check, apply, check again): a step's
commands may change what a later step's check sees.
"""

from __future__ import annotations

from typing import Any

from nornir.core.task import Result, Task

from bgplb.bootstrap import BootstrapPlan, Step, plan_bootstrap
from bgplb.bootstrap.shell_status import (
    batches,
    split_status,
    split_statuses,
    with_status,
    with_statuses,
)
from bgplb.errors import DeviceError
from bgplb.model import Site

CHECK_TIMEOUT = 30.0
APPLY_TIMEOUT = 900.0  # apt-get on a real node


def run(conn: Any, command: str, timeout: float) -> tuple[str, int]:
    """One command over the netmiko shell: (output, exit status)."""
    text = conn.send_command(with_status(command), read_timeout=timeout)
    return split_status(str(text), command)


def is_done(conn: Any, step: Step) -> bool:
    output, rc = run(conn, step.check, CHECK_TIMEOUT)
    return step.expect.met(output, rc)


def checks_done(conn: Any, steps: tuple[Step, ...] | list[Step]) -> list[bool]:
    """Whether each step is done, its checks batched: one round trip per batch."""
    done: list[bool] = []
    for group in batches([s.check for s in steps]):
        # no echo verification: the line is wider than the terminal (shell_status)
        text = conn.send_command(
            with_statuses(group), read_timeout=CHECK_TIMEOUT * len(group), cmd_verify=False
        )
        results = split_statuses(str(text), len(group), f"{len(group)} bootstrap checks")
        done += [
            steps[len(done) + i].expect.met(output, rc) for i, (output, rc) in enumerate(results)
        ]
    return done


def apply_step(conn: Any, step: Step) -> None:
    for command in step.apply:
        output, rc = run(conn, command, APPLY_TIMEOUT)
        if rc != 0:
            tail = " | ".join(output.strip().splitlines()[-5:])
            raise DeviceError(f"step {step.name}: `{command}` exited with {rc}: {tail}")
    if not is_done(conn, step):
        raise DeviceError(f"step {step.name}: still not done after its commands ran")


def render_diff(steps: list[Step]) -> str:
    return "\n".join(f"# {s.name}\n" + "\n".join(s.apply) for s in steps)


def bootstrap(
    task: Task, site: Site, dry_run: bool | None = None, allow_legacy: bool | None = None
) -> Result:
    """Bootstrap the node `task.host`; raises InputError before connecting when no package
    source fits the Kubernetes version (see bgplb.bootstrap.repos)."""
    plan: BootstrapPlan = plan_bootstrap(site, site.node(task.host.name), allow_legacy)
    conn = task.host.get_connection("netmiko", task.nornir.config)
    dry = task.is_dry_run(dry_run)
    done = checks_done(conn, plan.steps)
    pending: list[Step] = []
    applied = False
    for step, was_done in zip(plan.steps, done, strict=True):
        # after a step ran, a later check is asked again: the batch read came before it
        if is_done(conn, step) if applied else was_done:
            continue
        pending.append(step)
        if not dry:
            apply_step(conn, step)
            applied = True
    summary = [f"{len(pending)} of {len(plan.steps)} step(s) " + ("would run" if dry else "ran")]
    return Result(
        host=task.host,
        changed=bool(pending),
        diff=render_diff(pending),
        result="\n".join([*summary, *(f"note: {n}" for n in plan.notes)]),
    )
