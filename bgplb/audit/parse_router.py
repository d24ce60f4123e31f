"""Pure readers of what the router task brings back, into a RouterObservation.

Inputs: NAPALM `get_bgp_neighbors`, `get_bgp_neighbors_detail` (its `connection_state` keeps
FRR's raw state, `Established (Policy)` included) and `get_route_to` from the bgplb_vyos driver,
and the text of one `cli([...])` call: the running configuration (`show configuration commands`)
and one `ip route get` per synthetic flow. Anything unreadable is a ParseError naming what it
was reading, never an empty success.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import AddressValueError, IPv4Address, IPv4Network
from typing import Any

from bgplb.audit.observations import (
    BgpSession,
    FlowAnswer,
    NextHopSets,
    PeerLiveness,
    Route,
    RoutePath,
    RouterConfig,
    RouterObservation,
)
from bgplb.errors import ParseError
from bgplb.vyos.paths import (
    LAYER4_HASHING,
    MAXIMUM_PATHS_EBGP,
    SHOW_COMMANDS,
    bgp_values,
    parse_show_commands,
)

CONFIG_COMMAND = SHOW_COMMANDS
DEFAULT_FLOWS = 30  # --flows: synthetic flows per sampled LB address
# Below this many flows per next hop, a next hop without a flow may be bad luck, not a fault.
FLOWS_PER_HOP_FOR_CERTAINTY = 10


def parse_config(text: str) -> RouterConfig:
    """maximum-paths ebgp and layer-4 hashing from `show configuration commands`, in every
    dialect (`protocols bgp [<ASN>] ...`), read through the one VyOS path module."""
    paths = parse_show_commands(text)
    if not paths:
        raise ParseError(CONFIG_COMMAND, "no `set` line in the configuration", text)
    values = bgp_values(paths, MAXIMUM_PATHS_EBGP)
    try:
        ebgp = int(values[-1]) if values else None
    except ValueError as exc:
        raise ParseError(CONFIG_COMMAND, f"maximum-paths ebgp {values[-1]!r}", text) from exc
    return RouterConfig(maximum_paths_ebgp=ebgp, layer4_hashing=LAYER4_HASHING in paths)


@dataclass(frozen=True)
class PeerState:
    """FRR's raw session state as the driver's get_bgp_neighbors_detail carries it."""

    state: str  # "Established", "Active", "Idle", ...
    peer_state: str  # "OK", "Policy", "Admin", "PfxCt", ...


_CONNECTION_STATE = re.compile(r"^(?P<state>.*?)(?: \((?P<peer>[A-Za-z]+)\))?$")


def parse_connection_state(text: str) -> PeerState:
    """`Established (Policy)` -> (Established, Policy); `Idle (Admin)` -> (Idle, Admin)."""
    m = _CONNECTION_STATE.match(text.strip())
    assert m is not None  # the pattern matches any text
    return PeerState(m["state"], m["peer"] or "OK")


def states_from_detail(detail: Mapping[str, Any]) -> dict[IPv4Address, PeerState]:
    """peer -> raw state from NAPALM get_bgp_neighbors_detail (`{vrf: {remote_as: [peer]}}`)."""
    vrf = detail.get("global", {})
    if not isinstance(vrf, dict):
        raise ParseError("get_bgp_neighbors_detail", "global is not an object", str(detail))
    out: dict[IPv4Address, PeerState] = {}
    for peers in vrf.values():
        for peer in peers if isinstance(peers, list) else ():
            try:
                out[IPv4Address(peer["remote_address"])] = parse_connection_state(
                    str(peer["connection_state"])
                )
            except (KeyError, TypeError, ValueError, AddressValueError) as exc:
                raise ParseError("get_bgp_neighbors_detail", repr(exc), str(peer)) from exc
    return out


def _seconds(value: Any, what: str, peer: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ParseError("get_bgp_peer_liveness", f"{what} {value!r}", str(peer))
    return value / 1000


def liveness_from_driver(doc: Mapping[str, Any]) -> dict[IPv4Address, PeerLiveness]:
    """peer -> PeerLiveness from the bgplb_vyos driver's get_bgp_peer_liveness
    (`{"global": {peer: {last_read_ms, hold_ms, keepalive_ms, bfd_status, state}}}`)."""
    vrf = doc.get("global", {})
    if not isinstance(vrf, dict):
        raise ParseError("get_bgp_peer_liveness", "global is not an object", str(doc))
    out: dict[IPv4Address, PeerLiveness] = {}
    for addr, peer in vrf.items():
        try:
            bfd = peer.get("bfd_status")
            out[IPv4Address(addr)] = PeerLiveness(
                last_read_s=_seconds(peer.get("last_read_ms"), "last_read_ms", peer),
                hold_s=_seconds(peer.get("hold_ms"), "hold_ms", peer),
                keepalive_s=_seconds(peer.get("keepalive_ms"), "keepalive_ms", peer),
                bfd_status=str(bfd) if bfd is not None else None,
            )
        except (AttributeError, AddressValueError, ValueError) as exc:
            raise ParseError("get_bgp_peer_liveness", f"peer {addr}: {exc!r}", str(peer)) from exc
    return out


def sessions_from_napalm(
    neighbors: Mapping[str, Any],
    raw: Mapping[IPv4Address, PeerState],
    liveness: Mapping[IPv4Address, PeerLiveness] | None = None,
) -> tuple[BgpSession, ...]:
    """NAPALM get_bgp_neighbors (global VRF) with FRR's raw state per peer added."""
    vrf = neighbors.get("global", {})
    peers = vrf.get("peers", {}) if isinstance(vrf, dict) else {}
    if not isinstance(peers, dict):
        raise ParseError("get_bgp_neighbors", "global.peers is not an object", str(neighbors))
    sessions = []
    for addr, peer in peers.items():
        try:
            ip = IPv4Address(addr)
            frr = raw.get(ip)
            received = peer.get("address_family", {}).get("ipv4", {}).get("received_prefixes")
            sessions.append(
                BgpSession(
                    peer=ip,
                    local_as=int(peer["local_as"]),
                    remote_as=int(peer["remote_as"]),
                    is_up=bool(peer["is_up"]),
                    is_enabled=bool(peer.get("is_enabled", True)),
                    description=str(peer.get("description", "")),
                    received_prefixes=received
                    if isinstance(received, int) and received >= 0
                    else None,
                    state=frr.state if frr else None,
                    peer_state=frr.peer_state if frr else None,
                    liveness=(liveness or {}).get(ip),
                )
            )
        except (KeyError, TypeError, ValueError, AddressValueError) as exc:
            raise ParseError("get_bgp_neighbors", f"peer {addr}: {exc!r}", str(peer)) from exc
    return tuple(sorted(sessions, key=lambda s: s.peer))


