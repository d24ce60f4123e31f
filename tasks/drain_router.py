"""The drain's router I/O: the LB routes through the bgplb_vyos NAPALM driver, polled until a
condition holds. get_route_to gives, per next hop, whether BGP selected it (the multipath set)
and whether the kernel FIB holds it, so one answer tells both."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address

from bgplb.audit.observations import Route
from bgplb.audit.parse_router import routes_from_napalm
from bgplb.model import Site
from tasks.audit_router import RouterDevice, pool_networks


def lb_routes(device: RouterDevice, site: Site) -> tuple[Route, ...]:
    return tuple(
        r
        for net in pool_networks(site)
        for r in routes_from_napalm(
            device.get_route_to(destination=str(net), protocol="bgp", longer=True)
        )
    )


def wait_routes(
    device: RouterDevice,
    site: Site,
    pending: Callable[[Sequence[Route]], Sequence[IPv4Address]],
    timeout: float,
    on_poll: Callable[[Sequence[IPv4Address]], None] = lambda _: None,
    interval: float = 0.2,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[tuple[Route, ...], tuple[IPv4Address, ...]]:
    """Poll until `pending(routes)` is empty or the timeout passes: (last routes, still pending)."""
    deadline = clock() + timeout
    while True:
        routes = lb_routes(device, site)
        left = tuple(pending(routes))
        on_poll(left)
        if not left or clock() >= deadline:
            return routes, left
        sleep(interval)
