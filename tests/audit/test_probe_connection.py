"""The probe goes through the client's shell connection, as the inventory chooses it (the
model's Login.shell): netmiko on a real site, the twin's `lab_netns` plugin on the twin; a
shell that allows concurrent commands gets the targets in parallel, others one by one."""

from __future__ import annotations

import dataclasses
import threading
from ipaddress import IPv4Address
from types import SimpleNamespace
from typing import Any

import pytest

from bgplb.audit.observations import ProbeObservation
from bgplb.audit.probe import ProbeTarget
from bgplb.model import Site
from tasks.audit_probe import audit_probe

from . import replay

TARGETS = [
    ProbeTarget(IPv4Address("198.18.100.10"), 80),
    ProbeTarget(IPv4Address("198.18.100.11"), 80),
]
ANSWER = '{"node": "worker01"}\n@@200\n' * 3


class Shell:
    def __init__(self, concurrent: bool, barrier: threading.Barrier | None = None) -> None:
        self.concurrent_commands = concurrent
        self.barrier = barrier
        self.active = 0
        self.most = 0
        self.lock = threading.Lock()

    def send_command(self, command_string: str, read_timeout: float = 60.0) -> str:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        if self.barrier is not None:
            self.barrier.wait()  # breaks (raises) unless both targets run at once
        with self.lock:
            self.active -= 1
        return ANSWER


def fake_task(host: str, shell: Any, opened: list[str]) -> Any:
    def get_connection(name: str, config: object) -> Any:
        opened.append(name)
        return shell

    return SimpleNamespace(
        host=SimpleNamespace(name=host, get_connection=get_connection),
        nornir=SimpleNamespace(config=None),
    )


def with_shell(site: Site, shell: str) -> Site:
    clients = tuple(
        dataclasses.replace(c, login=dataclasses.replace(c.login, shell=shell))
        for c in site.clients
    )
    return dataclasses.replace(site, clients=clients)


@pytest.mark.parametrize(("shell", "expected"), [(None, "lab_netns"), ("netmiko", "netmiko")])
def test_the_probe_uses_the_connection_the_inventory_chose(
    shell: str | None, expected: str
) -> None:
    site = replay.site_for("healthy")  # inventory/lab: clients select lab_netns
    site = with_shell(site, shell) if shell else site
    opened: list[str] = []
    result = audit_probe(fake_task("c01", Shell(False), opened), site, TARGETS, requests=3)
    assert opened == [expected]
    obs = result.result
    assert isinstance(obs, ProbeObservation) and [r.successes for r in obs.results] == [3, 3]


def test_a_concurrent_shell_gets_the_targets_in_parallel() -> None:
    shell = Shell(True, threading.Barrier(2, timeout=5))
    audit_probe(fake_task("c01", shell, []), replay.site_for("healthy"), TARGETS, requests=3)
    assert shell.most == 2


def test_an_ssh_channel_gets_them_one_by_one() -> None:
    shell = Shell(False)
    audit_probe(fake_task("c01", shell, []), replay.site_for("healthy"), TARGETS, requests=3)
    assert shell.most == 1
