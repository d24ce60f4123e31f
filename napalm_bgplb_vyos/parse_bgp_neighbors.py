"""FRR `show ip bgp summary json` + `show ip bgp neighbors json` -> NAPALM BGP getters.

Choices (documented in README.md of this package):
- `is_up` is True only for FRR state `Established`.
- `is_enabled` is False only for an administratively shut peer (`peerState` `Admin`).
- FRR `peerState` `Policy` (RFC 8212 `ebgp-requires-policy` with no route-map: the session
  is Established but nothing is exchanged) stays `is_up` True, and is made visible by
  appending POLICY_MARK to `description` (NAPALM's model has fixed keys) and, in
  `get_bgp_neighbors_detail`, by `connection_state` `Established (Policy)`: FRR's summary
  `state` with the non-OK `peerState` in parentheses, as FRR's text summary shows it.

FRR 7.5 (VyOS 1.3) prints less in the summary than 8.x: no per-peer `localAs`, `desc` or
`peerState`. Each such fact is read from the first source that has it (SOURCES, data):
the summary peer, then `show ip bgp neighbors json`, then the summary's address family.
FRR 7.5's peer state is in `state` (`Idle (Admin)`), and its RFC 8212 `Policy` state only in
the neighbor's `inboundEbgpRequiresPolicy` (both generations print that one).
"""

from __future__ import annotations

import re
from typing import Any

from napalm.base.models import BGPStateNeighborsPerVRFDict, PeerDetailsDict

from bgplb.errors import ParseError
from napalm_bgplb_vyos.json_docs import require_dict, require_int, require_str

SUMMARY_CMD = "show ip bgp summary json"
NEIGHBORS_CMD = "show ip bgp neighbors json"
POLICY_MARK = "[FRR Policy: ebgp-requires-policy, no routes exchanged]"
VRF = "global"


def _summary_af(summary: Any) -> dict[str, Any]:
    doc = require_dict(summary, SUMMARY_CMD)
    if "ipv4Unicast" not in doc:
        raise ParseError(
            SUMMARY_CMD,
            "no ipv4Unicast section (is BGP running with an IPv4 unicast peer?)",
            str(doc),
        )
    af = require_dict(doc["ipv4Unicast"], SUMMARY_CMD)
    require_dict(af.get("peers"), f"{SUMMARY_CMD}: peers")
    return af


# Where each fact is, first found wins: ("peer" summary peer | "nbr" neighbors detail |
# "nbr_af" its ipv4Unicast | "af" summary address family, key). FRR 7.5 has only the later
# sources, and prints `pfxSnt` only for an Established session.
SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "local_as": (("peer", "localAs"), ("nbr", "localAs"), ("af", "as")),
    "description": (("peer", "desc"), ("nbr", "nbrDesc")),
    "peer_state": (("peer", "peerState"),),
    "sent_prefixes": (("peer", "pfxSnt"), ("nbr_af", "sentPrefixCounter")),
}
_STATE_SUFFIX = re.compile(r"^\S+ \((?P<peer_state>[A-Za-z]+)\)$")  # `Idle (Admin)`
POLICY_KEY = "inboundEbgpRequiresPolicy"  # neighbors' ipv4Unicast, FRR 7.5 and 8.x


def _first(fact: str, docs: dict[str, dict[str, Any]]) -> Any:
    for doc, key in SOURCES[fact]:
        if key in docs.get(doc, {}):
            return docs[doc][key]
    return None


def _sources(peer: dict[str, Any], nbr: dict[str, Any], af: dict[str, Any]) -> dict[str, Any]:
    return {"peer": peer, "nbr": nbr, "nbr_af": _ipv4_info(nbr), "af": af}


def _sent_prefixes(docs: dict[str, dict[str, Any]], state: str, what: str) -> int:
    """Prefixes sent; a session that is not Established sends none (FRR 7.5 omits the count)."""
    value = _first("sent_prefixes", docs)
    if value is None and state != "Established":
        return 0
    return _int(value, "pfxSnt", what)


