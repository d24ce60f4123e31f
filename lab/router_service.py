"""The router's service process: site -> backend -> one shared RouterState -> SSH server.

On start the emulated router applies its active configuration (config.boot when saved,
else the write-up's router configuration rendered from the site) to FRR and the kernel,
then listens for SSH. Every session gets its own VyosShell over the shared state.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncssh

from bgplb.errors import LabError
from bgplb.model import Site, load_site
from lab.credentials import PASSWORD_ENV, router_password
from lab.instances import router_instance
from lab.router_backend import NamespaceRouterBackend
from lab.router_ssh import Auth, ShellLike, serve
from lab.state import LabPaths
from lab.vyos.config_tree import load_commands
from lab.vyos.frr_translate import translate
from lab.vyos.router_state import RouterState
from lab.vyos.schema import schema_for
from lab.vyos.versions import router_version
from lab.vyos.write_up import bgp_commands

CONFIRM_SECONDS_PER_MINUTE = float(os.environ.get("BGPLB_LAB_CONFIRM_SECONDS_PER_MINUTE", "60"))


def initial_commands(site: Site, *, bgp: bool) -> list[str]:
    """The write-up's router before anyone logs in: interfaces, host name, SSH, and (when
    `bgp`) the write-up's BGP configuration, typed by the twin in the emulated build's syntax."""
    lines = [
        f"set interfaces ethernet {i.name} address '{i.address}'" for i in site.router.interfaces
    ]
    lines += ["set interfaces loopback lo", "set service ssh"]
    lines.append(f"set system host-name '{site.router.name}'")
    lines.append("set system config-management commit-revisions '10'")  # the seed's router
    if bgp:
        lines += bgp_commands(site, router_version(site.router.vyos_version), os.environ)
    return lines


def boot_frr_config(site: Site, *, bgp: bool) -> str:
    """FRR's configuration for the router's first boot: exactly what the emulator's
    translation of its initial configuration gives, so the service's first apply is a no-op
    and BGP starts while the service is still loading."""
    router = router_version(site.router.vyos_version)
    tree = load_commands(schema_for(router), initial_commands(site, bgp=bgp))
    return translate(tree, router).frr_config


def build_state(site: Site, *, bgp: bool) -> RouterState:
    paths = LabPaths.of(site)
    paths.vyos_dir.mkdir(parents=True, exist_ok=True)
    return RouterState(
        router_version(site.router.vyos_version),
        site.router.name,
        paths.vyos_dir / "config.boot",
        NamespaceRouterBackend(router_instance(site)),
        confirm_seconds_per_minute=CONFIRM_SECONDS_PER_MINUTE,
        initial_commands=initial_commands(site, bgp=bgp),
    )


def router_auth(site: Site) -> Auth:
    paths = LabPaths.of(site)
    env = site.router.login.credentials.password_env or PASSWORD_ENV
    key_pub = paths.client_key.with_name(paths.client_key.name + ".pub")
    return Auth(
        username=site.router.login.username or "vyos",
        password=router_password(paths, env),
        authorized_key=asyncssh.read_public_key(str(key_pub)) if key_pub.exists() else None,
    )


def run_router_service(inventory: Path, port: int, *, bgp: bool) -> None:
    from lab.vyos.shell import VyosShell

    site = load_site(inventory)
    state = build_state(site, bgp=bgp)
    error = state.apply_active()
    if error:
        raise LabError(f"the router's configuration did not apply to FRR: {error}")

    def factory(username: str) -> ShellLike:
        shell: ShellLike = VyosShell(state, user=username)
        return shell

    addresses = [str(i.address.ip) for i in site.router.interfaces]

    async def main() -> None:
        server = await serve(
            addresses, port, LabPaths.of(site).host_key, router_auth(site), factory
        )
        await server.wait_closed()

    asyncio.run(main())
