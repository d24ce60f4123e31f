"""What happened to every host in every phase, and whether a phase may still run on a host."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bgplb.deploy.phases import PhaseTable, Scope
from bgplb.model import Site


class Outcome(StrEnum):
    OK = "ok"  # ran, nothing to change
    CHANGED = "changed"  # ran and changed something (or would, in a dry run)
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Entry:
    phase: str
    host: str
    outcome: Outcome
    detail: str = ""
    diff: str = ""


@dataclass
class Ledger:
    site: Site
    table: PhaseTable
    entries: list[Entry] = field(default_factory=list)

    def record(self, entry: Entry) -> None:
        self.entries.append(entry)

    def outcome(self, phase_name: str, host: str) -> Outcome | None:
        found = [e for e in self.entries if e.phase == phase_name and e.host == host]
        return found[-1].outcome if found else None

    def blocker(self, phase_name: str, host: str, selected: tuple[str, ...]) -> str | None:
        """Why `phase_name` cannot run on `host` now, or None when it can.

        A phase needs its prerequisites to have succeeded in this run when they were selected;
        prerequisites that were not selected are assumed done (a re-run with --tags).
        """
        spec = self.table[phase_name]
        for need in spec.needs:
            if need not in selected:
                continue
            need_hosts = self.table.hosts_of(self.site, need)
            if spec.scope is Scope.PER_HOST:
                # the host's own earlier phase, plus every host of a phase it does not take part in
                targets = (host,) if host in need_hosts else need_hosts
            else:
                targets = need_hosts
            for target in targets:
                outcome = self.outcome(need, target)
                if outcome in (Outcome.FAILED, Outcome.SKIPPED):
                    return f"{need} {outcome.value} on {target}"
        return None

    @property
    def failed(self) -> list[Entry]:
        return [e for e in self.entries if e.outcome is Outcome.FAILED]

    @property
    def changed(self) -> int:
        return sum(e.outcome is Outcome.CHANGED for e in self.entries)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": not self.failed,
            "changed": self.changed,
            "results": [
                {
                    "phase": e.phase,
                    "host": e.host,
                    "outcome": e.outcome.value,
                    "detail": e.detail,
                    "diff": e.diff,
                }
                for e in self.entries
            ],
        }
