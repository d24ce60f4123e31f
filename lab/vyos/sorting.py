"""Child ordering used by VyOS when it prints a configuration.

vyatta-cfg sorts config nodes with Debian version comparison (`Cstore::sort_nodes` with
`SORT_DEB_VERSION`, i.e. apt's `debVS.CmpVersion`): letters sort before punctuation, digit runs
compare numerically. That is why the seed prints `ipv6-src-route` before `ip-src-route` and
`eth10` after `eth2`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable


def _order(c: str) -> int:
    if c.isdigit():
        return 0
    if c.isascii() and c.isalpha():
        return ord(c)
    if c == "~":
        return -1
    return ord(c) + 256


def _is_digit(s: str, i: int) -> bool:
    return i < len(s) and s[i].isdigit()


def _cmp_fragment(a: str, b: str) -> int:
    """apt-pkg debVersioningSystem::CmpFragment on two whole fragments."""
    i = j = 0
    while i < len(a) and j < len(b):
        while i < len(a) and j < len(b) and not (a[i].isdigit() and b[j].isdigit()):
            vc, rc = _order(a[i]), _order(b[j])
            if vc != rc:
                return vc - rc
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        first_diff = 0
        while _is_digit(a, i) and _is_digit(b, j):
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if _is_digit(a, i):
            return 1
        if _is_digit(b, j):
            return -1
        if first_diff:
            return first_diff
    if i == len(a) and j == len(b):
        return 0
    if i == len(a):
        return 1 if b[j] == "~" else -1
    return -1 if a[i] == "~" else 1


def _split(v: str) -> tuple[str, str, str | None]:
    """(epoch, upstream, revision) as apt splits a version string."""
    epoch, _, rest = v.partition(":") if ":" in v else ("", "", v)
    if epoch and set(epoch) == {"0"}:
        epoch = ""
    upstream, dash, revision = rest.rpartition("-")
    if not dash:
        return epoch, rest, None
    return epoch, upstream, revision


def deb_version_cmp(a: str, b: str) -> int:
    """apt's debVS.CmpVersion: <0, 0 or >0."""
    ea, ua, ra = _split(a)
    eb, ub, rb = _split(b)
    res = _cmp_fragment(ea, eb)
    if res:
        return res
    res = _cmp_fragment(ua, ub)
    if res:
        return res
    if ra is None and rb is None:
        return 0
    return _cmp_fragment(ra if ra is not None else "0", rb if rb is not None else "0")


vyos_key = functools.cmp_to_key(deb_version_cmp)


def vyos_sorted(names: Iterable[str]) -> list[str]:
    """Names in the order VyOS prints sibling nodes."""
    return sorted(names, key=vyos_key)
