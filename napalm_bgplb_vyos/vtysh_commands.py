"""Which vtysh commands each getter sends: one `vtysh -c ... -c ...` line = one round trip."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from bgplb.errors import InputError
from napalm_bgplb_vyos.parse_bgp_neighbors import NEIGHBORS_CMD, SUMMARY_CMD


def vtysh_line(commands: list[str]) -> str:
    """`vtysh -c 'A' -c 'B'`; commands are built here from validated parts, never raw input."""
    for command in commands:
        if "'" in command or "\n" in command:
            raise InputError(f"refusing to quote vtysh command {command!r}")
    return "vtysh " + " ".join(f"-c '{c}'" for c in commands)


BGP_NEIGHBORS_COMMANDS = [SUMMARY_CMD, NEIGHBORS_CMD]


@dataclass(frozen=True)
class RouteQuery:
    commands: list[str]
    with_bgp: bool  # commands[1] is the BGP summary, commands[2] the BGP paths


def route_query(destination: str, protocol: str, longer: bool) -> RouteQuery:
    """Commands for get_route_to, whatever the number of prefixes or next hops (IPv4 only)."""
    try:
        network = ipaddress.ip_network(destination.strip(), strict=False)
    except ValueError as exc:
        raise InputError(f"get_route_to: {destination!r} is not an IP address or prefix") from exc
    if network.version != 4:
        raise NotImplementedError("get_route_to: IPv6 destinations are not implemented")
    if longer:
        route_cmd = f"show ip route {network} longer-prefixes json"
        bgp_cmd = f"show bgp ipv4 unicast {network} longer-prefixes json detail"
    else:
        target = str(network) if "/" in destination else str(network.network_address)
        route_cmd = f"show ip route {target} json"
        bgp_cmd = f"show ip bgp {target} json"
    if protocol.lower() not in ("", "bgp"):
        return RouteQuery(commands=[route_cmd], with_bgp=False)
    return RouteQuery(commands=[route_cmd, SUMMARY_CMD, bgp_cmd], with_bgp=True)
