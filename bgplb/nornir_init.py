"""Nornir built from a validated site: secrets injected from the environment, host keys from
the user's OpenSSH known_hosts, hosts limited. One path for every site, the twin included."""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions, Host

from bgplb.cli import NORNIR_CONFIG
from bgplb.model import Site
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
    nr = InitNornir(config_file=str(NORNIR_CONFIG), **kwargs)
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
