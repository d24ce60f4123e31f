"""Which configuration paths are valid, as data, per VyOS build (lab/vyos/versions.py).

Only the part of the VyOS template tree the lab needs is described: BGP, static routes,
system basics, and everything the reference lab's `show configuration commands` contains
(firewall, nat, dhcp-server, ntp, syslog), so that the seed config loads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from lab.vyos import validators as v
from lab.vyos.versions import AsnSyntax, ConfirmFlavour, FrrTemplate, RouterVersion


class Kind(StrEnum):
    NODE = "node"  # typeless container: `bgp { ... }`
    TAG = "tag"  # children keyed by value: `neighbor 192.0.2.1 { ... }`
    LEAF = "leaf"  # one value
    MULTI = "multi"  # several values, one line each
    VALUELESS = "valueless"  # `layer4-hashing`


@dataclass(frozen=True)
class SchemaNode:
    kind: Kind
    children: Mapping[str, SchemaNode] = field(default_factory=dict)
    validator: v.Validator | None = None
    limit: int = 0  # most tag values allowed (node.def `tag:N`), 0 = no limit

    @property
    def takes_value(self) -> bool:
        return self.kind in (Kind.TAG, Kind.LEAF, Kind.MULTI)


def node(children: Mapping[str, SchemaNode] | None = None) -> SchemaNode:
    return SchemaNode(Kind.NODE, dict(children or {}))


def tag(
    validator: v.Validator, children: Mapping[str, SchemaNode] | None = None, limit: int = 0
) -> SchemaNode:
    return SchemaNode(Kind.TAG, dict(children or {}), validator, limit)


def leaf(validator: v.Validator = v.TEXT) -> SchemaNode:
    return SchemaNode(Kind.LEAF, {}, validator)


def multi(validator: v.Validator = v.TEXT) -> SchemaNode:
    return SchemaNode(Kind.MULTI, {}, validator)


VALUELESS = SchemaNode(Kind.VALUELESS)


def _bgp_peer_common(router: RouterVersion, *, neighbor: bool) -> dict[str, SchemaNode]:
    """The leaves shared by `neighbor <addr>` and `peer-group <name>` (upstream's subset the
    twin translates; every other upstream leaf is refused at `set`)."""
    r = _rules(router)
    afi = node(
        {
            "ipv4-unicast": node(
                {
                    "soft-reconfiguration": node({"inbound": VALUELESS}),
                    "nexthop-self": node({"force": VALUELESS}),
                }
            )
        }
    )
    common: dict[str, SchemaNode] = {
        "address-family": afi,
        "description": leaf(r.description),
        "password": leaf(r.password),
        "remote-as": leaf(r.remote_as),
        "update-source": leaf(r.update_source),
        "ebgp-multihop": leaf(r.ebgp_multihop),
        "shutdown": VALUELESS,
        "passive": VALUELESS,
    }
    from lab.vyos.bfd import neighbor_bfd_schema  # bfd.py builds on this module's nodes

    common["bfd"] = neighbor_bfd_schema(router, neighbor=neighbor)
    if neighbor:
        common |= {
            "peer-group": leaf(v.TEXT),
            "timers": node(
                {
                    "keepalive": leaf(r.keepalive),
                    "holdtime": leaf(r.holdtime),
                    "connect": leaf(r.connect),
                }
            ),
        }
    return common


@dataclass(frozen=True)
class _BgpRules:
    """The value checks of the BGP leaves, per grammar source."""

    asn: v.Validator
    neighbor: v.Validator
    remote_as: v.Validator
    peer_group: v.Validator
    description: v.Validator
    password: v.Validator
    update_source: v.Validator
    ebgp_multihop: v.Validator
    keepalive: v.Validator
    holdtime: v.Validator
    connect: v.Validator
    maximum_paths: v.Validator
    network: v.Validator
    router_id: v.Validator
    local_pref: v.Validator


# vyos-1x interface-definitions (include/bgp/*.xml.i; 2021-05-21, 1.4.0 and 2024-10-21 agree
# except for `description`, which got generic-description.xml.i's `.{0,255}` later).
_XML = _BgpRules(
    asn=v.numeric(1, 4294967294),
    neighbor=v.NEIGHBOR,
    remote_as=v.REMOTE_AS,
    peer_group=v.PEER_GROUP,
    description=v.TEXT,
    password=v.TEXT,
    update_source=v.any_of(v.IPV4, v.IPV6, v.IFNAME),
    ebgp_multihop=v.numeric(1, 255),
    keepalive=v.numeric(1, 65535),
    holdtime=v.numeric(0, 65535),
    connect=v.numeric(0, 65535),
    maximum_paths=v.numeric(1, 256),
    network=v.IPV4_PREFIX,
    router_id=v.IPV4,
    local_pref=v.numeric(0, 4294967295),
)
_XML_14 = dataclasses.replace(_XML, description=v.DESCRIPTION_255)

# 1.3: vyatta-cfg-quagga node.def `type:` + `syntax:expression:` and vyatta-bgp.pl.
_QUAGGA = _BgpRules(
    asn=v.u32(1, 4294967294, "AS number must be between 1 and 4294967294"),
    # `type: txt`; vyatta-bgp.pl --check-neighbor-ip refuses only the router's own addresses
    # (not emulated at set: FRR refuses such a neighbor at commit)
    neighbor=v.TEXT,
    remote_as=v.REMOTE_AS_13,
    peer_group=v.PEER_GROUP_13,
    description=v.TEXT,
    password=v.PASSWORD_13,
    update_source=v.TEXT,
    ebgp_multihop=v.u32(1, 255, "ebgp-multihop must be between 1 and 255"),
    keepalive=v.u32(1, 65535, "Keepalive interval must be between 1 and 65535"),
    holdtime=v.u32(4, 65535, "Holdtime interval must be 0 or between 4 and 65535", zero=True),
    connect=v.u32(0, 65535, "BGP connect timer must be between 0 and 65535"),
    maximum_paths=v.u32(1, 255, "Must be between (1-255)"),
    network=v.typed("ipv4net", v.IPV4_PREFIX),
    router_id=v.typed("ipv4", v.IPV4),
    local_pref=v.typed("u32", v.numeric(0, 4294967295)),
)


def _rules(router: RouterVersion) -> _BgpRules:
    if router.asn_syntax is AsnSyntax.TAG:
        return _QUAGGA
    return _XML if router.asn_syntax is AsnSyntax.LOCAL_AS else _XML_14


def _bgp_children(router: RouterVersion) -> dict[str, SchemaNode]:
    r = _rules(router)
    parameters: dict[str, SchemaNode] = {
        "router-id": leaf(r.router_id),
        "log-neighbor-changes": VALUELESS,
    }
    if router.asn_syntax is not AsnSyntax.TAG:
        parameters["ebgp-requires-policy"] = VALUELESS
    default: dict[str, SchemaNode] = {"local-pref": leaf(r.local_pref)}
    if router.frr_template is not FrrTemplate.BGPD_UNCONDITIONAL:
        # 2021-05-21 and 1.3 only; T3741 (74a8c4b42, 2021-10-04) made it the default and
        # removed the leaf (the `default` node stays, with local-pref)
        default["no-ipv4-unicast"] = VALUELESS
    parameters["default"] = node(default)
    timers = {"keepalive": leaf(r.keepalive), "holdtime": leaf(r.holdtime)}
    if router.asn_syntax is AsnSyntax.TAG:  # 1.3 timers holdtime: 0 or 4-65535
        timers["holdtime"] = leaf(
            v.u32(4, 65535, "hold-time interval must be 0 or between 4 and 65535", zero=True)
        )
    return {
        "address-family": node(
            {
                "ipv4-unicast": node(
                    {
                        "maximum-paths": node(
                            {"ebgp": leaf(r.maximum_paths), "ibgp": leaf(r.maximum_paths)}
                        ),
                        "network": tag(r.network),
                        "redistribute": node({"connected": node(), "static": node()}),
                    }
                )
            }
        ),
        "neighbor": tag(r.neighbor, _bgp_peer_common(router, neighbor=True)),
        "peer-group": tag(r.peer_group, _bgp_peer_common(router, neighbor=False)),
        "parameters": node(parameters),
        "timers": node(timers),
    }


def _bgp(router: RouterVersion) -> SchemaNode:
    children = _bgp_children(router)
    r = _rules(router)
    if router.asn_syntax is AsnSyntax.TAG:
        return tag(r.asn, children, limit=1)  # protocols bgp <ASN> ...: node.def `tag:1`
    word = "local-as" if router.asn_syntax is AsnSyntax.LOCAL_AS else "system-as"
    children[word] = leaf(r.asn)
    return node(children)


def _interfaces() -> SchemaNode:
    ethernet = {
        "address": multi(v.IF_ADDRESS),
        "description": leaf(),
        "hw-id": leaf(v.MAC),
        "mtu": leaf(v.numeric(68, 16000)),
        "disable": VALUELESS,
    }
    return node(
        {
            "ethernet": tag(v.ETHERNET, ethernet),
            "loopback": tag(
                v.one_of("lo"), {"address": multi(v.IF_ADDRESS), "description": leaf()}
            ),
            "dummy": tag(
                v.Validator("dummy", lambda x: x.startswith("dum")),
                {"address": multi(v.IF_ADDRESS), "description": leaf()},
            ),
        }
    )


def _firewall() -> SchemaNode:
    """The 1.3-era global firewall options the reference lab carries."""
    names = [
        "all-ping",
        "broadcast-ping",
        "config-trap",
        "ip-src-route",
        "ipv6-receive-redirects",
        "ipv6-src-route",
        "log-martians",
        "receive-redirects",
        "send-redirects",
        "syn-cookies",
        "twa-hazards-protection",
    ]
    children = {n: leaf(v.ENABLE_DISABLE) for n in names}
    children["source-validation"] = leaf(v.one_of("strict", "loose", "disable"))
    return node(children)


def _nat() -> SchemaNode:
    rule = tag(
        v.numeric(1, 9999),
        {
            "description": leaf(),
            "outbound-interface": leaf(v.IFNAME),
            "protocol": leaf(),
            "source": node({"address": leaf(), "port": leaf()}),
            "destination": node({"address": leaf(), "port": leaf()}),
            "translation": node({"address": leaf()}),
            "exclude": VALUELESS,
        },
    )
    return node({"source": node({"rule": rule}), "destination": node({"rule": rule})})


def _dhcp_server() -> SchemaNode:
    subnet = tag(
        v.IPV4_PREFIX,
        {
            "default-router": leaf(v.IPV4),
            "dns-server": multi(v.IPV4),
            "domain-name": leaf(),
            "lease": leaf(v.numeric(0, 4294967295)),
            "range": tag(v.NAME, {"start": leaf(v.IPV4), "stop": leaf(v.IPV4)}),
            "static-mapping": tag(v.NAME, {"ip-address": leaf(v.IPV4), "mac-address": leaf(v.MAC)}),
        },
    )
    return node(
        {
            "listen-address": multi(v.IPV4),
            "shared-network-name": tag(v.NAME, {"authoritative": VALUELESS, "subnet": subnet}),
        }
    )


def _ntp() -> SchemaNode:
    return node(
        {
            "server": tag(v.TEXT, {"prefer": VALUELESS, "pool": VALUELESS}),
            "allow-client": node({"address": multi()}),
        }
    )


def _service() -> SchemaNode:
    return node(
        {
            "ssh": node(
                {
                    "port": multi(v.PORT),
                    "listen-address": multi(v.any_of(v.IPV4, v.IPV6)),
                    "disable-host-validation": VALUELESS,
                }
            ),
            "dhcp-server": _dhcp_server(),
            "ntp": _ntp(),
        }
    )


def _system(router: RouterVersion) -> SchemaNode:
    config_mgmt: dict[str, SchemaNode] = {"commit-revisions": leaf(v.numeric(1, 65535))}
    if router.confirm is ConfirmFlavour.V15:
        config_mgmt["commit-confirm"] = node({"action": leaf(v.one_of("reboot", "reload"))})
    user = tag(
        v.NAME,
        {
            "authentication": node(
                {
                    "encrypted-password": leaf(),
                    "plaintext-password": leaf(),
                    "public-keys": tag(v.TEXT, {"key": leaf(), "type": leaf()}),
                }
            ),
            "full-name": leaf(),
        },
    )
    levels = v.one_of("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", "all")
    return node(
        {
            "config-management": node(config_mgmt),
            "console": node({"device": tag(v.TEXT, {"speed": leaf(v.numeric(1200, 115200))})}),
            "domain-name": leaf(),
            "host-name": leaf(v.HOSTNAME),
            "ip": node(
                {
                    "multipath": node(
                        {"layer4-hashing": VALUELESS, "ignore-unreachable-nexthops": VALUELESS}
                    )
                }
            ),
            "login": node({"user": user}),
            "name-server": multi(v.any_of(v.IPV4, v.IPV6)),
            "ntp": _ntp(),
            "syslog": node({"global": node({"facility": tag(v.TEXT, {"level": leaf(levels)})})}),
            "time-zone": leaf(),
        }
    )


def _protocols(router: RouterVersion) -> SchemaNode:
    static_route = tag(
        v.IPV4_PREFIX,
        {
            "next-hop": tag(v.IPV4, {"distance": leaf(v.numeric(1, 255)), "disable": VALUELESS}),
            "blackhole": node({"distance": leaf(v.numeric(1, 255))}),
        },
    )
    from lab.vyos.bfd import bfd_schema  # bfd.py builds on this module's nodes

    return node(
        {"bfd": bfd_schema(router), "bgp": _bgp(router), "static": node({"route": static_route})}
    )


def schema_for(router: RouterVersion) -> SchemaNode:
    """The template tree the given VyOS build accepts (root node)."""
    return node(
        {
            "firewall": _firewall(),
            "interfaces": _interfaces(),
            "nat": _nat(),
            "protocols": _protocols(router),
            "service": _service(),
            "system": _system(router),
        }
    )
