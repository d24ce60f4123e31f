"""Pure readers of what the router task brings back, into a RouterObservation.

Inputs: NAPALM `get_bgp_neighbors` and `get_route_to` shapes from the bgplb_vyos driver, and the
text of one `cli([...])` call: the running configuration (`show configuration commands`), FRR's
raw summary (`vtysh -c 'show ip bgp summary json'`, which keeps `peerState: Policy` that the NAPALM
shape has no field for), and one `ip route get` per synthetic flow. Anything unreadable is a
ParseError naming what it was reading, never an empty success.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import AddressValueError, IPv4Address, IPv4Network
from typing import Any

from bgplb.audit.observations import (
    BgpSession,
    FlowAnswer,
    Route,
    RoutePath,
    RouterConfig,
    RouterObservation,
)
from bgplb.errors import ParseError

CONFIG_COMMAND = "show configuration commands"
SUMMARY_COMMAND = "vtysh -c 'show ip bgp summary json'"

_MAXPATHS = re.compile(
    r"^set protocols bgp (?:\d+ )?address-family ipv4-unicast maximum-paths (ebgp|ibgp) '?(\d+)'?$"
)
_LAYER4 = "set system ip multipath layer4-hashing"


def parse_config(text: str) -> RouterConfig:
    """maximum-paths and layer-4 hashing from `show configuration commands` (every dialect)."""
    lines = [line.strip() for line in text.splitlines()]
    if not any(line.startswith("set ") for line in lines):
        raise ParseError(CONFIG_COMMAND, "no `set` line in the configuration", text)
    paths: dict[str, int] = {}
    for line in lines:
        if m := _MAXPATHS.match(line):
            paths[m[1]] = int(m[2])
    return RouterConfig(
        maximum_paths_ebgp=paths.get("ebgp"),
        maximum_paths_ibgp=paths.get("ibgp"),
        layer4_hashing=_LAYER4 in lines,
    )


@dataclass(frozen=True)
class FrrPeerState:
    state: str
    peer_state: str
    local_as: int
    remote_as: int
    received: int | None


def parse_frr_summary(text: str) -> tuple[int | None, dict[IPv4Address, FrrPeerState]]:
    """(local AS, peer -> raw state) from `show ip bgp summary json`; `{}` means no BGP."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(SUMMARY_COMMAND, f"not JSON: {exc.msg}", text) from exc
    if not isinstance(doc, dict):
        raise ParseError(SUMMARY_COMMAND, "not a JSON object", text)
    af = doc.get("ipv4Unicast")
    if af is None:
        return None, {}
    if not isinstance(af, dict) or not isinstance(af.get("peers", {}), dict):
        raise ParseError(SUMMARY_COMMAND, "ipv4Unicast.peers is not an object", text)
    out: dict[IPv4Address, FrrPeerState] = {}
    for addr, peer in af.get("peers", {}).items():
        try:
            out[IPv4Address(addr)] = FrrPeerState(
                state=str(peer["state"]),
                peer_state=str(peer.get("peerState", "")),
                local_as=int(peer["localAs"]),
                remote_as=int(peer["remoteAs"]),
                received=int(peer["pfxRcd"]) if "pfxRcd" in peer else None,
            )
        except (KeyError, TypeError, ValueError, AddressValueError) as exc:
            raise ParseError(SUMMARY_COMMAND, f"peer {addr}: {exc!r}", text) from exc
    local_as = af.get("as")
    return (int(local_as) if isinstance(local_as, int) else None), out


def sessions_from_napalm(
    neighbors: Mapping[str, Any], raw: Mapping[IPv4Address, FrrPeerState]
) -> tuple[BgpSession, ...]:
    """NAPALM get_bgp_neighbors (global VRF) merged with FRR's raw state per peer."""
    vrf = neighbors.get("global", {})
    peers = vrf.get("peers", {}) if isinstance(vrf, dict) else {}
    if not isinstance(peers, dict):
        raise ParseError("get_bgp_neighbors", "global.peers is not an object", str(neighbors))
    sessions: dict[IPv4Address, BgpSession] = {}
    for addr, peer in peers.items():
        try:
            ip = IPv4Address(addr)
            frr = raw.get(ip)
            received: int | None = frr.received if frr else None
            af = peer.get("address_family", {}).get("ipv4", {})
            if isinstance(af.get("received_prefixes"), int) and af["received_prefixes"] >= 0:
                received = int(af["received_prefixes"])
            sessions[ip] = BgpSession(
                peer=ip,
                local_as=int(peer["local_as"]),
                remote_as=int(peer["remote_as"]),
                is_up=bool(peer["is_up"]),
                is_enabled=bool(peer.get("is_enabled", True)),
                description=str(peer.get("description", "")),
                received_prefixes=received,
                state=frr.state if frr else None,
                peer_state=frr.peer_state if frr else None,
            )
        except (KeyError, TypeError, ValueError, AddressValueError) as exc:
            raise ParseError("get_bgp_neighbors", f"peer {addr}: {exc!r}", str(peer)) from exc
    for ip, frr in raw.items():  # a peer FRR knows and the getter missed still counts
        if ip not in sessions:
            sessions[ip] = BgpSession(
                peer=ip,
                local_as=frr.local_as,
                remote_as=frr.remote_as,
                is_up=frr.state == "Established",
                is_enabled="Admin" not in frr.state,
                description="",
                received_prefixes=frr.received,
                state=frr.state,
                peer_state=frr.peer_state,
            )
    return tuple(sorted(sessions.values(), key=lambda s: s.peer))


