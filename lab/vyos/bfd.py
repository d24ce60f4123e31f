"""`protocols bfd` and the BGP neighbor's `bfd` on the emulated VyOS: grammar, commit checks
and the FRR (bfdd) text, per build (lab/vyos/versions.py `bfd_facts`), from upstream:

- grammar: vyos-1x 1.3.8 interface-definitions/protocols-bfd.xml.in; 2021-05-21
  protocols-bfd.xml.in + include/bfd-common.xml.i + include/bgp/neighbor-bfd.xml.i; 1.4.0 and
  2024-10-21 protocols_bfd.xml.in + include/bfd/common.xml.i + include/bgp/neighbor-bfd.xml.i
  (../shared/upstream). 1.3's neighbor/peer-group `bfd`: vyatta-cfg-quagga equuleus
  templates/protocols/bgp/node.tag/{neighbor,peer-group}/node.tag/bfd/node.def.
  The subset emulated: peers (IPv4/IPv6), `interval receive|transmit|multiplier`, `shutdown`,
  `profile`, `passive`; profiles with the same leaves; the neighbor's `bfd`,
  `bfd check-control-plane-failure` and `bfd profile`. Upstream's `source`, `multihop`,
  `echo-mode`, `interval echo-interval`, `minimum-ttl` and `vrf` are refused at `set` as
  outside the subset (the toolkit does not use them).
- commit checks: src/conf_mode/protocols_bfd.py verify() (1.3.8, 2021-05-21, 1.4.0) and, on
  1.3, vyatta-cfg-quagga scripts/bgp/vyatta-bgp.pl check_bfd_peer / check_bfd_group.
- FRR text: data/templates/frr/bfd.frr.tmpl (1.3.8, 2021-05-21), bfdd.frr.j2 (1.4.0,
  2024-10-21); the neighbor lines of bgpd.frr.tmpl / bgpd.frr.j2 and vyatta-bgp.pl %qcom
  (`neighbor #5 bfd`, `neighbor #5 bfd check-control-plane-failure`). Intervals unset take
  the defaults the scripts fill in: 300 ms, 300 ms, x 3.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from lab.vyos import validators as v
from lab.vyos.bgp_view import bgp_view
from lab.vyos.config_tree import ConfigNode
from lab.vyos.schema import VALUELESS, SchemaNode, leaf, node, tag
from lab.vyos.sorting import vyos_sorted
from lab.vyos.versions import RouterVersion, bfd_facts

BFD_PATH = "protocols bfd"
DEFAULT_INTERVAL_MS = "300"
DEFAULT_MULTIPLIER = "3"
# <validator name="numeric" argument="--range 10-60000"/> / "--range 2-255"; no message
INTERVAL = v.numeric(10, 60000)
MULTIPLIER = v.numeric(2, 255)
PROFILE_NAME = v.Validator(
    "bfd profile name",
    lambda x: 1 <= len(x) <= 32 and all(c.isalnum() or c in "-_" for c in x) and x.isascii(),
)


def bfd_schema(router: RouterVersion) -> SchemaNode:
    """`protocols bfd` of this build."""
    f = bfd_facts(router)
    common: dict[str, SchemaNode] = {
        "interval": node(
            {"receive": leaf(INTERVAL), "transmit": leaf(INTERVAL), "multiplier": leaf(MULTIPLIER)}
        ),
        "shutdown": VALUELESS,
    }
    if f.passive:
        common["passive"] = VALUELESS
    peer = dict(common)
    children: dict[str, SchemaNode] = {}
    if f.profiles:
        peer["profile"] = leaf(v.TEXT)  # no constraint on the peer's leaf (completionHelp only)
        children["profile"] = tag(PROFILE_NAME, common)
    children["peer"] = tag(v.any_of(v.IPV4, v.IPV6), peer)
    return node(children)


def neighbor_bfd_schema(router: RouterVersion, *, neighbor: bool) -> SchemaNode:
    """The `bfd` node of a BGP neighbor or peer group."""
    f = bfd_facts(router)
    if router.line == "1.3":
        # peer-group/node.tag/bfd: a node.def alone (valueless); the neighbor's has a child
        return node({"check-control-plane-failure": VALUELESS}) if neighbor else VALUELESS
    children: dict[str, SchemaNode] = {"check-control-plane-failure": VALUELESS}
    if f.neighbor_profile:
        children["profile"] = leaf(v.TEXT)
    return node(children)


# ---- view ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BfdSettings:
    receive: str = DEFAULT_INTERVAL_MS
    transmit: str = DEFAULT_INTERVAL_MS
    multiplier: str = DEFAULT_MULTIPLIER
    shutdown: bool = False
    passive: bool = False
    profile: str | None = None


@dataclass(frozen=True)
class BfdView:
    peers: dict[str, BfdSettings] = field(default_factory=dict)
    profiles: dict[str, BfdSettings] = field(default_factory=dict)


def _settings(n: ConfigNode) -> BfdSettings:
    return BfdSettings(
        receive=n.value(["interval", "receive"]) or DEFAULT_INTERVAL_MS,
        transmit=n.value(["interval", "transmit"]) or DEFAULT_INTERVAL_MS,
        multiplier=n.value(["interval", "multiplier"]) or DEFAULT_MULTIPLIER,
        shutdown=n.has(["shutdown"]),
        passive=n.has(["passive"]),
        profile=n.value(["profile"]),
    )


def bfd_view(root: ConfigNode | None) -> BfdView | None:
    bfd = root.get(["protocols", "bfd"]) if root is not None else None
    if bfd is None or not bfd.children:
        return None
    out = BfdView()
    for kind, target in (("peer", out.peers), ("profile", out.profiles)):
        t = bfd.get([kind])
        for name in vyos_sorted(t.children) if t else ():
            assert t is not None
            target[name] = _settings(t.children[name])
    return out


# ---- commit checks ------------------------------------------------------------------------


@dataclass(frozen=True)
class BfdVerdict:
    path: str
    error: str | None = None


def _is_ipv6(address: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(address), ipaddress.IPv6Address)
    except ValueError:
        return False


def verify_bfd(root: ConfigNode, router: RouterVersion, active: ConfigNode | None) -> BfdVerdict:
    """protocols_bfd.py verify() of this build (run when `protocols bfd` changed)."""
    f = bfd_facts(router)
    view = bfd_view(root) or BfdView()
    for name, peer in view.peers.items():
        if _is_ipv6(name):  # no `source address` in the subset: always refused, as upstream
            return BfdVerdict(BFD_PATH, "BFD IPv6 peers require explicit local address setting")
        if f.profile_must_exist and peer.profile and peer.profile not in view.profiles:
            return BfdVerdict(BFD_PATH, f'BFD profile "{peer.profile}" does not exist!')
    if router.line == "1.3":
        # 1.3.8 verify(): a deleted peer still used by BGP
        before = bfd_view(active) if active is not None else None
        deleted = sorted(set(before.peers if before else ()) - set(view.peers))
        bgp = bgp_view(root)
        if bgp is not None:
            groups = {g.name: g for g in bgp.peer_groups}
            neighbors = {n.name: n for n in bgp.neighbors}
            for address in deleted:
                nb = neighbors.get(address)
                if nb is None:
                    continue
                if nb.bfd:
                    return BfdVerdict(
                        BFD_PATH,
                        f"Cannot delete BFD peer {address}: it is used in BGP configuration",
                    )
                group = groups.get(nb.peer_group or "")
                if group is not None and group.bfd:
                    return BfdVerdict(
                        BFD_PATH,
                        f"Cannot delete BFD peer {address}: it belongs to BGP peer-group "
                        f"{group.name} with enabled BFD",
                    )
    return BfdVerdict(BFD_PATH)


def verify_bgp_bfd_13(root: ConfigNode) -> BfdVerdict | None:
    """vyatta-bgp.pl check_bfd_peer / check_bfd_group (the `bfd` nodes' commit expressions):
    the first failure, or None."""
    bgp = bgp_view(root)
    if bgp is None:
        return None
    peers = (bfd_view(root) or BfdView()).peers
    asn = bgp.asn
    for nb in bgp.neighbors:
        if nb.bfd and nb.name not in peers:
            return BfdVerdict(
                f"protocols bgp {asn} neighbor {nb.name} bfd",
                "BFD peer need to be configured for using BFD protocol",
            )
    for group in bgp.peer_groups:
        if not group.bfd:
            continue
        members = [nb.name for nb in bgp.neighbors if nb.peer_group == group.name]
        if any(m not in peers for m in members):
            return BfdVerdict(
                f"protocols bgp {asn} peer-group {group.name} bfd",
                f"BFD peers need to be configured for all neighbors in peer-group {group.name} "
                "before enabling for BGP",
            )
    return None


# ---- FRR ----------------------------------------------------------------------------------


def _block(head: str, s: BfdSettings, *, peer: bool) -> list[str]:
    out = [
        f" {head}",
        f"  detect-multiplier {s.multiplier}",
        f"  receive-interval {s.receive}",
        f"  transmit-interval {s.transmit}",
    ]
    if s.passive:
        out.append("  passive-mode")
    if peer and s.profile:
        out.append(f"  profile {s.profile}")
    out.append("  shutdown" if s.shutdown else "  no shutdown")
    return [*out, " exit", " !"]


def bfdd_config(root: ConfigNode) -> str:
    """The `bfd` block the templates render (profiles first, then peers); "" without BFD."""
    view = bfd_view(root)
    if view is None or not (view.peers or view.profiles):
        return ""
    lines = ["bfd"]
    for name, s in view.profiles.items():
        lines += _block(f"profile {name}", s, peer=False)
    for name, s in view.peers.items():
        lines += _block(f"peer {name}", s, peer=True)
    lines += ["exit", "!"]
    return "\n".join(lines) + "\n"
