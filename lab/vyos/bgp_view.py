"""Typed read-only view of `protocols bgp` in a config tree, for verify and translation.

Reads all three ASN syntaxes: `protocols bgp <ASN> ...` (1.3), `protocols bgp local-as <ASN>`
(rolling 2021) and `protocols bgp system-as <ASN>` (2022 on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.vyos.config_tree import ConfigNode
from lab.vyos.schema import Kind
from lab.vyos.sorting import vyos_sorted


@dataclass(frozen=True)
class Peer:
    name: str
    remote_as: str | None = None
    peer_group: str | None = None
    update_source: str | None = None
    password: str | None = None
    description: str | None = None
    ebgp_multihop: str | None = None
    keepalive: str | None = None
    holdtime: str | None = None
    connect: str | None = None
    has_timers: bool = False
    shutdown: bool = False
    passive: bool = False
    ipv4_unicast: bool = False
    soft_reconfiguration_inbound: bool = False
    nexthop_self: bool = False
    nexthop_self_force: bool = False
    bfd: bool = False
    bfd_check_control_plane_failure: bool = False
    bfd_profile: str | None = None


@dataclass(frozen=True)
class BgpView:
    asn: str | None
    router_id: str | None
    ebgp_requires_policy: bool
    maximum_paths_ebgp: str | None
    maximum_paths_ibgp: str | None
    networks: list[str] = field(default_factory=list)
    redistribute: list[str] = field(default_factory=list)
    peer_groups: list[Peer] = field(default_factory=list)
    neighbors: list[Peer] = field(default_factory=list)
    keepalive: str | None = None
    holdtime: str | None = None
    has_timers: bool = False
    log_neighbor_changes: bool = False
    local_pref: str | None = None
    no_ipv4_unicast: bool = False


def _peer(name: str, node: ConfigNode) -> Peer:
    af = ["address-family", "ipv4-unicast"]
    return Peer(
        name=name,
        remote_as=node.value(["remote-as"]),
        peer_group=node.value(["peer-group"]),
        update_source=node.value(["update-source"]),
        password=node.value(["password"]),
        description=node.value(["description"]),
        ebgp_multihop=node.value(["ebgp-multihop"]),
        keepalive=node.value(["timers", "keepalive"]),
        holdtime=node.value(["timers", "holdtime"]),
        connect=node.value(["timers", "connect"]),
        has_timers=node.has(["timers"]),
        shutdown=node.has(["shutdown"]),
        passive=node.has(["passive"]),
        ipv4_unicast=node.has(af),
        soft_reconfiguration_inbound=node.has([*af, "soft-reconfiguration", "inbound"]),
        nexthop_self=node.has([*af, "nexthop-self"]),
        nexthop_self_force=node.has([*af, "nexthop-self", "force"]),
        bfd=node.has(["bfd"]),
        bfd_check_control_plane_failure=node.has(["bfd", "check-control-plane-failure"]),
        bfd_profile=node.value(["bfd", "profile"]),
    )


def _peers(bgp: ConfigNode, kind: str) -> list[Peer]:
    tag = bgp.get([kind])
    if tag is None:
        return []
    return [_peer(name, tag.children[name]) for name in vyos_sorted(tag.children)]


def bgp_instance(root: ConfigNode) -> tuple[str | None, ConfigNode] | None:
    """(ASN, the node holding neighbor/peer-group/...) in any of the three syntaxes."""
    bgp = root.get(["protocols", "bgp"])
    if bgp is None or not bgp.children:
        return None
    if bgp.kind is Kind.TAG:  # 1.3: protocols bgp <ASN> (node.def `tag:1`, one value)
        asn = next(iter(bgp.children))
        return asn, bgp.children[asn]
    return bgp.value(["system-as"]) or bgp.value(["local-as"]), bgp


def bgp_view(root: ConfigNode | None) -> BgpView | None:
    """None when BGP is absent or empty (VyOS treats an empty node as deleted)."""
    found = bgp_instance(root) if root is not None else None
    if found is None:
        return None
    asn, bgp = found
    af = ["address-family", "ipv4-unicast"]
    networks = bgp.get([*af, "network"])
    redistribute = bgp.get([*af, "redistribute"])
    return BgpView(
        asn=asn,
        router_id=bgp.value(["parameters", "router-id"]),
        ebgp_requires_policy=bgp.has(["parameters", "ebgp-requires-policy"]),
        maximum_paths_ebgp=bgp.value([*af, "maximum-paths", "ebgp"]),
        maximum_paths_ibgp=bgp.value([*af, "maximum-paths", "ibgp"]),
        networks=vyos_sorted(networks.children) if networks else [],
        redistribute=vyos_sorted(redistribute.children) if redistribute else [],
        peer_groups=_peers(bgp, "peer-group"),
        neighbors=_peers(bgp, "neighbor"),
        keepalive=bgp.value(["timers", "keepalive"]),
        holdtime=bgp.value(["timers", "holdtime"]),
        has_timers=bgp.has(["timers"]),
        log_neighbor_changes=bgp.has(["parameters", "log-neighbor-changes"]),
        local_pref=bgp.value(["parameters", "default", "local-pref"]),
        no_ipv4_unicast=bgp.has(["parameters", "default", "no-ipv4-unicast"]),
    )
