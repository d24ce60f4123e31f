"""Which configuration paths are valid, as data, per VyOS dialect.

Only the part of the VyOS template tree the lab needs is described: BGP, static routes,
system basics, and everything the reference lab's `show configuration commands` contains
(firewall, nat, dhcp-server, ntp, syslog), so that the seed config loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bgplb.vyos.dialects import BgpSyntax, ConfirmStyle, VyosDialect
from lab.vyos import validators as v


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

    @property
    def takes_value(self) -> bool:
        return self.kind in (Kind.TAG, Kind.LEAF, Kind.MULTI)


def node(children: Mapping[str, SchemaNode] | None = None) -> SchemaNode:
    return SchemaNode(Kind.NODE, dict(children or {}))


def tag(validator: v.Validator, children: Mapping[str, SchemaNode] | None = None) -> SchemaNode:
    return SchemaNode(Kind.TAG, dict(children or {}), validator)


def leaf(validator: v.Validator = v.TEXT) -> SchemaNode:
    return SchemaNode(Kind.LEAF, {}, validator)


def multi(validator: v.Validator = v.TEXT) -> SchemaNode:
    return SchemaNode(Kind.MULTI, {}, validator)


VALUELESS = SchemaNode(Kind.VALUELESS)


def _bgp_peer_common(*, neighbor: bool) -> dict[str, SchemaNode]:
    afi = node(
        {
            "ipv4-unicast": node(
                {
                    "soft-reconfiguration": node({"inbound": VALUELESS}),
                    "route-map": node({"import": leaf(v.NAME), "export": leaf(v.NAME)}),
                    "nexthop-self": node({"force": VALUELESS}),
                }
            )
        }
    )
    common: dict[str, SchemaNode] = {
        "address-family": afi,
        "description": leaf(),
        "password": leaf(),
        "remote-as": leaf(v.REMOTE_AS),
        "update-source": leaf(v.any_of(v.IPV4, v.IPV6, v.IFNAME)),
        "ebgp-multihop": leaf(v.numeric(1, 255)),
    }
    if neighbor:
        common |= {
            "peer-group": leaf(v.NAME),
            "shutdown": VALUELESS,
            "passive": VALUELESS,
            "timers": node(
                {
                    "keepalive": leaf(v.numeric(1, 65535)),
                    "holdtime": leaf(v.numeric(3, 65535, v.INVALID_VALUE, "0")),
                    "connect": leaf(v.numeric(1, 65535)),
                }
            ),
        }
    return common


def _bgp(dialect: VyosDialect) -> SchemaNode:
    children: dict[str, SchemaNode] = {
        "address-family": node(
            {
                "ipv4-unicast": node(
                    {
                        "maximum-paths": node(
                            {"ebgp": leaf(v.numeric(1, 256)), "ibgp": leaf(v.numeric(1, 256))}
                        ),
                        "network": tag(v.IPV4_PREFIX),
                        "redistribute": node({"connected": node(), "static": node()}),
                    }
                )
            }
        ),
        "neighbor": tag(v.NEIGHBOR, _bgp_peer_common(neighbor=True)),
        "peer-group": tag(v.NAME, _bgp_peer_common(neighbor=False)),
        "parameters": node(
            {
                "router-id": leaf(v.IPV4),
                "ebgp-requires-policy": VALUELESS,
                "log-neighbor-changes": VALUELESS,
            }
        ),
        "timers": node(
            {
                "keepalive": leaf(v.numeric(1, 65535)),
                "holdtime": leaf(v.numeric(3, 65535, v.INVALID_VALUE, "0")),
            }
        ),
    }
    if dialect.bgp_syntax is BgpSyntax.LOCAL_AS:
        children["local-as"] = leaf(v.ASN)
    elif dialect.bgp_syntax is BgpSyntax.SYSTEM_AS:
        children["system-as"] = leaf(v.ASN)
    else:
        raise ValueError(f"BGP syntax {dialect.bgp_syntax} is not emulated")
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


def _system(dialect: VyosDialect) -> SchemaNode:
    config_mgmt: dict[str, SchemaNode] = {"commit-revisions": leaf(v.numeric(1, 65535))}
    if dialect.confirm_style is ConfirmStyle.V15:
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


def _protocols(dialect: VyosDialect) -> SchemaNode:
    static_route = tag(
        v.IPV4_PREFIX,
        {
            "next-hop": tag(v.IPV4, {"distance": leaf(v.numeric(1, 255)), "disable": VALUELESS}),
            "blackhole": node({"distance": leaf(v.numeric(1, 255))}),
        },
    )
    return node({"bgp": _bgp(dialect), "static": node({"route": static_route})})


def schema_for(dialect: VyosDialect) -> SchemaNode:
    """The template tree the given dialect accepts (root node)."""
    return node(
        {
            "firewall": _firewall(),
            "interfaces": _interfaces(),
            "nat": _nat(),
            "protocols": _protocols(dialect),
            "service": _service(),
            "system": _system(dialect),
        }
    )
