"""A router commit-confirm the deploy started and has not yet confirmed or rolled back.

The router task records it (in the site's state directory, before `commit-confirm`) and
removes it once it confirmed or rolled back. A record found later means a deploy died in
between: the router reverts by itself when the timer runs out (VyOS reboots, or with 1.5's
`commit-confirm action reload` reloads), so the next deploy refuses to go on until the operator
chooses `--pending-confirm confirm` or `--pending-confirm rollback`.

The record holds the router's configuration from before the commit (the rollback target), so
it is written 0600 like the kubeconfig.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from bgplb.atomic_files import StateFileError, remove, write_atomic
from bgplb.errors import InputError
from bgplb.model import Site
from bgplb.site_state import state_dir

Choice = Literal["confirm", "rollback"]
CHOICES: tuple[Choice, ...] = ("confirm", "rollback")


@dataclass(frozen=True)
class PendingConfirm:
    host: str
    pid: int
    started: str  # ISO 8601, local time with offset
    deadline: str  # when the router reverts by itself unless confirmed
    running_before: str  # `show configuration commands` before the commit

    def describe(self) -> str:
        return (
            f"router {self.host}: a commit-confirm made by deploy pid {self.pid} at "
            f"{self.started} was neither confirmed nor rolled back; unless confirmed, the "
            f"router reverts it by itself (reboot, or reload) at {self.deadline}"
        )


def new_record(host: str, pid: int, now: datetime, minutes: int, running: str) -> PendingConfirm:
    deadline = now + timedelta(minutes=minutes)
    return PendingConfirm(
        host,
        pid,
        now.isoformat(timespec="seconds"),
        deadline.isoformat(timespec="seconds"),
        running,
    )


def record_path(site: Site, host: str) -> Path:
    return state_dir(site) / f"pending-confirm.{host}.json"


def save_record(site: Site, record: PendingConfirm) -> None:
    write_atomic(record_path(site, record.host), json.dumps(asdict(record), indent=1), 0o600)


def load_record(site: Site, host: str) -> PendingConfirm | None:
    path = record_path(site, host)
    if not path.exists():
        return None
    try:
        return PendingConfirm(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise StateFileError(f"{path}: not a pending commit-confirm record ({exc})") from None


def clear_record(site: Site, host: str) -> None:
    remove(record_path(site, host))


def check_choice(
    site: Site, phases: Collection[str], hosts: Collection[str], choice: Choice | None
) -> PendingConfirm | None:
    """Before a deploy contacts anything: a recorded commit-confirm needs a choice, and the
    choice needs the router phase on the router (bad input otherwise)."""
    router = site.router.name
    try:
        left = load_record(site, router)
    except StateFileError as exc:
        raise InputError(str(exc)) from None
    if left is not None and choice is None:
        raise InputError(
            f"{left.describe()}. Choose --pending-confirm confirm (keep that commit) or "
            "--pending-confirm rollback (return to the config before it)"
        )
    if choice is not None and left is None:
        raise InputError(
            f"--pending-confirm {choice}: no commit-confirm left pending is recorded for "
            f"router {router} ({record_path(site, router)})"
        )
    if choice is not None and ("router" not in phases or router not in hosts):
        raise InputError(
            f"--pending-confirm {choice} acts in the router phase on {router}: select it "
            "(--tags, --limit)"
        )
    return left
