"""Active VyOS tree -> FRR configuration text and kernel sysctls (pure), per VyOS build.

- vyos-1x builds: data/templates/frr/bgpd.frr.tmpl (2021-05-21) / bgpd.frr.j2 (1.4.0,
  2024-10-21), the `bgp_neighbor` macro and the `router bgp` body. `no bgp default
  ipv4-unicast` is rendered only with `parameters default no-ipv4-unicast` before T3741
  (74a8c4b42, 2021-10-04) and always after it. The template's per-peer `address-family ipv4
  unicast` blocks are merged into one, as FRR's running config shows them.
- 1.3: vyatta-cfg-quagga equuleus, the `end:` of templates/protocols/bgp/node.def (`no bgp
  ebgp-requires-policy`, `no bgp network import-check`) and the vtysh `set` commands of
  scripts/bgp/vyatta-bgp.pl %qcom, applied in its main() order (parameters, peer groups,
  neighbors, the rest). 1.3 has no %qcom entry for `neighbor|peer-group description`: the
  description never reaches FRR there.
- system_ip.py / system-ip.py: `net.ipv4.fib_multipath_hash_policy` / `fib_multipath_use_neigh`.

Every path the emulator's schema accepts under `protocols bgp` is rendered here; a path it
cannot render is not in the schema (refused at `set`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.vyos.bfd import bfdd_config
from lab.vyos.bgp_view import BgpView, Peer, bgp_view
from lab.vyos.config_tree import ConfigNode
from lab.vyos.sorting import vyos_sorted
from lab.vyos.versions import FrrTemplate, RouterVersion, bfd_facts


@dataclass(frozen=True)
class FrrTranslation:
    frr_config: str
    sysctls: dict[str, str] = field(default_factory=dict)


# --- vyos-1x bgpd.frr template ---------------------------------------------------------------


def _bfd_lines(peer: Peer, *, full: bool) -> list[str]:
    """`neighbor X bfd` (bgpd.frr.tmpl 2021-05-21: nothing more); from T4058 (006b17a31,
    2021-12-09, bgpd.frr.j2) also check-control-plane-failure and the profile."""
    if not peer.bfd:
        return []
    n = peer.name
    out = [f" neighbor {n} bfd"]
    if full and peer.bfd_check_control_plane_failure:
        out.append(f" neighbor {n} bfd check-control-plane-failure")
    if full and peer.bfd_profile:
        out.append(f" neighbor {n} bfd profile {peer.bfd_profile}")
    return out


def _peer_lines(peer: Peer, *, group: bool, bfd_full: bool = True) -> list[str]:
    """The `bgp_neighbor` macro's router-level lines, in the template's order."""
    n = peer.name
    out = [f" neighbor {n} peer-group"] if group else []
    if peer.peer_group and not group:
        out.append(f" neighbor {n} peer-group {peer.peer_group}")
    if peer.remote_as:
        out.append(f" neighbor {n} remote-as {peer.remote_as}")
    out += _bfd_lines(peer, full=bfd_full)
    if peer.description:
        out.append(f" neighbor {n} description {peer.description}")
    if peer.ebgp_multihop:
        out.append(f" neighbor {n} ebgp-multihop {peer.ebgp_multihop}")
    if peer.passive:
        out.append(f" neighbor {n} passive")
    if peer.password:
        out.append(f" neighbor {n} password {peer.password}")
    if peer.shutdown:
        out.append(f" neighbor {n} shutdown")
    if peer.connect:
        out.append(f" neighbor {n} timers connect {peer.connect}")
    if peer.keepalive and peer.holdtime:
        out.append(f" neighbor {n} timers {peer.keepalive} {peer.holdtime}")
    if peer.update_source:
        out.append(f" neighbor {n} update-source {peer.update_source}")
    return out


def _af_peer_lines(peer: Peer) -> list[str]:
    """The macro's `address-family ipv4 unicast` lines of one peer (activate last)."""
    if not peer.ipv4_unicast:
        return []
    n = peer.name
    out = []
    if peer.nexthop_self:
        out.append(f"  neighbor {n} next-hop-self" + (" force" if peer.nexthop_self_force else ""))
    if peer.soft_reconfiguration_inbound:
        out.append(f"  neighbor {n} soft-reconfiguration inbound")
    out.append(f"  neighbor {n} activate")
    return out


def _global_af_lines(bgp: BgpView) -> list[str]:
    """`router bgp` > `address-family ipv4 unicast`: maximum-paths, redistribute, network."""
    af: list[str] = []
    if bgp.maximum_paths_ebgp:
        af.append(f"  maximum-paths {bgp.maximum_paths_ebgp}")
    if bgp.maximum_paths_ibgp:
        af.append(f"  maximum-paths ibgp {bgp.maximum_paths_ibgp}")
    af += [f"  redistribute {protocol}" for protocol in bgp.redistribute]
    af += [f"  network {net}" for net in bgp.networks]
    return af


def _af_block(af: list[str]) -> list[str]:
    return [" !", " address-family ipv4 unicast", *af, " exit-address-family"] if af else []


