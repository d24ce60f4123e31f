"""Which vtysh commands each getter sends: one `vtysh -c ... -c ...` line = one round trip.

FRR generations differ in what they accept; the difference is data (FrrGeneration), measured on
verbatim captures (tests/fixtures/driver/frr-8.4.4, frr-7.5.1):
- FRR 8.x answers `show bgp ipv4 unicast NET longer-prefixes json detail`: every path of every
  more specific prefix, communities included, in the route lookup's one round trip.
- FRR 7.5 (VyOS 1.3, 1.4 rolling of 2021) refuses it (`% Unknown command`; `longer-prefixes`
  takes no `json` there), so the paths come from one `show ip bgp PREFIX json` per BGP prefix
  zebra returned, all in a second round trip.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
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
class FrrGeneration:
    """What one FRR generation accepts among the commands get_route_to could send."""

    name: str
    # `{network}`: the paths of every prefix within it, in one command; None: not accepted
    longer_paths: str | None


FRR_8 = FrrGeneration("8", "show bgp ipv4 unicast {network} longer-prefixes json detail")
FRR_7_5 = FrrGeneration("7.5", None)
# Newest first: the driver starts with the first and steps down when FRR refuses a command.
FRR_GENERATIONS = (FRR_8, FRR_7_5)


def older_generation(current: FrrGeneration) -> FrrGeneration | None:
    """The next older generation that does not send `current`'s longer-prefixes paths command
    (None: there is none, FRR's refusal is an error)."""
    older = FRR_GENERATIONS[FRR_GENERATIONS.index(current) + 1 :]
    return next((g for g in older if g.longer_paths != current.longer_paths), None)


def prefix_paths_commands(prefixes: Iterable[str]) -> list[str]:
    """One `show ip bgp PREFIX json` per prefix (every generation accepts it)."""
    return [f"show ip bgp {ipaddress.ip_network(p)} json" for p in prefixes]


@dataclass(frozen=True)
class RouteQuery:
    commands: list[str]
    with_bgp: bool  # commands[1] is the BGP summary; commands[2], when present, the paths

    @property
    def paths_in_answer(self) -> bool:
        """False: the BGP paths need prefix_paths_commands in a second round trip."""
        return len(self.commands) > 2


def route_query(
    destination: str, protocol: str, longer: bool, frr: FrrGeneration = FRR_8
) -> RouteQuery:
    """Commands for get_route_to, whatever the number of prefixes or next hops (IPv4 only)."""
    try:
        network = ipaddress.ip_network(destination.strip(), strict=False)
    except ValueError as exc:
        raise InputError(f"get_route_to: {destination!r} is not an IP address or prefix") from exc
    if network.version != 4:
        raise NotImplementedError("get_route_to: IPv6 destinations are not implemented")
    if longer:
        route_cmd = f"show ip route {network} longer-prefixes json"
        bgp_cmds = [frr.longer_paths.format(network=network)] if frr.longer_paths else []
    else:
        target = str(network) if "/" in destination else str(network.network_address)
        route_cmd = f"show ip route {target} json"
        bgp_cmds = [f"show ip bgp {target} json"]
    if protocol.lower() not in ("", "bgp"):
        return RouteQuery(commands=[route_cmd], with_bgp=False)
    return RouteQuery(commands=[route_cmd, SUMMARY_CMD, *bgp_cmds], with_bgp=True)
