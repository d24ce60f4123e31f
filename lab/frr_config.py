"""FRR configurations of the twin's router and node speakers (pure rendering).

The router behaves like VyOS: RFC 8212's `ebgp-requires-policy` is off. Node speakers stand in
for MetalLB's FRR mode: they peer with the router and announce LB addresses with `network`.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from bgplb.model import K8sNode, Site


@dataclass(frozen=True)
class Timers:
    keepalive: int
    holdtime: int


def header(hostname: str, log_file: Path) -> list[str]:
    return [
        "frr defaults traditional",
        f"hostname {hostname}",
        f"log file {log_file}",
        "service integrated-vtysh-config",
        "!",
    ]


def router_peer_address(site: Site, node: K8sNode) -> IPv4Address:
    """The router address a node peers with: the router's address on the node's segment."""
    for iface in site.router.interfaces:
        if node.address in iface.address.network:
            return iface.address.ip
    addr = site.router.address_on("nodes")
    assert addr is not None, "the site model guarantees a router address on the node segment"
    return addr


def render_node(site: Site, node: K8sNode, log_file: Path, *, peer: bool) -> str:
    """A node speaker at boot: its BGP instance, peered with the router when `peer`."""
    lines = header(node.name, log_file)
    lines += [f"router bgp {node.asn}", *node_bgp_body(site, node, peer=peer), "exit", "!"]
    return "\n".join(lines) + "\n"


def node_bgp_body(site: Site, node: K8sNode, *, peer: bool) -> list[str]:
    lines = [f" bgp router-id {node.address}", " no bgp ebgp-requires-policy"]
    if peer:
        lines += peer_lines(site, node)
    return lines


def peer_lines(site: Site, node: K8sNode) -> list[str]:
    router = router_peer_address(site, node)
    return [f" neighbor {router} remote-as {site.router.bgp.asn}"]


def vtysh_router_bgp(node: K8sNode, body: list[str]) -> list[str]:
    """`vtysh -c` arguments that enter `router bgp ASN` and apply `body` there."""
    return ["configure terminal", f"router bgp {node.asn}", *(line.strip() for line in body)]


def network_commands(node: K8sNode, prefix: IPv4Network, *, withdraw: bool) -> list[str]:
    verb = "no network" if withdraw else "network"
    return [
        "configure terminal",
        f"router bgp {node.asn}",
        "address-family ipv4 unicast",
        f"{verb} {prefix}",
    ]


def neighbor_timers_line(router: IPv4Address, timers: Timers) -> str:
    """The session's timers, per neighbor as MetalLB's FRR template writes them
    (metallb-v0.16.1 frr-templates/neighborsession.tmpl)."""
    return f" neighbor {router} timers {timers.keepalive} {timers.holdtime}"


def timers_commands(node: K8sNode, router: IPv4Address, timers: Timers | None) -> list[str]:
    """The session's timers (None: FRR's defaults). Per neighbor, so they replace what the
    emulated MetalLB asked for (a neighbor's timers win over `timers bgp`)."""
    line = (
        neighbor_timers_line(router, timers).strip() if timers else f"no neighbor {router} timers"
    )
    return ["configure terminal", f"router bgp {node.asn}", "no timers bgp", line]


@dataclass(frozen=True)
class BfdProfile:
    """A BFD profile as MetalLB's FRR mode holds it (metallb-v0.16.1 internal/config/config.go
    `BFDProfile`: unset intervals stay unset, so FRR's own 300/300/3 apply)."""

    name: str
    receive_interval: int | None = None
    transmit_interval: int | None = None
    detect_multiplier: int | None = None
    echo_interval: int | None = None
    echo_mode: bool = False
    passive_mode: bool = False
    minimum_ttl: int | None = None


def bfd_profile_lines(p: BfdProfile) -> list[str]:
    """`bfd` > `profile NAME` as metallb-v0.16.1 frr-templates/frr.tmpl and bfdprofile.tmpl
    render it (only the fields that are set, in the template's order)."""
    lines = [f"profile {p.name}"]
    if p.receive_interval:
        lines.append(f"receive-interval {p.receive_interval}")
    if p.transmit_interval:
        lines.append(f"transmit-interval {p.transmit_interval}")
    if p.detect_multiplier:
        lines.append(f"detect-multiplier {p.detect_multiplier}")
    if p.echo_mode:
        lines.append("echo-mode")
    if p.echo_interval:
        lines += [
            f"echo receive-interval {p.echo_interval}",
            f"echo transmit-interval {p.echo_interval}",
        ]
    if p.passive_mode:
        lines.append("passive-mode")
    if p.minimum_ttl:
        lines.append(f"minimum-ttl {p.minimum_ttl}")
    return lines


def neighbor_bfd_lines(router: IPv4Address, profile: str) -> list[str]:
    """frr-templates/neighborsession.tmpl: a peer with a BFD profile."""
    return [f" neighbor {router} bfd", f" neighbor {router} bfd profile {profile}"]


def bfd_commands(node: K8sNode, router: IPv4Address, profile: BfdProfile | None) -> list[str]:
    """`vtysh -c` arguments that give the session BFD with `profile` (None: no BFD)."""
    if profile is None:
        return ["configure terminal", f"router bgp {node.asn}", f"no neighbor {router} bfd"]
    return [
        "configure terminal",
        "bfd",
        *bfd_profile_lines(profile),
        "exit",
        "exit",
        f"router bgp {node.asn}",
        *(line.strip() for line in neighbor_bfd_lines(router, profile.name)),
    ]
