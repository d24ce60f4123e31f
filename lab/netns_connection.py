"""Nornir connection plugin `lab_netns`: a twin host's network namespace used as its shell.

The twin's clients are network namespaces without a login. An inventory selects this plugin
for them like any other Nornir connection (inventory/lab/groups.yaml:
`clients: connection_options: {lab_netns: {}}`); pyproject.toml registers it through the entry
point group `nornir.plugins.connections`, which InitNornir loads. Product code never names it:
the model (bgplb/model/connections.py) picks a host's shell connection from its inventory.

`open` finds the twin namespace (lab.topology.PREFIX) that holds the host's address, and
nothing else: a host outside the twin has no such namespace and fails to open. The
connection's `send_command` runs `sh -c COMMAND` inside it on this machine (root needed), like
netmiko's over SSH; it may be called from several threads at once (`concurrent_commands`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from ipaddress import IPv4Address, ip_address
from typing import Any

from nornir.core.configuration import Config

from lab import netns
from lab.topology import PREFIX

CONNECTION_NAME = "lab_netns"


class NamespaceShell:
    """One twin namespace as a shell: `send_command` runs `sh -c` inside it."""

    concurrent_commands = True  # every command is its own process: callers may run several

    def __init__(self, namespace: str) -> None:
        if not namespace.startswith(PREFIX):
            raise ValueError(f"refusing namespace {namespace!r} (not {PREFIX}*)")
        self.namespace = namespace

    def send_command(self, command_string: str, read_timeout: float = 60.0, **_: Any) -> str:
        argv = netns.exec_argv(self.namespace, ["sh", "-c", command_string])
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=read_timeout, check=False
        )
        if done.returncode != 0 and not done.stdout:
            raise RuntimeError(f"{self.namespace}: {done.stderr.strip()[:300]}")
        return done.stdout


def addresses_in(namespace: str) -> set[IPv4Address]:
    """The IPv4 addresses configured inside one namespace (`ip -j -n NS -4 addr`)."""
    found: set[IPv4Address] = set()
    for link in netns.ip_json(namespace, ["-4", "addr", "show"]):
        infos = link.get("addr_info")
        for info in infos if isinstance(infos, list) else []:
            local = info.get("local") if isinstance(info, dict) else None
            if isinstance(local, str):
                found.add(IPv4Address(local))
    return found


def namespace_of(
    address: IPv4Address,
    namespaces: Iterable[str],
    addresses_of: Callable[[str], set[IPv4Address]] = addresses_in,
) -> str:
    """The twin namespace holding `address`; only names with the twin's prefix are looked at."""
    twin = sorted(ns for ns in namespaces if ns.startswith(PREFIX))
    for ns in twin:
        if address in addresses_of(ns):
            return ns
    raise ConnectionError(
        f"{CONNECTION_NAME}: no twin namespace ({PREFIX}*) holds {address} (twin down?)"
    )


class LabNetnsConnection:
    """The Nornir plugin: `open(hostname=...)` binds to the namespace holding that address."""

    def __init__(self) -> None:
        self._shell: NamespaceShell | None = None

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
        _ = (username, password, port, platform, extras, configuration)  # a namespace has none
        if hostname is None:
            raise ValueError(f"{CONNECTION_NAME}: the host has no hostname (its address)")
        address = ip_address(hostname)
        if not isinstance(address, IPv4Address):
            raise ValueError(f"{CONNECTION_NAME}: {hostname} is not an IPv4 address")
        self._shell = NamespaceShell(namespace_of(address, netns.list_namespaces(), addresses_in))

    def close(self) -> None:
        self._shell = None

    @property
    def connection(self) -> NamespaceShell:
        if self._shell is None:
            raise ConnectionError(f"{CONNECTION_NAME}: not open")
        return self._shell
