"""Nornir built from a validated site: secrets injected from the environment, hosts limited."""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions, Host

from bgplb.cli import NORNIR_CONFIG
from bgplb.errors import InputError
from bgplb.model import Site
from bgplb.model.site import Login


def _password(site: Site, env_name: str) -> str | None:
    """From the environment; for a twin, else from the password file the lab generated."""
    value = os.environ.get(env_name)
    if not value and site.lab and site.lab.password_file.is_file():
        value = site.lab.password_file.read_text().strip()
    return value or None


def _apply_login(site: Site, host: Host, login: Login) -> None:
    known_hosts = site.lab.known_hosts if site.lab else None
    creds = login.credentials
    if creds.password_env:
        value = _password(site, creds.password_env)
        if not value:
            raise InputError(
                f"host {host.name}: environment variable {creds.password_env} "
                "(data.credentials.password_env) is not set"
            )
        host.password = value
    netmiko_extras: dict[str, Any] = {"ssh_strict": True, "fast_cli": True}
    napalm_args: dict[str, Any] = {"ssh_strict": True}
    if known_hosts is not None:
        netmiko_extras |= {
            "system_host_keys": False,
            "alt_host_keys": True,
            "alt_key_file": str(known_hosts),
        }
        napalm_args |= {"alt_host_keys": True, "alt_key_file": str(known_hosts)}
    else:
        netmiko_extras["system_host_keys"] = True
    if creds.ssh_key:
        key = str(creds.ssh_key.expanduser())
        netmiko_extras |= {"use_keys": True, "key_file": key}
        napalm_args |= {"key_file": key}
    netmiko = host.connection_options.get("netmiko") or ConnectionOptions()
    netmiko.extras = {**(netmiko.extras or {}), **netmiko_extras}
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
            _apply_login(site, host, login)
    router = nr.inventory.hosts.get(site.router.name)
    if router is not None:
        # the driver then knows the dialect without asking `show version`
        napalm = router.connection_options["napalm"]
        napalm.extras["optional_args"]["vyos_version"] = site.router.vyos_version  # type: ignore[index]
    return nr
