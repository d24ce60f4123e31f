"""Commit-time verification of `protocols bgp` and the way a failed or warning commit is
printed, per VyOS build (lab/vyos/versions.py VerifyRules and CommitLayout).

- LOCAL_AS: vyos-1x 2021-05-21 src/conf_mode/protocols_bgp.py verify();
- SYSTEM_AS: vyos-1x 1.4.0 src/conf_mode/protocols_bgp.py verify();
- QUAGGA_13: vyatta-cfg-quagga equuleus (fa7b0412) scripts/bgp/vyatta-bgp.pl
  check_neighbor_parameters and checkBannedPeerGroupParameters, and the `commit:expression:`
  lines of templates/protocols/bgp (timers).
Layouts: transcripts §5b-5f.
"""

from __future__ import annotations

import ipaddress
import textwrap
from dataclasses import dataclass, field

from lab.vyos.bfd import verify_bgp_bfd_13
from lab.vyos.bgp_view import BgpView, Peer, bgp_instance, bgp_view
from lab.vyos.config_tree import ConfigNode
from lab.vyos.versions import AsnSyntax, CommitLayout, RouterVersion, VerifyRules

BGP_PATH = "protocols bgp"

# vyatta-cfg-quagga equuleus fa7b0412 scripts/bgp/vyatta-bgp.pl checkBannedPeerGroupParameters:
# the nodes a neighbor in a peer-group must not have, looked up at `protocols bgp <ASN>
# neighbor <addr>` (IPv4 peer-group) or under its `address-family ipv6-unicast` (IPv6
# peer-group); `local-as` is looked up at the neighbor level in both cases. On 1.3 only
# advertisement-interval, disable-send-community, local-as, timers and ttl-security sit at the
# neighbor level (the rest are address-family nodes, never found there for IPv4), and of those
# the twin's grammar takes only `timers`.
PEER_GROUP_BANNED_13 = (
    "advertisement-interval",
    "attribute-unchanged",
    "capability orf",
    "default-originate",
    "distribute-list export",
    "filter-list export",
    "nexthop-self",
    "prefix-list export",
    "remove-private-as",
    "route-map export",
    "route-reflector-client",
    "route-server-client",
    "disable-send-community",
    "timers",
    "ttl-security",
    "unsuppress-map",
)
PEER_GROUP_BANNED_GLOBAL_13 = ("local-as",)


@dataclass(frozen=True)
class Verdict:
    """The first ConfigError of a config script (None when it passed) and its warnings."""

    path: str = BGP_PATH
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def _local_addresses(root: ConfigNode) -> set[str]:
    out: set[str] = set()
    for kind in ("ethernet", "loopback", "dummy"):
        tag = root.get(["interfaces", kind])
        for iface in tag.children.values() if tag else ():
            address = iface.get(["address"])
            for value in address.values if address else ():
                if "/" in value:
                    out.add(str(ipaddress.ip_interface(value).ip))
    return out


def _group_remote_as(peer: Peer, groups: dict[str, Peer]) -> str | None:
    group = groups.get(peer.peer_group or "")
    return group.remote_as if group is not None else None


def bgp_path(root: ConfigNode, router: RouterVersion) -> str:
    """The commit path of the BGP script: `protocols bgp` or, on 1.3, `protocols bgp <ASN>`."""
    if router.asn_syntax is AsnSyntax.TAG:
        view = bgp_view(root)
        if view is not None and view.asn:
            return f"{BGP_PATH} {view.asn}"
    return BGP_PATH


def verify_bgp(
    root: ConfigNode, router: RouterVersion, active: ConfigNode | None = None
) -> Verdict:
    """verify() of the BGP config script of this build; `active` is the running config
    (1.3 checks only peer groups that changed)."""
    bgp = bgp_view(root)
    if bgp is None:
        return Verdict()
    if router.verify_rules is VerifyRules.QUAGGA_13:
        verdict = _verify_13(bgp, root, active)
        bfd = verify_bgp_bfd_13(root) if verdict.error is None else None
        return Verdict(bfd.path, bfd.error) if bfd is not None else verdict
    new = router.verify_rules is VerifyRules.SYSTEM_AS
    if bgp.asn is None:
        word = "system-as" if new else "local-as"
        return Verdict(error=f"BGP {word} number must be defined!")
    groups = {pg.name: pg for pg in bgp.peer_groups}
    warnings: list[str] = []
    ibgp_of_group: dict[str, bool] = {}
    local = _local_addresses(root)
    for kind, peers in (("neighbor", bgp.neighbors), ("peer_group", bgp.peer_groups)):
        for peer in peers:
            if peer.peer_group is not None and peer.peer_group not in groups:
                # sic: VyOS prints the loop variable ("neighbor"), not the peer
                return Verdict(
                    error=f'Specified peer-group "{peer.peer_group}" for neighbor "{kind}" '
                    "does not exist!"
                )
            if new and peer.peer_group is not None and peer.remote_as is not None:
                is_ibgp = peer.remote_as in ("internal", bgp.asn)
                if ibgp_of_group.setdefault(peer.peer_group, is_ibgp) != is_ibgp:
                    return Verdict(error="Peer-group members must be all internal or all external")
            if peer.password is not None and " " in peer.password:
                text = (
                    "Whitespace is not allowed in passwords!"
                    if new
                    else "You can't use spaces in the password"
                )
                return Verdict(error=text)
            if kind != "neighbor":
                continue
            if (peer.remote_as or _group_remote_as(peer, groups)) is None:
                return Verdict(error=f'Neighbor "{peer.name}" remote-as must be set!')
            group = groups.get(peer.peer_group or "")
            has_af = peer.ipv4_unicast or (group is not None and group.ipv4_unicast)
            if router.af_warning and not has_af:
                warnings.append(f'BGP neighbor "{peer.name}" requires address-family!')
            if new and group is not None and peer.remote_as and group.remote_as:
                return Verdict(
                    error=f'Peer-group member "{peer.name}" cannot override remote-as of '
                    f'peer-group "{group.name}"!'
                )
            if peer.name in local:
                text = (
                    f'Can not configure local address as neighbor "{peer.name}" in default VRF!'
                    if new
                    else f'Can not configure a local address as neighbor "{peer.name}"'
                )
                return Verdict(error=text)
    return Verdict(warnings=warnings)


