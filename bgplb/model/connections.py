"""A host's Nornir connections in the model: which ones it names, its shell, and the
validation of every `connection_options` entry (hosts, groups, defaults).

Nornir resolves `connection_options` per connection name over the host, its groups (in
order) and the defaults. A host's *shell* (the connection its plain commands go through, e.g.
the audit's probe) is `netmiko`, unless its inventory names exactly one other connection
plugin (one registered through the `nornir.plugins.connections` entry point), which is then
used instead: the inventory chooses the transport, the tasks never branch on it.

Only known keys are accepted. Options that weaken safety are refused unless the site allows
them for one host, with a reason, in `data.site.unsafe_connection_options`; every allowance
is then reported as a warning on every run (`UNSAFE` in front):

- `host_key_policy`: `ssh_strict: false`, `system_host_keys: false`, `alt_host_keys`,
  `alt_key_file`, `known_hosts` (the toolkit trusts only ~/.ssh/known_hosts, strictly);
- `ssh_config_file`: an OpenSSH config may hold ProxyCommand/ProxyJump (a local command, or
  another route to the host) and HostName (another address);
- `session_log`: a transcript of the session, passwords typed into it included.

An unsafe option is accepted only on a host entry (hosts.yaml), never for a whole group. On a
twin (`lab:`), every address a connection can use stays in 198.18.0.0/15 (or on loopback, which
never leaves the machine): connection hostname overrides and the API server override; an
`ssh_config_file` is refused there outright.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata
from ipaddress import IPv4Address, ip_address
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bgplb.model.checks import LAB_NET
from bgplb.model.problems import Problem, Severity
from bgplb.model.raw import RawInventory, ancestors

if TYPE_CHECKING:
    from bgplb.model.specs import SiteSpec

NETMIKO = "netmiko"
NAPALM = "napalm"
BUILTIN = (NETMIKO, NAPALM)
ENTRY_POINT_GROUP = "nornir.plugins.connections"
UNSAFE = "UNSAFE"  # the first word of an allowance's warning: runbooks print those on every run
TWIN_NET = str(LAB_NET)

# Nornir's ConnectionOptions fields (a password is an inline secret: refused elsewhere)
FIELDS = ("hostname", "port", "username", "platform", "extras")
# netmiko ConnectHandler arguments that change nothing about trust
SAFE_SSH = frozenset(
    {
        "auth_timeout",
        "banner_timeout",
        "blocking_timeout",
        "conn_timeout",
        "fast_cli",
        "global_cmd_verify",
        "global_delay_factor",
        "keepalive",
        "key_file",
        "read_timeout_override",
        "session_timeout",
        "timeout",
        "use_keys",
    }
)
HOST_KEY = frozenset(
    {"ssh_strict", "system_host_keys", "alt_host_keys", "alt_key_file", "known_hosts"}
)
STRICT_DEFAULTS = {"ssh_strict": True, "system_host_keys": True}  # setting these is a no-op
GUARDED = {
    "ssh_config_file": "ssh_config_file",
    "session_log": "session_log",
    "session_log_file_mode": "session_log",
    "session_log_record_writes": "session_log",
}
NETMIKO_EXTRAS = SAFE_SSH | HOST_KEY | frozenset(GUARDED)
NAPALM_EXTRAS = frozenset({"optional_args", "timeout"})
NAPALM_OPTIONAL_ARGS = NETMIKO_EXTRAS | {"port"}


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


def registered_plugins() -> set[str]:
    """Connection plugins installed through Nornir's entry point (what InitNornir registers)."""
    return {ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)} | set(BUILTIN)


def unsafe_option(key: str, value: object) -> str | None:
    """The allowance an option needs (None: safe)."""
    if key in HOST_KEY:
        return None if STRICT_DEFAULTS.get(key) is True and value is True else "host_key_policy"
    return GUARDED.get(key)


