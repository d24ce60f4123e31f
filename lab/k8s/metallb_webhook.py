"""What MetalLB's validating webhook rejects (the subset the toolkit can trip over)."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, ip_address

from lab.k8s.metallb_config import parse_address_range
from lab.k8s.store import JsonObj, Store

POOLS = ("metallb.io", "ipaddresspools")


def _pool(store: Store, obj: JsonObj) -> str | None:
    name = obj["metadata"]["name"]
    mine: list[tuple[IPv4Address, IPv4Address]] = []
    for text in obj.get("spec", {}).get("addresses") or []:
        rng = parse_address_range(str(text))
        if rng is None:
            return f'invalid CIDR "{text}" in pool "{name}"'
        mine.append(rng)
    for other in store.list(POOLS, obj["metadata"].get("namespace")):
        if other["metadata"]["name"] == name:
            continue
        for text in other.get("spec", {}).get("addresses") or []:
            rng = parse_address_range(str(text))
            if rng and any(a[0] <= rng[1] and rng[0] <= a[1] for a in mine):
                other_name = other["metadata"]["name"]
                return (
                    f'CIDR "{text}" in pool "{other_name}" overlaps with '
                    f'already defined CIDR in pool "{name}"'
                )
    return None


def _peer(_store: Store, obj: JsonObj) -> str | None:
    spec = obj.get("spec", {})
    try:
        ip_address(str(spec.get("peerAddress", "")))
    except ValueError:
        return f'invalid peer address "{spec.get("peerAddress")}"'
    src = spec.get("sourceAddress")
    if src:
        try:
            IPv4Network(src)
        except ValueError:
            return f'invalid source address "{src}"'
    return None


VALIDATORS: dict[str, Callable[[Store, JsonObj], str | None]] = {
    "IPAddressPool": _pool,
    "BGPPeer": _peer,
}
