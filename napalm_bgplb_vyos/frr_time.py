"""FRR's human uptimes (`00:00:05`, `3d04h05m`, `02w3d04h`) as seconds."""

from __future__ import annotations

import re

from bgplb.errors import ParseError

_HMS = re.compile(r"^(\d+):(\d{2}):(\d{2})$")
_UNITS = re.compile(r"(\d+)([ywdhms])")
_UNIT_SECONDS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}


def frr_uptime_seconds(text: str) -> int:
    """`00:00:04` -> 4, `1d02h03m` -> 93780, `01w2d03h` -> 788400; `never` -> 0."""
    value = text.strip()
    if value == "never":
        return 0
    m = _HMS.match(value)
    if m:
        return int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])
    parts = _UNITS.findall(value)
    if parts and "".join(n + u for n, u in parts) == value:
        return sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    raise ParseError("FRR uptime", f"unrecognised duration {value!r}")
