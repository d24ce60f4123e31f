"""Nornir built from a validated site: secrets injected from the environment, host keys from
the user's OpenSSH known_hosts, hosts limited. One path for every site, the twin included.

Built as InitNornir builds it (config file, inventory and runner plugins, logging), except
that only the connection plugins a run can use are registered: `netmiko`, `napalm` and every
connection the selected hosts' inventory names (a host's shell), each loaded from its
`nornir.plugins.connections` entry point. InitNornir imports every installed plugin. The
NAPALM driver is imported here, in the main thread, with napalm's other vendor drivers left
unimported (napalm_bgplb_vyos/lazy_napalm.py).
"""

from __future__ import annotations

import os
from collections.abc import Collection
from importlib import metadata
from typing import Any

from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.inventory import ConnectionOptions, Host
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.state import GlobalState
from nornir.init_nornir import load_inventory, load_runner

import napalm_bgplb_vyos  # noqa: F401  (napalm made lazy before nornir_napalm imports it)
from bgplb.cli import NORNIR_CONFIG
from bgplb.errors import InputError
from bgplb.model import Site
from bgplb.model.connections import BUILTIN, ENTRY_POINT_GROUP
from bgplb.model.site import Login
from bgplb.secrets import env_secret

# One host-key policy for every SSH connection, netmiko's and the NAPALM driver's: strict, and
# the keys are the OpenSSH ones of the user running the toolkit (~/.ssh/known_hosts, which
# paramiko's load_system_host_keys reads). An inventory may change these only where
# validation allowed it (bgplb/model/connections.py); its values then win.
HOST_KEY_POLICY: dict[str, Any] = {"ssh_strict": True, "system_host_keys": True}


def _apply_login(host: Host, login: Login) -> None:
    creds = login.credentials
    if creds.password_env:
        # read through the secrets module: the value is masked everywhere from now on
        host.password = env_secret(
            os.environ,
            creds.password_env,
            f"host {host.name}: data.credentials.password_env",
        )
    netmiko_extras: dict[str, Any] = {**HOST_KEY_POLICY, "fast_cli": True}
    napalm_args: dict[str, Any] = dict(HOST_KEY_POLICY)
    if creds.ssh_key:
        key = str(creds.ssh_key.expanduser())
        netmiko_extras |= {"use_keys": True, "key_file": key}
        napalm_args |= {"key_file": key}
    netmiko = host.connection_options.get("netmiko") or ConnectionOptions()
    netmiko.extras = {**netmiko_extras, **(netmiko.extras or {})}
    host.connection_options["netmiko"] = netmiko
    napalm = host.connection_options.get("napalm") or ConnectionOptions()
    extras = dict(napalm.extras or {})
    extras["optional_args"] = {**napalm_args, **extras.get("optional_args", {})}
    napalm.extras = extras
    host.connection_options["napalm"] = napalm


def connections_for(site: Site, hosts: Collection[str]) -> set[str]:
    """The connection plugins a run over `hosts` can open: netmiko, napalm, the hosts' shells."""
    return set(BUILTIN) | {site.logins[h].shell for h in hosts if h in site.logins}


def register_connections(names: Collection[str]) -> None:
    """Register each named connection plugin from its entry point, importing only those."""
    missing = set(names) - set(ConnectionPluginRegister.available)
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name in missing:
            ConnectionPluginRegister.register(entry_point.name, entry_point.load())
            missing.discard(entry_point.name)
    if missing:
        raise InputError(f"unknown Nornir connection plugin(s): {', '.join(sorted(missing))}")


def init_nornir(site: Site, hosts: Collection[str], num_workers: int | None = None) -> Nornir:
    """Nornir over the site's inventory directory, filtered to `hosts`.

    Secrets come from the environment variables the inventory names; a missing one is an
    InputError raised before anything is contacted.
    """
    inv = site.inventory_dir
    options: dict[str, Any] = {
        "host_file": str(inv / "hosts.yaml"),
        "group_file": str(inv / "groups.yaml"),
        "defaults_file": str(inv / "defaults.yaml"),
    }
    kwargs: dict[str, Any] = {"inventory": {"plugin": "SimpleInventory", "options": options}}
    if num_workers:
        kwargs["runner"] = {"plugin": "threaded", "options": {"num_workers": num_workers}}
    register_connections(connections_for(site, hosts))
    config = Config.from_file(str(NORNIR_CONFIG), **kwargs)
    config.logging.configure()
    nr = Nornir(
        inventory=load_inventory(config),
        runner=load_runner(config),
        config=config,
        data=GlobalState(dry_run=False),
    )
    nr = nr.filter(filter_func=lambda h: h.name in hosts)
    for name, host in nr.inventory.hosts.items():
        login = site.logins.get(name)
        if login is not None:
            _apply_login(host, login)
    router = nr.inventory.hosts.get(site.router.name)
    if router is not None:
        # the driver then knows the dialect without asking `show version`
        napalm = router.connection_options["napalm"]
        napalm.extras["optional_args"]["vyos_version"] = site.router.vyos_version  # type: ignore[index]
    return nr
