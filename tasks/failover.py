"""The failover drill's I/O: a node's link cut and restored, clients sampling an LB address,
the router's next hops for it. Each is one kind of I/O; the commands and their reading are in
bgplb.failover.drill.

The node's commands go through the connection the drill is told to use (`--cut-via`, default
the node's shell from its inventory): any Nornir connection with netmiko's `send_command`.
"""

from __future__ import annotations

import time
from ipaddress import IPv4Address
from typing import Any

from nornir.core.task import Result, Task

from bgplb.errors import DeviceError, ParseError
from bgplb.failover.drill import (
    NodeLink,
    cut_command,
    interface_command,
    parse_interface,
    parse_samples,
    restore_command,
    sample_command,
)
from bgplb.model import Site

SHELL = "shell"  # --cut-via default: the host's shell connection from its inventory


def _shell(task: Task, site: Site, via: str) -> Any:
    name = site.logins[task.host.name].shell if via == SHELL else via
    return task.host.get_connection(name, task.nornir.config)


def node_interface(task: Task, site: Site, via: str = SHELL) -> Result:
    """The interface holding the node's inventory address, and the routes through it."""
    address = site.node(task.host.name).address
    text = str(_shell(task, site, via).send_command(interface_command(address), read_timeout=30))
    return Result(host=task.host, result=parse_interface(text, address))


def cut_link(task: Task, site: Site, link: NodeLink, seconds: float, via: str = SHELL) -> Result:
    """The node's link down now, up again by itself after `seconds` (a safety net)."""
    text = str(_shell(task, site, via).send_command(cut_command(link, seconds), read_timeout=30))
    if "CUT" not in text:
        raise DeviceError(f"{task.host.name}: the link cut was refused: {text.strip()[:300]}")
    return Result(host=task.host, changed=True, result=link.interface)


def restore_link(task: Task, site: Site, link: NodeLink, via: str = SHELL) -> Result:
    text = str(_shell(task, site, via).send_command(restore_command(link), read_timeout=30))
    if "RESTORED" not in text:
        raise DeviceError(f"{task.host.name}: the link restore failed: {text.strip()[:300]}")
    return Result(host=task.host, changed=True, result=link.interface)


def client_samples(
    task: Task, site: Site, address: IPv4Address, port: int, duration_s: float
) -> Result:
    """Nornir task (clients): requests one after the other for `duration_s`, read back."""
    shell = _shell(task, site, SHELL)
    command = sample_command(address, port, duration_s)
    text = str(shell.send_command(command, read_timeout=duration_s + 30))
    return Result(host=task.host, result=parse_samples(text))


READ_ATTEMPTS = 3  # reads of one converging route (zebra and bgpd asked one after the other)


def router_next_hops(device: Any, address: IPv4Address) -> set[IPv4Address]:
    """The next hops the router's FIB uses for address/32 (NAPALM get_route_to).

    While a path is being withdrawn, zebra and bgpd (read one after the other) can disagree
    for a moment; the driver calls that a ParseError. The read is tried again, at most
    READ_ATTEMPTS times, 0.2 s apart; a disagreement that lasts is still the ParseError."""
    for attempt in range(READ_ATTEMPTS):
        try:
            routes = device.get_route_to(destination=f"{address}/32", protocol="bgp")
            break
        except ParseError:
            if attempt == READ_ATTEMPTS - 1:
                raise
            time.sleep(0.2)
    return {
        IPv4Address(e["next_hop"])
        for entries in routes.values()
        for e in entries
        if e.get("next_hop") and e.get("selected_next_hop") and e.get("current_active")
    }
