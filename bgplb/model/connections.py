"""A host's Nornir connections as the model sees them: which ones it names, and its shell.

Nornir resolves `connection_options` per connection name over the host, its groups (in
order) and the defaults. A host's *shell* (the connection its plain commands go through, e.g.
the audit's probe) is `netmiko`, unless its inventory names exactly one other connection
plugin (one registered through the `nornir.plugins.connections` entry point), which is then
used instead: the inventory chooses the transport, the tasks never branch on it.
"""

from __future__ import annotations

from bgplb.model.raw import RawInventory, ancestors

NETMIKO = "netmiko"
NAPALM = "napalm"
BUILTIN = (NETMIKO, NAPALM)


def connection_names(inv: RawInventory, host: str) -> list[str]:
    """Every connection name the host's connection_options mention (host, groups, defaults)."""
    entry = inv.hosts[host]
    layers = [entry, *(inv.groups[g] for g in ancestors(inv, entry.groups, ()))]
    names: list[str] = []
    for options in [*(e.connection_options for e in layers), inv.defaults.connection_options]:
        names += [name for name in options if name not in names]
    return names


def shell_connection(names: list[str]) -> str:
    """The connection a host's shell commands use (validation refuses more than one plugin)."""
    plugins = [n for n in names if n not in BUILTIN]
    return plugins[0] if plugins else NETMIKO
