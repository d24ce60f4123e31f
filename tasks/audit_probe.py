"""Live probe from one client: N bounded HTTP requests per LB address.

Two ways to reach a client, one command (bgplb.audit.probe.probe_command) and one reading:

- "ssh" (a real site): netmiko's send_command over the client's SSH login, one target after
  the other on the one channel;
- "lab" (the twin, whose clients are network namespaces without a login): the same shell
  command run as `ip netns exec bgplab-<client> sh -c ...` on this machine (root), the
  targets in parallel. Registered as the Nornir connection `lab_netns`.
"""

from __future__ import annotations

import logging
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from nornir.core.configuration import Config
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.task import Result, Task
from nornir_netmiko.tasks import netmiko_send_command

from bgplb.audit.observations import ProbeObservation, ProbeResult
from bgplb.audit.probe import ProbeTarget, parse_probe, probe_command

Transport = Literal["ssh", "lab"]
LAB_CONNECTION = "lab_netns"
LAB_NS_PREFIX = "bgplab-"
NETNS_DIR = Path("/run/netns")
MAX_PARALLEL = 16


class LabShell:
    """A client namespace of the twin as a shell: `send_command` runs `sh -c` inside it."""

    def __init__(self, namespace: str) -> None:
        if not namespace.startswith(LAB_NS_PREFIX):
            raise ValueError(f"refusing namespace {namespace!r} (not {LAB_NS_PREFIX}*)")
        if not (NETNS_DIR / namespace).exists():
            raise ConnectionError(f"network namespace {namespace} does not exist (lab down?)")
        self.namespace = namespace

    def send_command(self, command_string: str, read_timeout: float = 60.0, **_: Any) -> str:
        argv = ["ip", "netns", "exec", self.namespace, "sh", "-c", command_string]
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=read_timeout, check=False
        )
        if done.returncode != 0 and not done.stdout:
            raise RuntimeError(f"{self.namespace}: {done.stderr.strip()[:300]}")
        return done.stdout


class LabNetnsConnection:
    """Nornir connection plugin `lab_netns`: the host's namespace `bgplab-<host name>`."""

    def __init__(self) -> None:
        self._shell: LabShell | None = None

    def open(
        self,
        hostname: str | None,
        username: str | None,
        password: str | None,
        port: int | None,
        platform: str | None,
        extras: dict[str, Any] | None = None,
        configuration: Config | None = None,
    ) -> None:
        _ = (hostname, username, password, port, platform, configuration)  # not needed here
        name = (extras or {}).get("host_name")
        if not isinstance(name, str):
            raise ValueError("lab_netns: extras.host_name (the inventory name) is required")
        self._shell = LabShell(LAB_NS_PREFIX + name)

    def close(self) -> None:
        self._shell = None

    @property
    def connection(self) -> LabShell:
        if self._shell is None:
            raise ConnectionError("lab_netns: not open")
        return self._shell


def register_lab_connection() -> None:
    if LAB_CONNECTION not in ConnectionPluginRegister.available:
        ConnectionPluginRegister.register(LAB_CONNECTION, LabNetnsConnection)


register_lab_connection()


def _lab_shell(task: Task) -> Any:
    """The host's lab_netns connection (opened with its inventory name on first use)."""
    host = task.host
    if LAB_CONNECTION not in host.connections:
        host.open_connection(
            LAB_CONNECTION,
            task.nornir.config,
            extras={"host_name": host.name},
            default_to_host_attributes=True,
        )
    return host.get_connection(LAB_CONNECTION, task.nornir.config)


def audit_probe(
    task: Task,
    targets: list[ProbeTarget],
    requests: int,
    timeout_s: float = 2.0,
    transport: Transport = "ssh",
) -> Result:
    """Nornir task (clients): one shell loop of `curl -m` per target, read by parse_probe."""
    read_timeout = requests * timeout_s + 10
    results: list[ProbeResult]
    if transport == "lab":
        shell = _lab_shell(task)

        def one(target: ProbeTarget) -> ProbeResult:
            text = shell.send_command(
                probe_command(target, requests, timeout_s), read_timeout=read_timeout
            )
            return parse_probe(target, requests, str(text))

        with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL, len(targets)))) as pool:
            results = list(pool.map(one, targets))
    else:
        results = []
        for target in targets:
            answer = task.run(
                task=netmiko_send_command,
                command_string=probe_command(target, requests, timeout_s),
                read_timeout=read_timeout,
                severity_level=logging.DEBUG,
            )
            results.append(parse_probe(target, requests, str(answer.result)))
    return Result(host=task.host, result=ProbeObservation(task.host.name, tuple(results)))
