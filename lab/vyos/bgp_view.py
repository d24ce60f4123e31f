"""Typed read-only view of `protocols bgp` in a config tree, for verify and translation."""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.vyos.config_tree import ConfigNode
from lab.vyos.sorting import vyos_sorted


@dataclass(frozen=True)
class Peer:
    name: str
    remote_as: str | None = None
    peer_group: str | None = None
    update_source: str | None = None
    password: str | None = None
    description: str | None = None
    keepalive: str | None = None
    holdtime: str | None = None
    shutdown: bool = False
    ipv4_unicast: bool = False
    soft_reconfiguration_inbound: bool = False


@dataclass(frozen=True)
class BgpView:
    asn: str | None
    router_id: str | None
    ebgp_requires_policy: bool
    maximum_paths_ebgp: str | None
    maximum_paths_ibgp: str | None
    networks: list[str] = field(default_factory=list)
    peer_groups: list[Peer] = field(default_factory=list)
    neighbors: list[Peer] = field(default_factory=list)
    keepalive: str | None = None
    holdtime: str | None = None


def _peer(name: str, node: ConfigNode) -> Peer:
    af = ["address-family", "ipv4-unicast"]
    return Peer(
        name=name,
        remote_as=node.value(["remote-as"]),
        peer_group=node.value(["peer-group"]),
        update_source=node.value(["update-source"]),
        password=node.value(["password"]),
        description=node.value(["description"]),
        keepalive=node.value(["timers", "keepalive"]),
        holdtime=node.value(["timers", "holdtime"]),
        shutdown=node.has(["shutdown"]),
        ipv4_unicast=node.has(af),
        soft_reconfiguration_inbound=node.has([*af, "soft-reconfiguration", "inbound"]),
    )


def _peers(bgp: ConfigNode, kind: str) -> list[Peer]:
    tag = bgp.get([kind])
    if tag is None:
        return []
    return [_peer(name, tag.children[name]) for name in vyos_sorted(tag.children)]


def bgp_view(root: ConfigNode) -> BgpView | None:
    """None when BGP is absent or empty (VyOS treats an empty node as deleted)."""
    bgp = root.get(["protocols", "bgp"])
    if bgp is None or not bgp.children:
        return None
    af = ["address-family", "ipv4-unicast"]
    networks = bgp.get([*af, "network"])
    return BgpView(
        asn=bgp.value(["system-as"]) or bgp.value(["local-as"]),
        router_id=bgp.value(["parameters", "router-id"]),
        ebgp_requires_policy=bgp.has(["parameters", "ebgp-requires-policy"]),
        maximum_paths_ebgp=bgp.value([*af, "maximum-paths", "ebgp"]),
        maximum_paths_ibgp=bgp.value([*af, "maximum-paths", "ibgp"]),
        networks=vyos_sorted(networks.children) if networks else [],
        peer_groups=_peers(bgp, "peer-group"),
        neighbors=_peers(bgp, "neighbor"),
        keepalive=bgp.value(["timers", "keepalive"]),
        holdtime=bgp.value(["timers", "holdtime"]),
    )
