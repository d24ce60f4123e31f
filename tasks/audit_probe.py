"""Live probe from one client: N bounded HTTP requests per LB address, over SSH (netmiko)."""

from __future__ import annotations

import logging

from nornir.core.task import Result, Task
from nornir_netmiko.tasks import netmiko_send_command

from bgplb.audit.observations import ProbeObservation
from bgplb.audit.probe import ProbeTarget, parse_probe, probe_command


def audit_probe(
    task: Task, targets: list[ProbeTarget], requests: int, timeout_s: float = 2.0
) -> Result:
    """Nornir task (clients): one shell loop of `curl -m` per target, read by parse_probe."""
    results = []
    for target in targets:
        answer = task.run(
            task=netmiko_send_command,
            command_string=probe_command(target, requests, timeout_s),
            read_timeout=requests * timeout_s + 10,
            severity_level=logging.DEBUG,
        )
        results.append(parse_probe(target, requests, str(answer.result)))
    return Result(host=task.host, result=ProbeObservation(task.host.name, tuple(results)))