def _ipv4_info(nbr: dict[str, Any]) -> dict[str, Any]:
    info = nbr.get("addressFamilyInfo", {}).get("ipv4Unicast", {})
    return info if isinstance(info, dict) else {}


def peer_state(peer: dict[str, Any], nbr: dict[str, Any], what: str) -> str:
    """FRR's `peerState` (OK, Admin, PfxCt, Policy, ...), wherever this FRR prints it."""
    value = _first("peer_state", {"peer": peer})
    if value is not None:
        return str(value)
    m = _STATE_SUFFIX.match(require_str(peer, "state", what))
    if m:
        return m["peer_state"]
    return "Policy" if POLICY_KEY in _ipv4_info(nbr) else "OK"


def connection_state(state: str, peer_state_value: str) -> str:
    """FRR's summary state, with a non-OK `peerState` shown as FRR's text summary does."""
    if peer_state_value in ("OK", "Admin") or f"({peer_state_value})" in state:
        return state
    return f"{state} ({peer_state_value})"


def parse_bgp_neighbors(
    summary: Any, neighbors: Any | None
) -> dict[str, BGPStateNeighborsPerVRFDict]:
    """Return NAPALM's get_bgp_neighbors shape, `{"global": {"router_id", "peers"}}`.

    `neighbors` (`show ip bgp neighbors json`) gives `remote_id` and the accepted count;
    with None (a summary-only capture) `remote_id` is "" and accepted = received.
    """
    af = _summary_af(summary)
    detail = require_dict(neighbors, NEIGHBORS_CMD) if neighbors is not None else None
    peers: BGPStateNeighborsPerVRFDict = {
        "router_id": require_str(af, "routerId", SUMMARY_CMD),
        "peers": {},
    }
    for address, raw in af["peers"].items():
        what = f"{SUMMARY_CMD}: peer {address}"
        peer = require_dict(raw, what)
        state = require_str(peer, "state", what)
        nbr = detail.get(address) if detail is not None else {}
        if not isinstance(nbr, dict):
            raise ParseError(NEIGHBORS_CMD, f"peer {address} from the summary is missing")
        docs = _sources(peer, nbr, af)
        pstate = peer_state(peer, nbr, what)
        description = str(_first("description", docs) or "")
        if pstate == "Policy":
            description = f"{description} {POLICY_MARK}".strip()
        received = require_int(peer, "pfxRcd", what)
        accepted = _ipv4_info(nbr).get("acceptedPrefixCounter", received)
        peers["peers"][address] = {
            "local_as": _int(_first("local_as", docs), "local_as", what),
            "remote_as": require_int(peer, "remoteAs", what),
            "remote_id": str(nbr.get("remoteRouterId", "")),
            "is_up": state == "Established",
            "is_enabled": pstate != "Admin",
            "description": description,
            "uptime": require_int(peer, "peerUptimeMsec", what) // 1000,
            "address_family": {
                "ipv4": {
                    "received_prefixes": received,
                    "accepted_prefixes": int(accepted),
                    "sent_prefixes": _sent_prefixes(docs, state, what),
                }
            },
        }
    return {VRF: peers}


