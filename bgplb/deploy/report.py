"""The deploy's final table (host x phase) and its failure list, rendered with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bgplb.deploy.ledger import Ledger, Outcome
from bgplb.terminal import markup_safe, text

MARK = {
    Outcome.OK: "[green]ok[/]",
    Outcome.CHANGED: "[yellow]changed[/]",
    Outcome.FAILED: "[bold red]failed[/]",
    Outcome.SKIPPED: "[dim]skipped[/]",
}


def render_ledger(ledger: Ledger, phases: tuple[str, ...], console: Console, dry_run: bool) -> None:
    hosts = list(dict.fromkeys(e.host for e in ledger.entries))
    table = Table(title="deploy" + (" (dry run: nothing changed)" if dry_run else ""))
    table.add_column("host")
    for name in phases:
        table.add_column(name)
    for host in hosts:
        cells = []
        for name in phases:
            outcome = ledger.outcome(name, host)
            cells.append(MARK[outcome] if outcome else "")
        table.add_row(text(host), *cells)
    # not on a terminal (a log, a pipe: 80 columns) the table keeps its natural width rather
    # than cutting host names to "worke…"
    width = console.width
    if not console.is_terminal:
        natural = console.measure(table, options=console.options.update(max_width=1000))
        console.width = max(width, natural.maximum)
    try:
        console.print(table)
    finally:
        console.width = width
    if dry_run:
        for e in ledger.entries:
            if e.diff:
                console.rule(markup_safe(f"{e.host}: {e.phase} would change"))
                console.print(text(e.diff), highlight=False)
    for e in ledger.entries:
        if e.outcome in (Outcome.FAILED, Outcome.SKIPPED) and e.detail:
            colour = "red" if e.outcome is Outcome.FAILED else "dim"
            console.print(
                f"[{colour}]{markup_safe(e.host)}: {e.phase} {e.outcome.value}[/]: "
                f"{markup_safe(e.detail)}",
                highlight=False,
            )
    verb = "would change" if dry_run else "changed"
    status = "[bold red]FAILED[/]" if ledger.failed else "[bold green]OK[/]"
    console.print(
        f"{status}: {ledger.changed} {verb}, {len(ledger.failed)} failed, "
        f"{sum(e.outcome is Outcome.SKIPPED for e in ledger.entries)} skipped"
    )
