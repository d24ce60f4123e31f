"""Live progress of a deploy: one bar per phase, a line per host as it finishes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from bgplb.deploy.ledger import Entry, Outcome
from bgplb.deploy.phases import PhaseTable
from bgplb.model import Site
from bgplb.terminal import text


class PhaseProgress:
    def __init__(
        self, progress: Progress, site: Site, table: PhaseTable, phases: tuple[str, ...]
    ) -> None:
        self.progress = progress
        self.bars: dict[str, TaskID] = {
            name: progress.add_task(name, total=len(table.hosts_of(site, name)) or 1)
            for name in phases
        }

    def __call__(self, entry: Entry) -> None:
        self.progress.advance(self.bars[entry.phase])
        detail = f": {entry.detail}" if entry.outcome in (Outcome.FAILED, Outcome.SKIPPED) else ""
        self.progress.console.print(
            text(f"{entry.phase:<13} {entry.host:<10} {entry.outcome.value}{detail}"),
            highlight=False,
        )


@contextmanager
def phase_progress(
    console: Console, site: Site, table: PhaseTable, phases: tuple[str, ...]
) -> Iterator[PhaseProgress]:
    columns = (TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield PhaseProgress(progress, site, table, phases)
