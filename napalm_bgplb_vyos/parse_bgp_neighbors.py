"""FRR `show ip bgp summary json` + `show ip bgp neighbors json` -> NAPALM BGP getters.

Choices (documented in README.md of this package):
- `is_up` is True only for FRR state `Established`.
- `is_enabled` is False only for an administratively shut peer (`peerState` `Admin`).
- FRR `peerState` `Policy` (RFC 8212 `ebgp-requires-policy` with no route-map: the session
  is Established but nothing is exchanged) stays `is_up` True, and is made visible by
  appending POLICY_MARK to `description` (NAPALM's model has fixed keys) and, in
  `get_bgp_neighbors_detail`, by `connection_state` `Established (Policy)`: FRR's summary
  `state` with the non-OK `peerState` in parentheses, as FRR's text summary shows it.
"""

from __future__ import annotations

from typing import Any

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


def connection_state(peer: dict[str, Any], what: str) -> str:
    """FRR's summary state, with a non-OK `peerState` shown as FRR's text summary does."""
    state = require_str(peer, "state", what)
    peer_state = peer.get("peerState", "OK")
    if peer_state in ("OK", "Admin") or f"({peer_state})" in state:
        return state
    return f"{state} ({peer_state})"


def parse_bgp_neighbors(summary: Any, neighbors: Any | None) -> dict[str, Any]:
    """Return NAPALM's get_bgp_neighbors shape, `{"global": {"router_id", "peers"}}`.

    `neighbors` (`show ip bgp neighbors json`) gives `remote_id` and the accepted count;
    with None (a summary-only capture) `remote_id` is "" and accepted = received.
    """
    af = _summary_af(summary)
    detail = require_dict(neighbors, NEIGHBORS_CMD) if neighbors is not None else None
    peers: dict[str, Any] = {}
    for address, raw in af["peers"].items():
        what = f"{SUMMARY_CMD}: peer {address}"
        peer = require_dict(raw, what)
        state = require_str(peer, "state", what)
        nbr = detail.get(address) if detail is not None else {}
        if not isinstance(nbr, dict):
            raise ParseError(NEIGHBORS_CMD, f"peer {address} from the summary is missing")
        description = str(peer.get("desc", ""))
        if peer.get("peerState") == "Policy":
            description = f"{description} {POLICY_MARK}".strip()
        received = require_int(peer, "pfxRcd", what)
        af_info = nbr.get("addressFamilyInfo", {}).get("ipv4Unicast", {})
        accepted = af_info.get("acceptedPrefixCounter", received)
        peers[address] = {
            "local_as": require_int(peer, "localAs", what),
            "remote_as": require_int(peer, "remoteAs", what),
            "remote_id": str(nbr.get("remoteRouterId", "")),
            "is_up": state == "Established",
            "is_enabled": peer.get("peerState") != "Admin",
            "description": description,
            "uptime": require_int(peer, "peerUptimeMsec", what) // 1000,
            "address_family": {
                "ipv4": {
                    "received_prefixes": received,
                    "accepted_prefixes": int(accepted),
                    "sent_prefixes": require_int(peer, "pfxSnt", what),
                }
            },
        }
    return {VRF: {"router_id": require_str(af, "routerId", SUMMARY_CMD), "peers": peers}}


def _ms(nbr: dict[str, Any], key: str) -> int:
    value = nbr.get(key, 0)
    return int(value) // 1000 if isinstance(value, int) else 0


def _port(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def _host(value: Any) -> str:
    return value if isinstance(value, str) and value != "Unknown" else ""


def parse_bgp_neighbors_detail(
    summary: Any, neighbors: Any, neighbor_address: str = ""
) -> dict[str, Any]:
    """Return NAPALM's get_bgp_neighbors_detail shape, `{"global": {remote_as: [peer, ...]}}`."""
    af = _summary_af(summary)
    detail = require_dict(neighbors, NEIGHBORS_CMD)
    by_as: dict[int, list[dict[str, Any]]] = {}
    for address, raw in detail.items():
        if neighbor_address and address != neighbor_address:
            continue
        what = f"{NEIGHBORS_CMD}: peer {address}"
        nbr = require_dict(raw, what)
        peer = af["peers"].get(address)
        if not isinstance(peer, dict):
            raise ParseError(SUMMARY_CMD, f"peer {address} from the neighbors detail is missing")
        stats = require_dict(nbr.get("messageStats"), f"{what}: messageStats")
        af_info = nbr.get("addressFamilyInfo", {}).get("ipv4Unicast", {})
        received = require_int(peer, "pfxRcd", f"{SUMMARY_CMD}: peer {address}")
        remote_as = require_int(nbr, "remoteAs", what)
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
                "connection_state": connection_state(peer, f"{SUMMARY_CMD}: peer {address}"),
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
                "advertised_prefix_count": int(
                    af_info.get("sentPrefixCounter", peer.get("pfxSnt", 0))
                ),
                "flap_count": int(nbr.get("connectionsDropped", 0)),
            }
        )
    if neighbor_address and not by_as:
        return {VRF: {}}
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
