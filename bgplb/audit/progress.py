"""Progress while gathering: a Nornir processor that drives a rich Progress, one line per host."""

from __future__ import annotations

from nornir.core.inventory import Host
from nornir.core.task import AggregatedResult, MultiResult, Task
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

WHAT = {
    "audit_source": "gathering",
    "audit_probe": "probing from",
}


class GatherProgress:
    """Use as a context manager around the gather; pass it to Nornir as a processor."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._ids: dict[tuple[str, str], TaskID] = {}

    def __enter__(self) -> GatherProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def _label(self, task: Task, host: Host) -> str:
        return f"{WHAT.get(task.name, task.name)} {host.name}"

    def task_started(self, task: Task) -> None:
        pass

    def task_completed(self, task: Task, result: AggregatedResult) -> None:
        pass

    def task_instance_started(self, task: Task, host: Host) -> None:
        self._ids[(task.name, host.name)] = self.progress.add_task(self._label(task, host), total=1)

    def task_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        mark = "[red]failed[/]" if result.failed else "[green]done[/]"
        task_id = self._ids.get((task.name, host.name))
        if task_id is not None:
            self.progress.update(
                task_id, completed=1, description=f"{self._label(task, host)}: {mark}"
            )

    def subtask_instance_started(self, task: Task, host: Host) -> None:
        pass

    def subtask_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        pass
