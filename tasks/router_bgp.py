"""Nornir task: the router's BGP configuration from the site model, safely and idempotently.

load-merge -> compare -> (dry run or empty diff: discard) -> commit-confirm -> every session
that was Established before is Established again -> confirm (and save); otherwise roll back.
When the running configuration already holds every line of the plan and nothing is to be
deleted (`RouterPlan.in_place`), the router's compare could only be empty: the task stops after
its one read (`show configuration commands`), without a configuration session.

Before the commit-confirm, a local record (bgplb/pending_confirm.py) keeps the router's config
from before; it goes once confirmed or rolled back. If this process dies in between, the next
run finds it and, as the operator chose (`pending_confirm`), confirms or rolls back first, so
the router's own timer never reverts it by surprise.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nornir.core.task import Result, Task

from bgplb.model import Site
from bgplb.pending_confirm import (
    Choice,
    PendingConfirm,
    clear_record,
    load_record,
    new_record,
    save_record,
)
from bgplb.secrets import redact, secret_values
from bgplb.vyos.bgp_config import plan_router_bgp

COMMIT_MESSAGE = "bgplb: router BGP from the site model"


def established(neighbors: Mapping[str, Any]) -> set[str]:
    """Peers that are up in a NAPALM get_bgp_neighbors() result (global VRF)."""
    peers = neighbors.get("global", {}).get("peers", {})
    return {address for address, peer in peers.items() if peer.get("is_up")}


def wait_for_sessions(
    get_neighbors: Callable[[], Mapping[str, Any]],
    wanted: set[str],
    timeout: float,
    interval: float = 0.25,
) -> set[str]:
    """Poll until every wanted peer is up again; return those still down at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        down = wanted - established(get_neighbors())
        if not down or time.monotonic() >= deadline:
            return down
        time.sleep(interval)


def resolve_left_confirm(
    device: Any, site: Site, left: PendingConfirm, choice: Choice, dry: bool
) -> str:
    """Confirm or roll back a commit-confirm a killed deploy left; what the router said."""
    if dry:
        return f"would {choice} the commit-confirm left by deploy pid {left.pid} at {left.started}"
    if choice == "confirm":
        was = device.confirm_pending_commit()
    else:
        was = device.rollback_pending_commit(left.running_before)
    clear_record(site, left.host)
    done = "confirmed" if choice == "confirm" else "rolled back"
    state = (
        "it was still pending"
        if was
        else "the router had no confirm pending (already confirmed, or reverted by itself)"
    )
    return f"{done} the commit-confirm left by deploy pid {left.pid} at {left.started}: {state}"


def router_bgp(
    task: Task,
    site: Site,
    dry_run: bool | None = None,
    revert_in: int = 300,
    settle_timeout: float = 30.0,
    pending_confirm: Choice | None = None,
) -> Result:
    """Configure the router's BGP; `changed` means did change, or would change in a dry run.
    A commit-confirm a killed deploy left is first confirmed or rolled back, as
    `pending_confirm` says; without a choice the task fails before touching the router."""
    left = load_record(site, task.host.name)
    if left is not None and pending_confirm is None:
        text = f"{left.describe()}: choose --pending-confirm confirm or rollback"
        return Result(host=task.host, failed=True, result=text)
    device = task.host.get_connection("napalm", task.nornir.config)
    secrets = secret_values(site)
    dry = task.is_dry_run(dry_run)
    notes = []
    if left is not None and pending_confirm is not None:
        notes.append(resolve_left_confirm(device, site, left, pending_confirm, dry))
    running = device.get_config(retrieve="running")["running"]
    plan = plan_router_bgp(site, running, os.environ)
    if plan.in_place:
        return Result(host=task.host, diff="", changed=bool(notes), result="\n".join(notes))
    device.load_merge_candidate(config="\n".join(plan.lines))
    diff = redact(device.compare_config(), secrets)
    if not diff or dry:
        device.discard_config()
        changed = bool(diff) or bool(notes)
        return Result(host=task.host, diff=diff, changed=changed, result="\n".join(notes))

    outcome = commit_confirmed(
        device,
        site,
        task.host.name,
        running,
        set(plan.removed_neighbors),
        COMMIT_MESSAGE,
        revert_in,
        settle_timeout,
    )
    return Result(
        host=task.host,
        diff=diff,
        changed=outcome.committed,
        failed=not outcome.committed,
        result="\n".join(
            [outcome.text, *notes] if not outcome.committed else [*notes, outcome.text]
        ),
    )


@dataclass(frozen=True)
class CommitOutcome:
    committed: bool
    text: str


def commit_confirmed(
    device: Any,
    site: Site,
    host: str,
    running: str,
    leaving: set[str],
    message: str,
    revert_in: int = 300,
    settle_timeout: float = 30.0,
) -> CommitOutcome:
    """The loaded candidate committed with commit-confirm: a local record first (the config from
    before), then every session Established before (but those in `leaving`) must be up again
    within `settle_timeout`: confirmed (and saved), else rolled back. A router without BGP (a
    first deploy) has no session to keep: FRR has no summary to ask."""
    bgp_running = any(line.startswith("set protocols bgp ") for line in running.splitlines())
    before = established(device.get_bgp_neighbors()) if bgp_running else set()
    before -= leaving
    minutes = max(1, math.ceil(revert_in / 60))
    now = datetime.now().astimezone()
    save_record(site, new_record(host, os.getpid(), now, minutes, running))
    device.commit_config(message=message, revert_in=revert_in)
    dropped = wait_for_sessions(device.get_bgp_neighbors, before, settle_timeout)
    if dropped:
        device.rollback()
        clear_record(site, host)
        return CommitOutcome(
            False,
            f"rolled back: session(s) {', '.join(sorted(dropped))} did not come back "
            f"within {settle_timeout:.0f} s after the commit",
        )
    device.confirm_commit()
    clear_record(site, host)
    return CommitOutcome(True, "committed, confirmed, saved")
