"""Active VyOS tree -> FRR configuration text and kernel sysctls (pure).

Follows vyos-1x data/templates/frr/bgpd.frr.tmpl (2021, same shape in 1.4): RFC 8212 off
unless `parameters ebgp-requires-policy`, `no bgp default ipv4-unicast` (so a peer only
exchanges IPv4 when its own or its peer-group's `address-family ipv4-unicast` exists and
is activated), timers only when both keepalive and holdtime are set; and system_ip.py for
`net.ipv4.fib_multipath_hash_policy` / `fib_multipath_use_neigh`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.vyos.bgp_view import BgpView, Peer, bgp_view
from lab.vyos.config_tree import ConfigNode
from lab.vyos.sorting import vyos_sorted


@dataclass(frozen=True)
class FrrTranslation:
    frr_config: str
    sysctls: dict[str, str] = field(default_factory=dict)


def _peer_lines(peer: Peer, *, group: bool) -> list[str]:
    n = peer.name
    out = [f" neighbor {n} peer-group"] if group else []
    if peer.peer_group and not group:
        out.append(f" neighbor {n} peer-group {peer.peer_group}")
    if peer.remote_as:
        out.append(f" neighbor {n} remote-as {peer.remote_as}")
    if peer.description:
        out.append(f" neighbor {n} description {peer.description}")
    if peer.password:
        out.append(f" neighbor {n} password {peer.password}")
    if peer.shutdown:
        out.append(f" neighbor {n} shutdown")
    if peer.keepalive and peer.holdtime:
        out.append(f" neighbor {n} timers {peer.keepalive} {peer.holdtime}")
    if peer.update_source:
        out.append(f" neighbor {n} update-source {peer.update_source}")
    return out


def _af_peer_lines(peer: Peer) -> list[str]:
    if not peer.ipv4_unicast:
        return []
    out = [f"  neighbor {peer.name} activate"]
    if peer.soft_reconfiguration_inbound:
        out.append(f"  neighbor {peer.name} soft-reconfiguration inbound")
    return out


def bgpd_config(bgp: BgpView) -> str:
    lines = [f"router bgp {bgp.asn}"]
    lines.append(
        " bgp ebgp-requires-policy"
        if bgp.ebgp_requires_policy
        else (" no bgp ebgp-requires-policy")
    )
    lines += [" no bgp default ipv4-unicast", " no bgp network import-check"]
    if bgp.router_id:
        lines.append(f" bgp router-id {bgp.router_id}")
    if bgp.keepalive and bgp.holdtime:
        lines.append(f" timers bgp {bgp.keepalive} {bgp.holdtime}")
    for pg in bgp.peer_groups:
        lines += _peer_lines(pg, group=True)
    for nb in bgp.neighbors:
        lines += _peer_lines(nb, group=False)
    af: list[str] = [f"  network {net}" for net in bgp.networks]
    if bgp.maximum_paths_ebgp:
        af.append(f"  maximum-paths {bgp.maximum_paths_ebgp}")
    if bgp.maximum_paths_ibgp:
        af.append(f"  maximum-paths ibgp {bgp.maximum_paths_ibgp}")
    for peer in (*bgp.peer_groups, *bgp.neighbors):
        af += _af_peer_lines(peer)
    if af:
        lines += [" !", " address-family ipv4 unicast", *af, " exit-address-family"]
    lines += ["exit", "!"]
    return "\n".join(lines) + "\n"


def static_config(root: ConfigNode) -> str:
    routes = root.get(["protocols", "static", "route"])
    lines: list[str] = []
    for prefix in vyos_sorted(routes.children) if routes else ():
        route = routes.children[prefix] if routes else ConfigNode()
        hops = route.get(["next-hop"])
        for hop in vyos_sorted(hops.children) if hops else ():
            hop_node = hops.children[hop] if hops else ConfigNode()
            if hop_node.has(["disable"]):
                continue
            distance = hop_node.value(["distance"])
            lines.append(f"ip route {prefix} {hop}" + (f" {distance}" if distance else ""))
        if route.has(["blackhole"]):
            distance = route.value(["blackhole", "distance"])
            lines.append(f"ip route {prefix} blackhole" + (f" {distance}" if distance else ""))
    return "".join(line + "\n" for line in lines) + ("!\n" if lines else "")


def sysctls(root: ConfigNode) -> dict[str, str]:
    multipath = ["system", "ip", "multipath"]
    return {
        "net.ipv4.fib_multipath_hash_policy": "1"
        if root.has([*multipath, "layer4-hashing"])
        else "0",
        "net.ipv4.fib_multipath_use_neigh": "1"
        if root.has([*multipath, "ignore-unreachable-nexthops"])
        else "0",
    }


def translate(root: ConfigNode) -> FrrTranslation:
    """FRR config (staticd/zebra part, then bgpd) and sysctls for an active tree."""
    bgp = bgp_view(root)
    with_bgp = bgp is not None and bgp.asn is not None
    text = static_config(root) + (bgpd_config(bgp) if bgp is not None and with_bgp else "")
    # Nothing routed (no BGP, no static route): still a file, which frr-reload.py requires
    # (it refuses an empty one); applying it removes whatever BGP/static config FRR held.
    return FrrTranslation(text or "!\n", sysctls(root))
