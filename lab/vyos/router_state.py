"""State shared by every SSH session of one emulated router: active config, saved
config.boot, commit revisions and the commit-confirm timer. The outside world (FRR,
sysctls, `ip`, `vtysh`) is reached only through a `RouterBackend`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lab.vyos.bfd import BFD_PATH, verify_bfd
from lab.vyos.config_boot import parse_config_boot, render_config_boot
from lab.vyos.config_tree import ConfigNode, load_commands
from lab.vyos.frr_translate import translate
from lab.vyos.schema import schema_for
from lab.vyos.verify import commit_failure_text, verify_bgp, warnings_text
from lab.vyos.versions import RouterVersion

NO_CHANGES = "No configuration changes to commit\n"


class RouterBackend(Protocol):
    def run(self, argv: list[str]) -> tuple[str, int]:
        """Run `vtysh ...` or `ip ...` in the router's namespace: (output, exit code)."""
        ...

    def apply_frr(self, frr_config: str) -> str | None:
        """Replace FRR's running config; an error text, or None on success."""
        ...

    def set_sysctl(self, key: str, value: str) -> None: ...

    def show_arp(self) -> str: ...

    def show_interfaces(self) -> str: ...


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


# (delay in seconds, callback) -> handle; asyncio's loop.call_later fits as is.
Scheduler = Callable[[float, Callable[[], None]], TimerHandle]


def threading_scheduler(delay: float, callback: Callable[[], None]) -> TimerHandle:
    timer = threading.Timer(delay, callback)
    timer.daemon = True
    timer.start()
    return timer


@dataclass(frozen=True)
class Revision:
    tree: ConfigNode
    user: str
    via: str
    comment: str
    when: float


@dataclass(frozen=True)
class CommitOutcome:
    ok: bool
    output: str


@dataclass
class _PendingConfirm:
    previous: ConfigNode
    handle: TimerHandle
    minutes: int


class RouterState:
    def __init__(
        self,
        router: RouterVersion,
        hostname: str,
        config_boot: Path,
        backend: RouterBackend,
        confirm_seconds_per_minute: float = 60.0,
        *,
        initial_commands: Sequence[str] = (),
        initial_tree: ConfigNode | None = None,
        scheduler: Scheduler = threading_scheduler,
    ) -> None:
        self.router = router
        self.version = router.version
        self.hostname = hostname
        self.config_boot = config_boot
        self.backend = backend
        self.confirm_seconds_per_minute = confirm_seconds_per_minute
        self.schema = schema_for(router)
        self.scheduler = scheduler
        self.lock = threading.RLock()
        if config_boot.exists():
            self.active = parse_config_boot(config_boot.read_text(), self.schema)
        elif initial_tree is not None:
            self.active = initial_tree.clone()
        else:
            self.active = load_commands(self.schema, initial_commands)
        self.unsaved_commits = False
        self.revisions: list[Revision] = [Revision(self.active.clone(), "root", "boot", "", 0)]
        self._pending: _PendingConfirm | None = None

    # -- facts -------------------------------------------------------------------------

    def current_hostname(self) -> str:
        return self.active.value(["system", "host-name"]) or self.hostname

    @property
    def confirm_pending(self) -> bool:
        return self._pending is not None

    def confirm_action(self) -> str:
        """`reboot` (default) or `reload` (1.5 `system config-management commit-confirm`)."""
        path = ["system", "config-management", "commit-confirm", "action"]
        return self.active.value(path) or "reboot"

    # -- applying ----------------------------------------------------------------------

    def apply_active(self) -> str | None:
        """Push the active config to FRR and the kernel; an error text or None."""
        with self.lock:
            return self._apply(self.active)

    def _apply(self, tree: ConfigNode) -> str | None:
        result = translate(tree, self.router)
        error = self.backend.apply_frr(result.frr_config)
        if error:
            return error
        for key, value in result.sysctls.items():
            self.backend.set_sysctl(key, value)
        return None

    def commit(self, working: ConfigNode, user: str, comment: str = "") -> CommitOutcome:
        """verify -> translate -> apply; on any failure the active config stays unchanged."""
        with self.lock:
            if working == self.active:
                return CommitOutcome(False, NO_CHANGES)
            bfd_path = ["protocols", "bfd"]
            if working.get(bfd_path) != self.active.get(bfd_path):
                bfd = verify_bfd(working, self.router, self.active)
                if bfd.error:
                    return CommitOutcome(False, bfd_failure_text(self.router, bfd.error))
            verdict = verify_bgp(working, self.router, self.active)
            if verdict.error:
                text = commit_failure_text(self.router, verdict.path, verdict.error)
                return CommitOutcome(False, text)
            error = self._apply(working)
            if error:
                self._apply(self.active)
                text = commit_failure_text(self.router, verdict.path, error.strip())
                return CommitOutcome(False, text)
            self.active = working.clone()
            self.unsaved_commits = True
            self.revisions.insert(0, Revision(working.clone(), user, "cli", comment, time.time()))
            return CommitOutcome(True, warnings_text(self.router, verdict.path, verdict.warnings))

    # -- saving ------------------------------------------------------------------------

    def save(self) -> None:
        with self.lock:
            text = render_config_boot(self.active, self.router)
            self.config_boot.parent.mkdir(parents=True, exist_ok=True)
            self.config_boot.write_text(text)
            self.unsaved_commits = False

    # -- commit-confirm ----------------------------------------------------------------

    def start_confirm(self, minutes: int, previous: ConfigNode) -> None:
        """Revert to `previous` unless `confirm()` comes within `minutes` (scaled)."""
        with self.lock:
            delay = minutes * self.confirm_seconds_per_minute
            handle = self.scheduler(delay, self._revert)
            self._pending = _PendingConfirm(previous.clone(), handle, minutes)

    def confirm(self) -> bool:
        """Stop the revert timer; False when no confirm was pending."""
        with self.lock:
            if self._pending is None:
                return False
            self._pending.handle.cancel()
            self._pending = None
            return True

    def _revert(self) -> None:
        """Real VyOS reboots into the previous config; the twin reverts and re-applies."""
        with self.lock:
            if self._pending is None:
                return
            previous = self._pending.previous
            self._pending = None
            self.active = previous
            self._apply(self.active)
            self.revisions.insert(
                0, Revision(previous.clone(), "root", "commit-confirm", "rollback", time.time())
            )


def bfd_failure_text(router: RouterVersion, error: str) -> str:
    """A failed `protocols bfd` commit: a vyos-1x config script on every line (on 1.3 too,
    where it is laid out as the 1.3 vyos-1x scripts print: message, `[[path]] failed`)."""
    if router.line == "1.3":
        return f"{error}\n\n[[{BFD_PATH}]] failed\nCommit failed\n"
    return commit_failure_text(router, BFD_PATH, error)
