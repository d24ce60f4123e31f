"""Live probe from one client: N bounded HTTP requests per LB address.

One command (bgplb.audit.probe.probe_command) and one reading, sent through the client's shell
connection: the Nornir connection its inventory chooses (Login.shell, bgplb/model/connections.py),
`netmiko` over the client's SSH login unless the inventory names another connection plugin.
A connection whose shell says `concurrent_commands` (each command its own process) gets the
targets in parallel; otherwise they go one after the other on the one channel.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from nornir.core.task import Result, Task

from bgplb.audit.observations import ProbeObservation, ProbeResult
from bgplb.audit.probe import ProbeTarget, parse_probe, probe_command
from bgplb.model import Site

MAX_PARALLEL = 16


def audit_probe(
    task: Task,
    site: Site,
    targets: list[ProbeTarget],
    requests: int,
    timeout_s: float = 2.0,
) -> Result:
    """Nornir task (clients): one shell loop of `curl -m` per target, read by parse_probe."""
    read_timeout = requests * timeout_s + 10
    shell: Any = task.host.get_connection(site.logins[task.host.name].shell, task.nornir.config)

    def one(target: ProbeTarget) -> ProbeResult:
        command = probe_command(target, requests, timeout_s)
        text = shell.send_command(command, read_timeout=read_timeout)
        return parse_probe(target, requests, str(text))

    results: list[ProbeResult]
    if getattr(shell, "concurrent_commands", False) and len(targets) > 1:
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(targets))) as pool:
            results = list(pool.map(one, targets))
    else:
        results = [one(target) for target in targets]
    return Result(host=task.host, result=ProbeObservation(task.host.name, tuple(results)))
