"""Nornir task: the router's BGP configuration from the site model, safely and idempotently.

load-merge -> compare -> (dry run or empty diff: discard) -> commit-confirm -> every session
that was Established before is Established again -> confirm (and save); otherwise roll back.
If this process dies between commit and confirm, the router's commit-confirm timer reverts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from nornir.core.task import Result, Task

from bgplb.model import Site
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


def router_bgp(
    task: Task,
    site: Site,
    dry_run: bool | None = None,
    revert_in: int = 300,
    settle_timeout: float = 30.0,
) -> Result:
    """Configure the router's BGP; `changed` means did change, or would change in a dry run."""
    device = task.host.get_connection("napalm", task.nornir.config)
    secrets = secret_values(site)
    running = device.get_config(retrieve="running")["running"]
    plan = plan_router_bgp(site, running, os.environ)
    device.load_merge_candidate(config="\n".join(plan.lines))
    diff = redact(device.compare_config(), secrets)
    if not diff or task.is_dry_run(dry_run):
        device.discard_config()
        return Result(host=task.host, diff=diff, changed=bool(diff))

    # A router without BGP (a first deploy) has no session to keep: FRR has no summary to ask.
    bgp_running = any(line.startswith("set protocols bgp ") for line in running.splitlines())
    before = established(device.get_bgp_neighbors()) if bgp_running else set()
    before -= set(plan.removed_neighbors)
    device.commit_config(message=COMMIT_MESSAGE, revert_in=revert_in)
    dropped = wait_for_sessions(device.get_bgp_neighbors, before, settle_timeout)
    if dropped:
        device.rollback()
        return Result(
            host=task.host,
            diff=diff,
            changed=False,
            failed=True,
            result=(
                f"rolled back: session(s) {', '.join(sorted(dropped))} did not come back "
                f"within {settle_timeout:.0f} s after the commit"
            ),
        )
    device.confirm_commit()
    return Result(host=task.host, diff=diff, changed=True, result="committed, confirmed, saved")
