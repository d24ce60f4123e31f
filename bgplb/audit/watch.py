"""`--watch`: what changed between two rounds of the audit (pure), and how a round is shown.

A finding is known by its check and object ("announcers", "198.18.100.10 (default/web)"); a
change is a finding that appeared, went away, or whose severity or actual value moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table

from bgplb.audit.findings import Finding
from bgplb.audit.outcome import Outcome
from bgplb.audit.report import STYLE, summary_line
from bgplb.terminal import markup_safe as escape

Key = tuple[str, str]


@dataclass(frozen=True)
class Change:
    check: str
    object: str
    before: Finding | None  # None: new this round
    after: Finding | None  # None: gone this round

    @property
    def text(self) -> str:
        """One plain line: `announcers 198.18.100.10: pass -> error (router multipath: ...)`."""
        return f"{self.check} {self.object}: {_state(self.before)} -> {_state(self.after)}"


def _state(f: Finding | None) -> str:
    if f is None:
        return "(none)"
    return f"{f.severity.value} ({f.actual})" if f.actual else f.severity.value


def _by_key(findings: Sequence[Finding]) -> dict[Key, Finding]:
    out: dict[Key, Finding] = {}
    for f in findings:
        out.setdefault((f.check, f.object), f)
    return out


def changes(before: Sequence[Finding], after: Sequence[Finding]) -> list[Change]:
    """Findings that appeared, went away or changed severity or actual value, in the order
    of `after` (then the ones gone, in the order of `before`)."""
    old, new = _by_key(before), _by_key(after)
    out = []
    for key, f in new.items():
        prev = old.get(key)
        if prev is None or (prev.severity, prev.actual) != (f.severity, f.actual):
            out.append(Change(key[0], key[1], prev, f))
    out += [Change(key[0], key[1], f, None) for key, f in old.items() if key not in new]
    return out


def round_line(number: int, clock: str, outcome: Outcome, seconds: float) -> str:
    """The plain header of one round: `round 3 12:00:01 (0.42 s): audit passed: ...`."""
    summary = summary_line(outcome).replace("[bold green]", "").replace("[bold red]", "")
    return f"round {number} {clock} ({seconds:.2f} s): {summary.replace('[/]', '')}"


def live_view(
    number: int,
    clock: str,
    outcome: Outcome,
    seconds: float,
    latest: Sequence[Change],
    changed_in: int,
) -> RenderableType:
    """The rich view of a watch: this round's summary, and the changes of the last round
    that changed anything (`changed_in`), each with its before and after."""
    head = (
        f"[bold]round {number}[/] {clock} ({seconds:.2f} s): {summary_line(outcome)}"
        f"\n[dim]changes in round {changed_in}[/]"
        if latest
        else f"[bold]round {number}[/] {clock} ({seconds:.2f} s): {summary_line(outcome)}"
        "\n[dim]no change since the first round[/]"
    )
    if not latest:
        return head
    table = Table()
    for col in ("check", "object", "before", "after"):
        table.add_column(col, overflow="fold")
    for c in latest:
        table.add_row(escape(c.check), escape(c.object), _cell(c.before), _cell(c.after))
    return Group(head, table)


def _cell(f: Finding | None) -> str:
    if f is None:
        return "[dim](none)[/]"
    actual = f" {escape(f.actual)}" if f.actual else ""
    return f"[{STYLE[f.severity]}]{f.severity.value}[/]{actual}"