class _Checker:
    def __init__(self, inv: RawInventory, spec: SiteSpec | None) -> None:
        self.inv = inv
        self.twin = spec is not None and spec.lab is not None
        self.allowed: dict[tuple[str, str], int] = {}
        self.problems: list[Problem] = []
        self.plugins = registered_plugins()
        self.defaults_file = inv.file("defaults.yaml")
        for i, allowance in enumerate(spec.unsafe_connection_options if spec else []):
            key = f"data.site.unsafe_connection_options[{i}]"
            if allowance.host not in inv.hosts:
                self.error(self.defaults_file, "defaults", f"{key}.host", "unknown host")
            self.allowed[(allowance.host, allowance.option)] = i

    def error(self, file: str, obj: str, key: str, message: str) -> None:
        self.problems.append(Problem(file, obj, key, message))

    def entry(self, file: str, obj: str, host: str | None, options: Mapping[str, object]) -> None:
        for conn, body in options.items():
            key = f"connection_options.{conn}"
            if conn not in self.plugins:
                known = ", ".join(sorted(self.plugins))
                self.error(
                    file,
                    obj,
                    key,
                    f"unknown Nornir connection plugin (registered: {known}; a plugin is "
                    f"registered through the {ENTRY_POINT_GROUP} entry point of its package: "
                    "re-install it)",
                )
                continue
            if not isinstance(body, Mapping):
                self.error(file, obj, key, "must be a mapping of Nornir connection options")
                continue
            for field, value in body.items():
                if field not in FIELDS:
                    self.error(
                        file, obj, f"{key}.{field}", f"unknown key (known: {', '.join(FIELDS)})"
                    )
                elif field == "hostname":
                    self.address(file, obj, f"{key}.hostname", value)
                elif field == "extras":
                    self.extras(file, obj, host, conn, value)

    def address(self, file: str, obj: str, key: str, value: object) -> None:
        try:
            address = ip_address(str(value))
        except ValueError:
            self.error(file, obj, key, f"must be an IPv4 address (got {str(value)[:60]!r})")
            return
        if not isinstance(address, IPv4Address):
            self.error(file, obj, key, "must be an IPv4 address")
        elif self.twin and address not in LAB_NET and not address.is_loopback:
            self.error(
                file,
                obj,
                key,
                f"{address} is outside {TWIN_NET} (and not loopback): not allowed in a twin",
            )

    def extras(self, file: str, obj: str, host: str | None, conn: str, value: object) -> None:
        key = f"connection_options.{conn}.extras"
        if not isinstance(value, Mapping):
            self.error(file, obj, key, "must be a mapping")
            return
        if conn == NAPALM:
            for name in value:
                if name not in NAPALM_EXTRAS:
                    shown = ", ".join(sorted(NAPALM_EXTRAS))
                    self.error(file, obj, f"{key}.{name}", f"unknown key (known: {shown})")
            args = value.get("optional_args", {})
            if not isinstance(args, Mapping):
                self.error(file, obj, f"{key}.optional_args", "must be a mapping")
                return
            self.options(file, obj, host, f"{key}.optional_args", args, NAPALM_OPTIONAL_ARGS)
        elif conn == NETMIKO:
            self.options(file, obj, host, key, value, NETMIKO_EXTRAS)
        else:
            for name in value:
                self.error(file, obj, f"{key}.{name}", f"unknown key ({conn} takes no extras)")

    def options(
        self,
        file: str,
        obj: str,
        host: str | None,
        key: str,
        values: Mapping[str, object],
        known: frozenset[str],
    ) -> None:
        for name, value in values.items():
            where = f"{key}.{name}"
            if name not in known:
                shown = ", ".join(sorted(known))
                self.error(file, obj, where, f"unknown connection option (known: {shown})")
                continue
            needs = unsafe_option(name, value)
            if needs is None:
                continue
            if self.twin and needs == "ssh_config_file":
                self.error(
                    file,
                    obj,
                    where,
                    "refused on a twin: an ssh_config may send the "
                    "connection anywhere (HostName, ProxyCommand, ProxyJump)",
                )
            elif host is None:
                self.error(
                    file,
                    obj,
                    where,
                    f"weakens safety ({needs}): allowed only on a host "
                    "entry in hosts.yaml, with data.site.unsafe_connection_options",
                )
            elif (host, needs) not in self.allowed:
                self.error(
                    file,
                    obj,
                    where,
                    f"weakens safety ({needs}): refused unless data.site."
                    f"unsafe_connection_options allows it: {{host: {host}, option: {needs}, "
                    "reason: ...}",
                )
            else:
                index = self.allowed[(host, needs)]
                self.problems.append(
                    Problem(
                        self.defaults_file,
                        "defaults",
                        f"data.site.unsafe_connection_options[{index}]",
                        f"{UNSAFE}: host {host}: {where} = {str(value)[:80]!r} ({needs}) is "
                        "allowed for this host",
                        Severity.WARNING,
                    )
                )


def check_connections(inv: RawInventory, spec: SiteSpec | None) -> list[Problem]:
    """Every connection_options entry validated; allowances reported as UNSAFE warnings."""
    checker = _Checker(inv, spec)
    for name, entry in inv.hosts.items():
        checker.entry(inv.file("hosts.yaml"), f"host {name}", name, entry.connection_options)
        plugins = [n for n in connection_names(inv, name) if n not in BUILTIN]
        if len(plugins) > 1:
            checker.error(
                inv.file("hosts.yaml"),
                f"host {name}",
                "connection_options",
                f"names {len(plugins)} connection plugins ({', '.join(plugins)}): its shell "
                "must be one",
            )
    for name, entry in inv.groups.items():
        checker.entry(inv.file("groups.yaml"), f"group {name}", None, entry.connection_options)
    defaults = inv.defaults.connection_options
    checker.entry(inv.file("defaults.yaml"), "defaults", None, defaults)
    if checker.twin and spec is not None and spec.kubernetes.api_server_override:
        override = spec.kubernetes.api_server_override
        text = override if "://" in override else f"https://{override}"
        checker.address(
            checker.defaults_file,
            "defaults",
            "data.site.kubernetes.api_server_override",
            urlsplit(text).hostname or override,
        )
    return checker.problems
