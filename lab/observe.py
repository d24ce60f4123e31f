"""What the twin's router sees: BGP sessions (FRR JSON) and ECMP routes (kernel JSON).

`parse_*` are pure and take the JSON the commands return; the other functions run them.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from bgplb.errors import LabError
from lab import frr
from lab.netns import ip_json


@dataclass(frozen=True)
class Session:
    peer: IPv4Address
    remote_as: int
    state: str
    prefixes_received: int | None


@dataclass(frozen=True)
class KernelRoute:
    prefix: IPv4Network
    nexthops: tuple[IPv4Address, ...]


def parse_sessions(summary: dict[str, object]) -> list[Session]:
    """`show bgp ipv4 unicast summary json` (FRR 8/9: {"peers": {...}} at the top level)."""
    af = summary.get("ipv4Unicast", summary)
    peers = af.get("peers", {}) if isinstance(af, dict) else {}
    if not isinstance(peers, dict):
        raise LabError("BGP summary JSON without a `peers` object")
    out = []
    for addr, p in sorted(peers.items(), key=lambda kv: IPv4Address(kv[0])):
        pfx = p.get("pfxRcd")
        out.append(
            Session(
                peer=IPv4Address(addr),
                remote_as=int(p.get("remoteAs", 0)),
                state=str(p.get("state", "unknown")),
                prefixes_received=int(pfx) if pfx is not None else None,
            )
        )
    return out


def parse_kernel_routes(routes: list[dict[str, object]]) -> list[KernelRoute]:
    """`ip -j route show` entries: one gateway, or a list of them under `nexthops` (nexthop
    groups, as FRR installs them) or `multipath` (routes without a nexthop group)."""
    out = []
    for r in routes:
        dst = str(r["dst"])
        prefix = IPv4Network(dst if "/" in dst else f"{dst}/32")
        hops = r.get("nexthops", r.get("multipath"))
        gateways = (
            [str(h["gateway"]) for h in hops if isinstance(h, dict) and "gateway" in h]
            if isinstance(hops, list)
            else ([str(r["gateway"])] if "gateway" in r else [])
        )
        out.append(KernelRoute(prefix, tuple(sorted(IPv4Address(g) for g in gateways))))
    return out


def router_sessions(inst: frr.Instance) -> list[Session]:
    return parse_sessions(frr.vtysh_json(inst, "show bgp ipv4 unicast summary json"))


def bgp_kernel_routes(ns: str) -> list[KernelRoute]:
    """Routes FRR installed in the router's kernel (proto bgp)."""
    return parse_kernel_routes(ip_json(ns, ["-4", "route", "show", "proto", "bgp"]))


def nexthops_of(ns: str, prefix: IPv4Network) -> tuple[IPv4Address, ...]:
    for route in bgp_kernel_routes(ns):
        if route.prefix == prefix:
            return route.nexthops
    return ()
