"""FRR zebra `show ip route ... json` + bgpd path details -> NAPALM get_route_to.

One NAPALM entry per (route, next hop), so an N-way ECMP route gives N entries.
- `current_active`/`last_active`: zebra selected the route and installed it (`selected` and
  `installed`); NAPALM's "last" has no FRR counterpart, so both carry the same value.
- `selected_next_hop`: this next hop is in the kernel FIB (FRR's per-next-hop `fib` flag).
- `inactive_reason`: "" when both hold, else which one does not.
- `age`: zebra's route `uptime` in seconds; `preference`: the administrative distance.
- `protocol_attributes` (BGP only): the bgpd path whose next hop (or peer) is this next hop:
  `local_as`, `remote_as`, `peer_id`, `as_path`, `communities`, `local_preference` (FRR's
  default 100 when the path carries none), `preference2` (0), `metric` (MED), `metric2` (0),
  plus `multipath` and `best` (bgpd's view of the path).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from napalm.base.models import RouteDict

from bgplb.errors import ParseError
from napalm_bgplb_vyos.frr_time import frr_uptime_seconds
from napalm_bgplb_vyos.json_docs import require_dict, require_str

DEFAULT_LOCAL_PREFERENCE = 100
_PROTOCOL_ALIASES = {"direct": "connected", "local": "connected"}


BgpPaths = Mapping[str, list[dict[str, Any]]]  # prefix -> bgpd's paths for it


def bgp_paths_by_prefix(bgp: Any, what: str) -> dict[str, list[dict[str, Any]]]:
    """Accept `show ip bgp X json` (one prefix) or `... longer-prefixes json detail` (table).

    FRR 8.4 prints a table entry as `[header, path, path...]`; a `{"paths": [...]}` object
    (the single-prefix form, and what newer FRR uses in tables) is accepted too.
    """
    doc = require_dict(bgp, what)
    if not doc:
        return {}
    if "routes" in doc:
        table = require_dict(doc["routes"], what)
        return {prefix: _paths(entry, what) for prefix, entry in table.items()}
    if "prefix" in doc:
        return {require_str(doc, "prefix", what): _paths(doc, what)}
    raise ParseError(what, "neither `routes` nor `prefix` in the BGP answer", str(doc)[:300])


def _paths(entry: Any, what: str) -> list[dict[str, Any]]:
    if isinstance(entry, dict):
        paths = entry.get("paths", [])
    elif isinstance(entry, list):
        paths = [p for p in entry if isinstance(p, dict) and "nexthops" in p]
    else:
        raise ParseError(what, f"unexpected BGP route entry {type(entry).__name__}")
    if not isinstance(paths, list):
        raise ParseError(what, "`paths` is not a list")
    return [require_dict(p, what) for p in paths]


def _peer_id(path: dict[str, Any]) -> str:
    peer = path.get("peer")
    if isinstance(peer, dict):
        return str(peer.get("peerId", ""))
    return str(path.get("peerId", ""))


def _bgp_attributes(
    path: dict[str, Any], local_as: int, remote_as_by_peer: dict[str, int]
) -> dict[str, Any]:
    aspath = path.get("aspath")
    as_path = aspath.get("string", "") if isinstance(aspath, dict) else str(path.get("path", ""))
    community = path.get("community")
    communities = list(community.get("list", [])) if isinstance(community, dict) else []
    peer_id = _peer_id(path)
    best = path.get("bestpath")
    return {
        "local_as": local_as,
        "remote_as": remote_as_by_peer.get(peer_id, 0),
        "peer_id": peer_id,
        "as_path": as_path,
        "communities": communities,
        "local_preference": int(path.get("locPrf", DEFAULT_LOCAL_PREFERENCE)),
        "preference2": 0,
        "metric": int(path.get("metric", 0)),
        "metric2": 0,
        "multipath": bool(path.get("multipath", False)),
        "best": bool(best.get("overall", False)) if isinstance(best, dict) else bool(best),
    }


def _match_path(paths: list[dict[str, Any]], next_hop: str) -> dict[str, Any] | None:
    for path in paths:
        hops = path.get("nexthops", [])
        if any(isinstance(h, dict) and h.get("ip") == next_hop for h in hops):
            return path
    for path in paths:
        if _peer_id(path) == next_hop:
            return path
    return None


def _inactive_reason(route: dict[str, Any], hop: dict[str, Any]) -> str:
    if not route.get("selected", False):
        return "route not selected by zebra"
    if not route.get("installed", False):
        if route.get("queued", False):
            return "route queued for the FIB"
        return "route not installed in the FIB"
    if not hop.get("active", False):
        return "next hop inactive"
    if not hop.get("fib", False):
        return "next hop not in the FIB"
    return ""


def bgp_prefixes(routes: Any, what: str = "show ip route json") -> list[str]:
    """The prefixes of zebra's answer that hold a BGP route, in zebra's order."""
    table = require_dict(routes, what)
    return [
        prefix
        for prefix, entries in table.items()
        if isinstance(entries, list)
        and any(isinstance(r, dict) and r.get("protocol") == "bgp" for r in entries)
    ]


def parse_route_to(
    routes: Any,
    bgp_paths: BgpPaths | None,
    *,
    protocol: str = "",
    local_as: int = 0,
    remote_as_by_peer: dict[str, int] | None = None,
    what: str = "show ip route json",
) -> dict[str, list[RouteDict]]:
    """Return `{prefix: [RouteDict, ...]}`; `bgp_paths` from bgpd (None: not fetched)."""
    table = require_dict(routes, what)
    peers_as = remote_as_by_peer or {}
    wanted = _PROTOCOL_ALIASES.get(protocol.lower(), protocol.lower())
    result: dict[str, list[RouteDict]] = {}
    for prefix, entries in table.items():
        if not isinstance(entries, list):
            raise ParseError(what, f"prefix {prefix}: expected a list of routes")
        for raw in entries:
            route = require_dict(raw, f"{what}: {prefix}")
            proto = require_str(route, "protocol", f"{what}: {prefix}")
            if wanted and proto != wanted:
                continue
            age = frr_uptime_seconds(require_str(route, "uptime", f"{what}: {prefix}"))
            active = bool(route.get("selected", False) and route.get("installed", False))
            hops = route.get("nexthops")
            if not isinstance(hops, list) or not hops:
                raise ParseError(what, f"prefix {prefix}: route without next hops")
            for raw_hop in hops:
                hop = require_dict(raw_hop, f"{what}: {prefix} next hop")
                next_hop = str(hop.get("ip", ""))
                attributes: dict[str, Any] = {}
                if proto == "bgp" and bgp_paths is not None:
                    path = _match_path(bgp_paths.get(prefix, []), next_hop)
                    if path is None:
                        raise ParseError(
                            "bgp path details",
                            f"{prefix} via {next_hop}: zebra has it, bgpd shows no such path",
                        )
                    attributes = _bgp_attributes(path, local_as, peers_as)
                result.setdefault(prefix, []).append(
                    {
                        "protocol": proto,
                        "current_active": active,
                        "last_active": active,
                        "age": age,
                        "next_hop": next_hop,
                        "outgoing_interface": str(hop.get("interfaceName", "")),
                        "selected_next_hop": bool(hop.get("fib", False)),
                        "preference": int(route.get("distance", 0)),
                        "inactive_reason": _inactive_reason(route, hop),
                        "routing_table": str(route.get("vrfName", "default")),
                        "protocol_attributes": attributes,
                    }
                )
    return result
