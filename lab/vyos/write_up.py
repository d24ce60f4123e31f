"""The write-up's router BGP configuration, typed by the twin itself for the emulated build.

The twin's router can boot already configured (tests, benchmarks). Those set lines are written
here from the site model in the emulated build's own syntax (lab/vyos/versions.py), not by the
product's renderer, so that the product is checked against a router it did not configure.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from bgplb.model import Site
from bgplb.model.specs import NeighborSpec, PeerGroupSpec
from bgplb.secrets import env_secret
from lab.vyos.versions import AsnSyntax, FrrTemplate, RouterVersion


def _peer(
    base: str, spec: PeerGroupSpec | NeighborSpec, router: RouterVersion, env: Mapping[str, str]
) -> list[str]:
    out = []
    if spec.remote_as:
        out.append(f"{base} remote-as '{spec.remote_as}'")
    if spec.update_source:
        out.append(f"{base} update-source '{spec.update_source}'")
    if spec.soft_reconfiguration_inbound:
        out.append(f"{base} address-family ipv4-unicast soft-reconfiguration inbound")
    elif router.frr_template is FrrTemplate.BGPD_UNCONDITIONAL:
        # from 2021-10-04 a peer without it exchanges no IPv4 routes
        out.append(f"{base} address-family ipv4-unicast")
    secret = env_secret(env, spec.password_env, f"{base} password")
    if secret:
        out.append(f"{base} password {shlex.quote(secret)}")
    return out


def bgp_commands(site: Site, router: RouterVersion, env: Mapping[str, str]) -> list[str]:
    """`set protocols bgp ...` and `set system ip multipath ...` lines for the site's router."""
    bgp = site.router.bgp
    if router.asn_syntax is AsnSyntax.TAG:
        top, lines = f"set protocols bgp {bgp.asn}", []
    else:
        word = "local-as" if router.asn_syntax is AsnSyntax.LOCAL_AS else "system-as"
        top, lines = "set protocols bgp", [f"set protocols bgp {word} '{bgp.asn}'"]
    af = f"{top} address-family ipv4-unicast"
    lines += [
        f"{af} maximum-paths ebgp '{bgp.maximum_paths.ebgp}'",
        f"{af} maximum-paths ibgp '{bgp.maximum_paths.ibgp}'",
    ]
    lines += [f"{af} network {net}" for net in bgp.networks]
    if bgp.router_id:
        lines.append(f"{top} parameters router-id '{bgp.router_id}'")
    if bgp.timers:
        lines.append(f"{top} timers keepalive '{bgp.timers.keepalive}'")
        lines.append(f"{top} timers holdtime '{bgp.timers.holdtime}'")
    for group in bgp.peer_groups:
        lines += _peer(f"{top} peer-group {group.name}", group, router, env)
    for spec in bgp.neighbors:
        base = f"{top} neighbor {spec.address}"
        if spec.peer_group:
            lines.append(f"{base} peer-group '{spec.peer_group}'")
        if spec.description:
            lines.append(f"{base} description {shlex.quote(spec.description)}")
        lines += _peer(base, spec, router, env)
    if bgp.layer4_hashing:
        lines.append("set system ip multipath layer4-hashing")
    return lines