def routes_from_napalm(route_to: Mapping[str, Any]) -> tuple[Route, ...]:
    """NAPALM get_route_to as the bgplb_vyos driver fills it: one entry per next hop of the
    route zebra holds (so only next hops BGP selected), `protocol_attributes.multipath`/`best`
    from bgpd, `selected_next_hop` = the next hop is in the kernel FIB, `current_active` = the
    route is selected and installed.
    """
    routes = []
    # Every LB IP announced by the same nodes repeats the same paths: one RoutePath (and one
    # IPv4Address) per distinct path, so 5,000 IPs over 200 nodes cost 200 objects, not 10^6.
    # An entry is looked up by its raw values first: the 10^6 entries of the worst case are
    # read with a few dict lookups each, and each distinct one is interpreted once.
    by_raw: dict[tuple[Any, ...], RoutePath] = {}
    paths_seen: dict[tuple[Any, ...], RoutePath] = {}
    lists_seen: dict[tuple[int, ...], tuple[tuple[RoutePath, ...], NextHopSets]] = {}
    for prefix, entries in route_to.items():
        try:
            net = IPv4Network(prefix)
            paths = []
            for e in entries:
                hop = e.get("next_hop")
                if not hop:
                    continue
                attrs = e.get("protocol_attributes") or _NO_ATTRS
                raw = (
                    hop,
                    e.get("protocol", ""),
                    attrs.get("multipath", _ABSENT),
                    attrs.get("best", _ABSENT),
                    attrs.get("remote_as"),
                    e["selected_next_hop"],
                    e.get("current_active", _ABSENT),
                )
                try:
                    path = by_raw.get(raw)
                except TypeError:  # an unhashable value: interpreted, never cached
                    path = _route_path(e, paths_seen)
                else:
                    if path is None:
                        path = by_raw[raw] = _route_path(e, paths_seen)
                paths.append(path)
        except (KeyError, TypeError, ValueError, AddressValueError) as exc:
            raise ParseError("get_route_to", f"prefix {prefix}: {exc!r}", str(entries)) from exc
        ids = tuple(map(id, paths))  # the paths are shared objects: their ids name them
        if ids not in lists_seen:
            shared_paths = tuple(paths)
            lists_seen[ids] = (shared_paths, NextHopSets.of(shared_paths))
        shared_paths, sets = lists_seen[ids]
        routes.append(Route(prefix=net, paths=shared_paths, shared=sets))
    return tuple(sorted(routes, key=lambda r: r.prefix))


