"""A NAPALM-shaped stand-in for a VyOS router holding `set` lines, for task logic tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _key(line: str) -> str:
    """A valued leaf ('... remote-as '64500'') is keyed without its value; others as is."""
    return line.rsplit(" ", 1)[0] if line.endswith("'") else line


@dataclass
class FakeVyos:
    running: list[str]
    peers: list[str]
    sessions_break_on_commit: bool = False
    candidate: list[str] | None = None
    pending: list[str] | None = None  # previous config while a commit-confirm is pending
    calls: list[str] = field(default_factory=list)
    up: bool = True

    def get_config(self, retrieve: str = "all") -> dict[str, str]:
        self.calls.append("get_config")
        text = "".join(f"set {line}\n" for line in sorted(self.running))
        return {"running": text, "candidate": "", "startup": ""}

    def load_merge_candidate(self, config: str) -> None:
        self.calls.append("load_merge_candidate")
        lines = list(self.running)
        for raw in config.splitlines():
            if raw.startswith("set "):
                new = raw.removeprefix("set ")
                lines = [x for x in lines if _key(x) != _key(new)] + [new]
            elif raw.startswith("delete "):
                gone = raw.removeprefix("delete ")
                lines = [x for x in lines if not (x == gone or x.startswith(gone + " "))]
        self.candidate = lines

    def compare_config(self) -> str:
        assert self.candidate is not None
        removed = sorted(set(self.running) - set(self.candidate))
        added = sorted(set(self.candidate) - set(self.running))
        return "\n".join([*(f"-{x}" for x in removed), *(f"+{x}" for x in added)])

    def discard_config(self) -> None:
        self.calls.append("discard_config")
        self.candidate = None

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        self.calls.append(f"commit_config revert_in={revert_in}")
        assert self.candidate is not None
        self.pending = self.running
        self.running = self.candidate
        self.candidate = None
        if self.sessions_break_on_commit:
            self.up = False

    def confirm_commit(self) -> None:
        self.calls.append("confirm_commit")
        self.pending = None

    def rollback(self) -> None:
        self.calls.append("rollback")
        assert self.pending is not None
        self.running, self.pending, self.up = self.pending, None, True

    def confirm_pending_commit(self) -> bool:
        """`confirm` whoever committed: whether the router had a confirm pending."""
        self.calls.append("confirm_pending_commit")
        was, self.pending = self.pending is not None, None
        return was

    def rollback_pending_commit(self, source: str) -> bool:
        self.calls.append("rollback_pending_commit")
        self.running = [x.removeprefix("set ") for x in source.splitlines() if x.strip()]
        was, self.pending, self.up = self.pending is not None, None, True
        return was

    def get_bgp_neighbors(self) -> dict[str, Any]:
        self.calls.append("get_bgp_neighbors")
        peers = {p: {"is_up": self.up, "is_enabled": True} for p in self.peers}
        return {"global": {"router_id": "", "peers": peers}}
