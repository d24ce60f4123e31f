"""FRR `show ip bgp neighbors json` -> the driver's extra getter get_bgp_peer_liveness.

NAPALM's get_bgp_neighbors_detail has fixed keys and no "time since the last message read",
which is what tells a silent peer (a node that died hard: its TCP session never closed) from a
healthy one before the hold timer expires. Per peer, in the global VRF:

- `state`: FRR's `bgpState` (`Established`, `Active`, ...);
- `last_read_ms`: `bgpTimerLastRead`, milliseconds since FRR last read a message from the peer
  (keepalives included); FRR 7.5 and 8.4 both print it (tests/fixtures/driver/frr-7.5.1,
  captures/peers24), also for a session that is down (then stale, from its last life);
- `hold_ms`, `keepalive_ms`: the negotiated `bgpTimerHoldTimeMsecs` and
  `bgpTimerKeepAliveIntervalMsecs` (the configured ones when the session is down);
- `bfd_status`: FRR's `peerBfdInfo.status` (`Up`, `Down`, `Unknown`) when BFD is configured for
  the peer, else None.
"""

from __future__ import annotations

from typing import Any, TypedDict

from bgplb.errors import ParseError
from napalm_bgplb_vyos.json_docs import require_dict, require_str
from napalm_bgplb_vyos.parse_bgp_neighbors import NEIGHBORS_CMD, VRF

LIVENESS_KEYS = {
    "last_read_ms": "bgpTimerLastRead",
    "hold_ms": "bgpTimerHoldTimeMsecs",
    "keepalive_ms": "bgpTimerKeepAliveIntervalMsecs",
}
BFD_KEY = "peerBfdInfo"


class PeerLiveness(TypedDict):
    state: str
    last_read_ms: int | None
    hold_ms: int | None
    keepalive_ms: int | None
    bfd_status: str | None


def _ms(nbr: dict[str, Any], key: str, what: str) -> int | None:
    value = nbr.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ParseError(what, f"{key} is not a count of milliseconds (got {value!r})")
    return value


def _bfd_status(nbr: dict[str, Any], what: str) -> str | None:
    info = nbr.get(BFD_KEY)
    if info is None:
        return None
    doc = require_dict(info, f"{what}: {BFD_KEY}")
    return str(doc.get("status", "Unknown"))


def parse_bgp_liveness(neighbors: Any) -> dict[str, dict[str, PeerLiveness]]:
    """`{"global": {peer: PeerLiveness}}` from `show ip bgp neighbors json`."""
    detail = require_dict(neighbors, NEIGHBORS_CMD)
    peers: dict[str, PeerLiveness] = {}
    for address, raw in detail.items():
        what = f"{NEIGHBORS_CMD}: peer {address}"
        nbr = require_dict(raw, what)
        peers[address] = {
            "state": require_str(nbr, "bgpState", what),
            "last_read_ms": _ms(nbr, LIVENESS_KEYS["last_read_ms"], what),
            "hold_ms": _ms(nbr, LIVENESS_KEYS["hold_ms"], what),
            "keepalive_ms": _ms(nbr, LIVENESS_KEYS["keepalive_ms"], what),
            "bfd_status": _bfd_status(nbr, what),
        }
    return {VRF: peers}
