"""Gather the router's side of the audit through the bgplb_vyos NAPALM driver.

Calls are constant whatever the number of LB IPs and peers: get_bgp_neighbors and
get_bgp_neighbors_detail once each (FRR's raw state, `Established (Policy)`, is in the
detail's connection_state), the driver's extra get_bgp_peer_liveness once (time since each
peer's last message, negotiated hold/keepalive, BFD), get_route_to(pool, protocol="bgp",
longer=True) once per pool network, then one cli() call carrying the configuration and every
`ip route get` flow.
The bgplb_vyos driver sends one cli() call as one bash list line (`A; echo M; B; ...`), so
the configuration and all N flows cost one SSH round trip together, whatever N is.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Any, Protocol

from nornir.core.task import Result, Task

from bgplb.audit.observations import RouterObservation
from bgplb.audit.parse_router import (
    CONFIG_COMMAND,
    flow_targets,
    plan_flows,
    router_observation,
    routes_from_napalm,
)
from bgplb.model import Site
from bgplb.model.site import CLIENT_SEGMENT


class RouterDevice(Protocol):
    """The getters of the bgplb_vyos NAPALM driver the audit uses."""

    def get_bgp_neighbors(self) -> dict[str, Any]: ...

    def get_bgp_neighbors_detail(self, neighbor_address: str = "") -> dict[str, Any]: ...

    def get_bgp_peer_liveness(self) -> dict[str, Any]: ...

    def get_route_to(
        self, destination: str = "", protocol: str = "", longer: bool = False
    ) -> dict[str, Any]: ...

    def cli(self, commands: list[str]) -> dict[str, str]: ...


def pool_networks(site: Site) -> tuple[IPv4Network, ...]:
    return tuple(net for pool in site.metallb.pools for net in pool.addresses)


def gather_router(
    device: RouterDevice, site: Site, host: str, flows_per_destination: int
) -> RouterObservation:
    neighbors = device.get_bgp_neighbors()
    detail = device.get_bgp_neighbors_detail()
    liveness = device.get_bgp_peer_liveness()
    routes_by_pool = {
        net: device.get_route_to(destination=str(net), protocol="bgp", longer=True)
        for net in pool_networks(site)
    }
    routes = [r for answer in routes_by_pool.values() for r in routes_from_napalm(answer)]
    ports = {s.lb_ip: s.port for s in site.services if s.lb_ip is not None}
    iif = next((i.name for i in site.router.interfaces if i.segment == CLIENT_SEGMENT), None)
    sources: list[IPv4Address] = [c.address for c in site.clients]
    flows = (
        plan_flows(
            flow_targets(routes, ports, per_destination=flows_per_destination),
            sources,
            iif,
            flows_per_destination,
        )
        if flows_per_destination > 0
        else ()
    )
    cli = device.cli([CONFIG_COMMAND, *(f.command for f in flows)])
    return router_observation(host, neighbors, detail, routes_by_pool, cli, flows, liveness)


def audit_router(task: Task, site: Site, flows_per_destination: int) -> Result:
    """Nornir task: the router's sessions, pool routes, ECMP settings and per-flow next hops."""
    device = task.host.get_connection("napalm", task.nornir.config)
    observation = gather_router(device, site, task.host.name, flows_per_destination)
    return Result(host=task.host, result=observation)