def _int(value: Any, fact: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParseError(what, f"{fact} missing or not an integer (got {value!r})")
    return value


def _ms(nbr: dict[str, Any], key: str) -> int:
    value = nbr.get(key, 0)
    return int(value) // 1000 if isinstance(value, int) else 0


def _port(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def _host(value: Any) -> str:
    return value if isinstance(value, str) and value != "Unknown" else ""


def parse_bgp_neighbors_detail(
    summary: Any, neighbors: Any, neighbor_address: str = ""
) -> dict[str, dict[int, list[PeerDetailsDict]]]:
    """Return NAPALM's get_bgp_neighbors_detail shape, `{"global": {remote_as: [peer, ...]}}`."""
    af = _summary_af(summary)
    detail = require_dict(neighbors, NEIGHBORS_CMD)
    by_as: dict[int, list[PeerDetailsDict]] = {}
    for address, raw in detail.items():
        if neighbor_address and address != neighbor_address:
            continue
        what = f"{NEIGHBORS_CMD}: peer {address}"
        nbr = require_dict(raw, what)
        peer = af["peers"].get(address)
        if not isinstance(peer, dict):
            raise ParseError(SUMMARY_CMD, f"peer {address} from the neighbors detail is missing")
        summary_what = f"{SUMMARY_CMD}: peer {address}"
        stats = require_dict(nbr.get("messageStats"), f"{what}: messageStats")
        af_info = _ipv4_info(nbr)
        received = require_int(peer, "pfxRcd", summary_what)
        remote_as = require_int(nbr, "remoteAs", what)
        state = require_str(peer, "state", summary_what)
        by_as.setdefault(remote_as, []).append(
            {
                "up": require_str(nbr, "bgpState", what) == "Established",
                "local_as": require_int(nbr, "localAs", what),
                "remote_as": remote_as,
                "router_id": str(nbr.get("localRouterId", "")),
                "local_address": _host(nbr.get("hostLocal")),
                "routing_table": str(nbr.get("vrfName", "default")),
                "local_address_configured": "updateSource" in nbr,
                "local_port": _port(nbr.get("portLocal")),
                "remote_address": address,
                "remote_port": _port(nbr.get("portForeign")),
                "multihop": int(nbr.get("externalBgpNbrMaxHopsAway", 1)) > 1,
                "multipath": False,
                "remove_private_as": any("privateAs" in key for key in af_info),
                "import_policy": str(af_info.get("routeMapForIncomingAdvertisements", "")),
                "export_policy": str(af_info.get("routeMapForOutgoingAdvertisements", "")),
                "input_messages": require_int(stats, "totalRecv", what),
                "output_messages": require_int(stats, "totalSent", what),
                "input_updates": require_int(stats, "updatesRecv", what),
                "output_updates": require_int(stats, "updatesSent", what),
                "messages_queued_out": require_int(stats, "depthOutq", what),
                "connection_state": connection_state(state, peer_state(peer, nbr, summary_what)),
                "previous_connection_state": "",
                "last_event": str(nbr.get("lastResetDueTo", "")),
                "suppress_4byte_as": False,
                "local_as_prepend": False,
                "holdtime": _ms(nbr, "bgpTimerHoldTimeMsecs"),
                "configured_holdtime": _ms(nbr, "bgpTimerConfiguredHoldTimeMsecs"),
                "keepalive": _ms(nbr, "bgpTimerKeepAliveIntervalMsecs"),
                "configured_keepalive": _ms(nbr, "bgpTimerConfiguredKeepAliveIntervalMsecs"),
                "active_prefix_count": received,
                "received_prefix_count": received,
                "accepted_prefix_count": int(af_info.get("acceptedPrefixCounter", received)),
                "suppressed_prefix_count": 0,
                "advertised_prefix_count": _sent_prefixes(
                    _sources(peer, nbr, af), state, summary_what
                ),
                "flap_count": int(nbr.get("connectionsDropped", 0)),
            }
        )
    return {VRF: by_as}


def summary_as_numbers(summary: Any) -> tuple[int, dict[str, int]]:
    """(local AS, {peer: remote AS}) for route attributes; (0, {}) when BGP is not running."""
    doc = require_dict(summary, SUMMARY_CMD)
    if not doc:
        return 0, {}
    af = _summary_af(doc)
    remote = {
        address: require_int(peer, "remoteAs", f"{SUMMARY_CMD}: peer {address}")
        for address, peer in af["peers"].items()
    }
    return require_int(af, "as", SUMMARY_CMD), remote