def routes_from_napalm(route_to: Mapping[str, Any]) -> tuple[Route, ...]:
    """NAPALM get_route_to: one entry per next hop.

    `current_active` is read as "BGP selected this path" (best or multipath) and
    `selected_next_hop` as "this next hop is installed in the kernel FIB".
    """
    routes = []
    for prefix, entries in route_to.items():
        try:
            net = IPv4Network(prefix)
            paths = tuple(
                RoutePath(
                    next_hop=IPv4Address(e["next_hop"]),
                    protocol=str(e.get("protocol", "")).lower(),
                    active=bool(e["current_active"]),
                    fib=bool(e["selected_next_hop"]),
                    remote_as=_remote_as(e),
                )
                for e in entries
                if e.get("next_hop")
            )
        except (KeyError, TypeError, ValueError, AddressValueError) as exc:
            raise ParseError("get_route_to", f"prefix {prefix}: {exc!r}", str(entries)) from exc
        routes.append(Route(prefix=net, paths=paths))
    return tuple(sorted(routes, key=lambda r: r.prefix))


def _remote_as(entry: Mapping[str, Any]) -> int | None:
    value = entry.get("protocol_attributes", {}).get("remote_as")
    return value if isinstance(value, int) else None


# ---------------------------------------------------------------- flows


@dataclass(frozen=True)
class FlowSpec:
    destination: IPv4Address
    source: IPv4Address | None
    sport: int
    dport: int
    iif: str | None

    @property
    def command(self) -> str:
        parts = ["ip route get", str(self.destination)]
        if self.source is not None and self.iif:
            parts += ["from", str(self.source), "iif", self.iif]
        parts += ["ipproto tcp sport", str(self.sport), "dport", str(self.dport)]
        return " ".join(parts)


FIRST_SPORT = 33000


def plan_flows(
    destinations: Sequence[tuple[IPv4Address, int]],
    sources: Sequence[IPv4Address],
    iif: str | None,
    per_destination: int,
) -> tuple[FlowSpec, ...]:
    """N synthetic TCP flows per (LB IP, port), source addresses cycling over the clients."""
    flows = []
    for dest, dport in destinations:
        for i in range(per_destination):
            src = sources[i % len(sources)] if sources else None
            flows.append(FlowSpec(dest, src, FIRST_SPORT + i, dport, iif))
    return tuple(flows)


_VIA = re.compile(r"\bvia (\d+\.\d+\.\d+\.\d+)\b")
_DEV_ONLY = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s.*\bdev \S+")


def parse_flow(spec: FlowSpec, text: str) -> FlowAnswer:
    """The next hop the kernel picks for one flow; an error answer is kept as such."""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    next_hop: IPv4Address | None = None
    if m := _VIA.search(first):
        next_hop = IPv4Address(m[1])
    elif _DEV_ONLY.match(first):  # directly connected: the destination is the next hop
        next_hop = spec.destination
    return FlowAnswer(
        destination=spec.destination,
        source=spec.source,
        sport=spec.sport,
        dport=spec.dport,
        next_hop=next_hop,
        error=None if next_hop else (first or "no output"),
    )


# ---------------------------------------------------------------- all together


def router_observation(
    host: str,
    neighbors: Mapping[str, Any],
    routes_by_pool: Mapping[IPv4Network, Mapping[str, Any]],
    cli: Mapping[str, str],
    flows: Sequence[FlowSpec],
) -> RouterObservation:
    """Everything the router task gathered, read and cross-checked in one place."""
    for command in (CONFIG_COMMAND, SUMMARY_COMMAND):
        if command not in cli:
            raise ParseError(command, "the cli() answer has no output for it")
    local_as, raw = parse_frr_summary(cli[SUMMARY_COMMAND])
    routes: dict[IPv4Network, Route] = {}
    for answer in routes_by_pool.values():
        for route in routes_from_napalm(answer):
            routes[route.prefix] = route
    return RouterObservation(
        host=host,
        local_as=local_as,
        sessions=sessions_from_napalm(neighbors, raw),
        pools_queried=tuple(routes_by_pool),
        routes=tuple(sorted(routes.values(), key=lambda r: r.prefix)),
        config=parse_config(cli[CONFIG_COMMAND]),
        flows=tuple(parse_flow(f, cli.get(f.command, "")) for f in flows),
    )


def flow_targets(
    routes: Sequence[Route], ports: Mapping[IPv4Address, int], default_port: int = 80
) -> list[tuple[IPv4Address, int]]:
    """The LB addresses worth asking about: host routes with two or more FIB next hops."""
    return [
        (r.host_address, ports.get(r.host_address, default_port))
        for r in routes
        if r.host_address is not None and len(r.fib) >= 2
    ]