_ABSENT = object()  # a key the entry does not have (not the same as a None value)
_NO_ATTRS: Mapping[str, Any] = {}


def _route_path(entry: Mapping[str, Any], seen: dict[tuple[Any, ...], RoutePath]) -> RoutePath:
    """The entry's RoutePath, one object per distinct path (`seen`)."""
    key = (
        entry["next_hop"],
        str(entry.get("protocol", "")).lower(),
        _bgp_selected(entry),
        bool(entry["selected_next_hop"]) and bool(entry["current_active"]),
        _remote_as(entry),
    )
    path = seen.get(key)
    if path is None:
        path = seen[key] = RoutePath(IPv4Address(key[0]), *key[1:])
    return path


def _bgp_selected(entry: Mapping[str, Any]) -> bool:
    attrs = entry.get("protocol_attributes") or {}
    if "multipath" in attrs or "best" in attrs:
        return bool(attrs.get("multipath")) or bool(attrs.get("best"))
    return True  # zebra only holds next hops BGP selected


def _remote_as(entry: Mapping[str, Any]) -> int | None:
    value = (entry.get("protocol_attributes") or {}).get("remote_as")
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
    detail: Mapping[str, Any],
    routes_by_pool: Mapping[IPv4Network, Mapping[str, Any]],
    cli: Mapping[str, str],
    flows: Sequence[FlowSpec],
    liveness: Mapping[str, Any] | None = None,
) -> RouterObservation:
    """Everything the router task gathered, read and cross-checked in one place."""
    if CONFIG_COMMAND not in cli:
        raise ParseError(CONFIG_COMMAND, "the cli() answer has no output for it")
    routes: dict[IPv4Network, Route] = {}
    for answer in routes_by_pool.values():
        for route in routes_from_napalm(answer):
            routes[route.prefix] = route
    alive = liveness_from_driver(liveness) if liveness is not None else None
    sessions = sessions_from_napalm(neighbors, states_from_detail(detail), alive)
    local = {s.local_as for s in sessions}
    return RouterObservation(
        host=host,
        local_as=local.pop() if len(local) == 1 else None,
        sessions=sessions,
        pools_queried=tuple(routes_by_pool),
        routes=tuple(sorted(routes.values(), key=lambda r: r.prefix)),
        config=parse_config(cli[CONFIG_COMMAND]),
        flows=tuple(parse_flow(f, cli.get(f.command, "")) for f in flows),
    )


def flow_targets(
    routes: Sequence[Route],
    ports: Mapping[IPv4Address, int],
    default_port: int = 80,
    per_destination: int = DEFAULT_FLOWS,
) -> list[tuple[IPv4Address, int]]:
    """The LB addresses worth asking about: host routes with two or more FIB next hops,
    sampled per next-hop set.

    The kernel hashes every route over the same next-hop set alike, so the spread is judged
    per set, not per address: from each set, the first addresses (in address order) that
    together get FLOWS_PER_HOP_FOR_CERTAINTY flows per next hop at `per_destination` flows
    each. The flows asked then grow with the distinct next-hop sets and their width, never
    with the number of LB addresses (200 Services over the same 24 nodes: 240 flows).
    """
    groups: dict[frozenset[IPv4Address], list[IPv4Address]] = {}
    for r in routes:
        if r.host_address is not None and len(r.fib) >= 2:
            groups.setdefault(r.fib, []).append(r.host_address)
    out: list[tuple[IPv4Address, int]] = []
    per = max(1, per_destination)
    for fib, addresses in groups.items():
        wanted = -(-FLOWS_PER_HOP_FOR_CERTAINTY * len(fib) // per)  # ceiling
        out += [(a, ports.get(a, default_port)) for a in sorted(addresses)[:wanted]]
    return sorted(out)