def bgpd_config(bgp: BgpView, template: FrrTemplate, *, bfd_full: bool = True) -> str:
    """bgpd.frr.tmpl (2021-05-21) or bgpd.frr.j2 (from 2021-10-04) for one BGP instance."""
    lines = [f"router bgp {bgp.asn}"]
    policy = bgp.ebgp_requires_policy
    lines.append(" bgp ebgp-requires-policy" if policy else " no bgp ebgp-requires-policy")
    if template is FrrTemplate.BGPD_UNCONDITIONAL or bgp.no_ipv4_unicast:
        lines.append(" no bgp default ipv4-unicast")
    lines.append(" no bgp network import-check")
    for pg in bgp.peer_groups:
        lines += _peer_lines(pg, group=True, bfd_full=bfd_full)
    for nb in bgp.neighbors:
        lines += _peer_lines(nb, group=False, bfd_full=bfd_full)
    af = _global_af_lines(bgp)
    for peer in (*bgp.peer_groups, *bgp.neighbors):
        af += _af_peer_lines(peer)
    lines += _af_block(af)
    if bgp.local_pref:
        lines.append(f" bgp default local-preference {bgp.local_pref}")
    if bgp.log_neighbor_changes:
        lines.append(" bgp log-neighbor-changes")
    if bgp.router_id:
        lines.append(f" bgp router-id {bgp.router_id}")
    if bgp.keepalive and bgp.holdtime:
        lines.append(f" timers bgp {bgp.keepalive} {bgp.holdtime}")
    lines += ["exit", "!"]
    return "\n".join(lines) + "\n"


# --- 1.3: vyatta-bgp.pl %qcom ---------------------------------------------------------------


def _quagga_peer(peer: Peer, *, group: bool) -> list[str]:
    """%qcom `set` commands of one peer at router level, in %qcom key order."""
    n = peer.name
    out = [f" neighbor {n} peer-group"] if group else []
    if peer.remote_as:  # 'protocols bgp var neighbor var remote-as' / 'peer-group var remote-as'
        out.append(f" neighbor {n} remote-as {peer.remote_as}")
    if peer.ebgp_multihop:
        out.append(f" neighbor {n} ebgp-multihop {peer.ebgp_multihop}")
    if peer.passive:
        out.append(f" neighbor {n} passive")
    if peer.bfd:  # 'neighbor var bfd' => 'neighbor #5 bfd' (+ check-control-plane-failure)
        out.append(f" neighbor {n} bfd")
        if peer.bfd_check_control_plane_failure:
            out.append(f" neighbor {n} bfd check-control-plane-failure")
    if peer.password:
        out.append(f" neighbor {n} password {peer.password}")
    if peer.peer_group and not group:
        out.append(f" neighbor {n} peer-group {peer.peer_group}")
    if peer.shutdown:
        out.append(f" neighbor {n} shutdown")
    if peer.keepalive and peer.holdtime:  # 'timers' => 'neighbor #5 timers @keepalive @holdtime'
        out.append(f" neighbor {n} timers {peer.keepalive} {peer.holdtime}")
    if peer.connect:
        out.append(f" neighbor {n} timers connect {peer.connect}")
    if peer.update_source:
        out.append(f" neighbor {n} update-source {peer.update_source}")
    return out


def _quagga_af_peer(peer: Peer) -> list[str]:
    """'... address-family ipv4-unicast' => 'address-family ipv4 unicast ; neighbor #5 activate'
    and its children (next-hop-self, soft-reconfiguration inbound)."""
    if not peer.ipv4_unicast:
        return []
    n = peer.name
    out = [f"  neighbor {n} activate"]
    if peer.nexthop_self:
        out.append(f"  neighbor {n} next-hop-self" + (" force" if peer.nexthop_self_force else ""))
    if peer.soft_reconfiguration_inbound:
        out.append(f"  neighbor {n} soft-reconfiguration inbound")
    return out


def quagga_config(bgp: BgpView) -> str:
    """What `protocols bgp <ASN>` leaves in FRR on 1.3 (FRR's own defaults keep `bgp default
    ipv4-unicast` on unless `parameters default no-ipv4-unicast`)."""
    lines = [f"router bgp {bgp.asn}", " no bgp ebgp-requires-policy"]
    if bgp.no_ipv4_unicast:
        lines.append(" no bgp default ipv4-unicast")
    lines.append(" no bgp network import-check")
    if bgp.local_pref:  # 'parameters default local-pref' => 'bgp default local-preference #7'
        lines.append(f" bgp default local-preference {bgp.local_pref}")
    if bgp.log_neighbor_changes:
        lines.append(" bgp log-neighbor-changes")
    if bgp.router_id:
        lines.append(f" bgp router-id {bgp.router_id}")
    for pg in bgp.peer_groups:
        lines += _quagga_peer(pg, group=True)
    for nb in bgp.neighbors:
        lines += _quagga_peer(nb, group=False)
    if bgp.keepalive and bgp.holdtime:
        lines.append(f" timers bgp {bgp.keepalive} {bgp.holdtime}")
    af = _global_af_lines(bgp)
    for peer in (*bgp.peer_groups, *bgp.neighbors):
        af += _quagga_af_peer(peer)
    lines += _af_block(af)
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


def translate(root: ConfigNode, router: RouterVersion) -> FrrTranslation:
    """FRR config (staticd/zebra part, then bgpd) and sysctls for an active tree."""
    bgp = bgp_view(root)
    text = static_config(root)
    if bgp is not None and bgp.asn is not None:
        if router.frr_template is FrrTemplate.QUAGGA_13:
            text += quagga_config(bgp)
        else:
            full = bfd_facts(router).neighbor_profile
            text += bgpd_config(bgp, router.frr_template, bfd_full=full)
    # bfd.frr.tmpl / bfdd.frr.j2: the `bfd` block (protocols_bfd.py puts it before any
    # prefix-list, route-map or `line vty`, of which the twin has none)
    text += bfdd_config(root)
    # Nothing routed (no BGP, no static route): still a file, which frr-reload.py requires
    # (it refuses an empty one); applying it removes whatever BGP/static config FRR held.
    return FrrTranslation(text or "!\n", sysctls(root))