def _changed_groups(bgp: BgpView, active: ConfigNode | None) -> set[str]:
    before = bgp_view(active) if active is not None else None
    old = {pg.name: pg for pg in before.peer_groups} if before is not None else {}
    return {pg.name for pg in bgp.peer_groups if old.get(pg.name) != pg}


def _banned_peer_group_node(neighbor: ConfigNode) -> str | None:
    """checkBannedPeerGroupParameters for one neighbor: the first banned node it has while in a
    peer-group (IPv4: `peer-group`; IPv6: `address-family ipv6-unicast peer-group`)."""
    v6 = ["address-family", "ipv6-unicast"]
    for level in ([], v6):
        if not neighbor.has([*level, "peer-group"]):
            continue
        for name in PEER_GROUP_BANNED_GLOBAL_13:
            if neighbor.has(name.split()):
                return name
        for name in PEER_GROUP_BANNED_13:
            if neighbor.has([*level, *name.split()]):
                return name
    return None


def _verify_13(bgp: BgpView, root: ConfigNode, active: ConfigNode | None) -> Verdict:
    """vyatta-bgp.pl check_neighbor_parameters (die texts verbatim) and the timers nodes'
    commit expressions; the first failure stops the commit of `protocols bgp <ASN>`."""
    asn = bgp.asn
    path = f"{BGP_PATH} {asn}"
    groups = {pg.name: pg for pg in bgp.peer_groups}
    found = bgp_instance(root)
    neighbor_tag = found[1].get(["neighbor"]) if found is not None else None
    for name in sorted(_changed_groups(bgp, active)):
        pg_as = groups[name].remote_as
        for nb in bgp.neighbors:
            if pg_as and nb.peer_group == name and nb.remote_as:
                # sic: the header names the neighbor with the peer-group word
                return Verdict(
                    path,
                    f"[ protocols bgp {asn} peer-group {nb.name} ]\n"
                    "  must not define remote-as in both neighbor and peer-group",
                )
    for nb in bgp.neighbors:
        group_as = _group_remote_as(nb, groups)
        if nb.remote_as is None and group_as is None and not bgp.no_ipv4_unicast:
            return Verdict(
                path,
                f"[ protocols bgp {asn} neighbor {nb.name} ]\n"
                "  must set remote-as or peer-group with remote-as defined",
            )
        if nb.remote_as and group_as:
            return Verdict(
                path,
                f"[ protocols bgp {asn} neighbor {nb.name} ]\n"
                "  remote-as should not be defined in both neighbor and peer-group",
            )
        node = neighbor_tag.children.get(nb.name) if neighbor_tag is not None else None
        banned = _banned_peer_group_node(node) if node is not None else None
        if banned is not None:
            # the header is `protocols bgp $level`, $level = "<ASN> neighbor <addr>"
            return Verdict(
                path,
                f"[ protocols bgp {asn} neighbor {nb.name} ]\n"
                f"  parameter {banned} is incompatible with a neighbor in a peer-group",
            )
        if nb.peer_group is not None and nb.peer_group not in groups:
            # neighbor/node.tag/peer-group/node.def commit:expression
            return Verdict(
                f"{path} neighbor {nb.name} peer-group",
                f"protocols bgp {asn} peer-group {nb.peer_group} doesn't exist",
            )
    # timers/node.def and neighbor/node.tag/timers/node.def commit:expression
    timers = [(path + " timers", bgp.keepalive, bgp.holdtime, bgp.has_timers)]
    timers += [
        (f"{path} neighbor {nb.name} timers", nb.keepalive, nb.holdtime, nb.has_timers)
        for nb in bgp.neighbors
    ]
    for where, keepalive, holdtime, present in timers:
        if present and not keepalive:
            return Verdict(where, "you must set a keepalive interval")
        if present and not holdtime:
            return Verdict(where, "you must set a holdtime interval")
    return Verdict(path)


def _fill(text: str) -> str:
    return textwrap.fill(text, width=72)


def commit_failure_text(router: RouterVersion, path: str, error: str) -> str:
    """`<message>` / `[[path]] failed` / `Commit failed`, laid out as this build does."""
    layout = router.commit_layout
    tail = f"\n[[{path}]] failed\nCommit failed\n"
    if router.asn_syntax is AsnSyntax.TAG:
        # 1.3: vyatta-cfg runs the perl script through system_out, which prints `[ path ]`
        return f"[ {path} ]\n{error}\n{tail}"
    if layout is CommitLayout.PLAIN:
        return f"{error}\n{tail}"
    if layout is CommitLayout.CONFIGD:
        return f"\n{_fill(error)}\n{tail}"
    return f"[ {path} ]\n{_fill(error)}\n{tail}"


def warnings_text(router: RouterVersion, path: str, warnings: list[str]) -> str:
    if not warnings:
        return ""
    body = "".join(f"\n{_fill('WARNING: ' + w)}\n\n" for w in warnings)
    if router.commit_layout is CommitLayout.HEADER:
        return f"[ {path} ]\n{body}"
    return body
