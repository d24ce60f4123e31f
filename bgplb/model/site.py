"""The validated site: what every task, check and the twin take. Built only by load_site()."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Literal

from bgplb.model.problems import Problem
from bgplb.model.specs import (
    Credentials,
    InterfaceSpec,
    KubernetesSpec,
    LabSpec,
    MetallbSpec,
    NeighborSpec,
    PeerGroupSpec,
    RouterBgpSpec,
    ServiceSpec,
    StaticRoute,
    VmSpec,
)
from bgplb.vyos.dialects import VyosDialect

NODE_SEGMENT = "nodes"
CLIENT_SEGMENT = "clients"
NodeRole = Literal["control_plane", "worker"]


@dataclass(frozen=True)
class Login:
    """How to reach a host: its address and credential references (never a secret value)."""

    address: IPv4Address
    username: str | None
    port: int | None
    platform: str | None
    credentials: Credentials
    shell: str = "netmiko"  # the Nornir connection for shell commands (model/connections.py)


@dataclass(frozen=True)
class Neighbor:
    """A router BGP neighbor with its peer group resolved."""

    address: IPv4Address
    remote_as: int
    peer_group: str | None
    update_source: IPv4Address | None
    soft_reconfiguration_inbound: bool
    password_env: str | None
    description: str | None


@dataclass(frozen=True)
class Router:
    name: str
    login: Login
    vyos_version: str
    dialect: VyosDialect
    interfaces: tuple[InterfaceSpec, ...]
    bgp: RouterBgpSpec

    def segment(self, name: str) -> IPv4Network | None:
        for iface in self.interfaces:
            if iface.segment == name:
                return iface.address.network
        return None

    def address_on(self, segment: str) -> IPv4Address | None:
        for iface in self.interfaces:
            if iface.segment == segment:
                return iface.address.ip
        return None

    def peer_group(self, name: str) -> PeerGroupSpec | None:
        return next((g for g in self.bgp.peer_groups if g.name == name), None)

    @property
    def neighbors(self) -> tuple[Neighbor, ...]:
        return tuple(self._resolve(n) for n in self.bgp.neighbors)

    def _resolve(self, n: NeighborSpec) -> Neighbor:
        group = self.peer_group(n.peer_group) if n.peer_group else None
        remote_as = n.remote_as or (group.remote_as if group else 0)
        return Neighbor(
            address=n.address,
            remote_as=remote_as,
            peer_group=n.peer_group,
            update_source=n.update_source or (group.update_source if group else None),
            soft_reconfiguration_inbound=n.soft_reconfiguration_inbound
            or bool(group and group.soft_reconfiguration_inbound),
            password_env=n.password_env or (group.password_env if group else None),
            description=n.description,
        )


@dataclass(frozen=True)
class K8sNode:
    name: str
    login: Login
    role: NodeRole
    asn: int
    os: str
    container_runtime: str
    mac: str | None
    labels: dict[str, str]

    @property
    def address(self) -> IPv4Address:
        return self.login.address


@dataclass(frozen=True)
class Client:
    name: str
    login: Login
    routes: tuple[StaticRoute, ...]

    @property
    def address(self) -> IPv4Address:
        return self.login.address


@dataclass(frozen=True)
class Hypervisor:
    name: str
    login: Login
    interfaces: tuple[InterfaceSpec, ...]
    vms: tuple[VmSpec, ...]


@dataclass(frozen=True)
class Site:
    name: str
    inventory_dir: Path
    router: Router
    nodes: tuple[K8sNode, ...]
    clients: tuple[Client, ...]
    hypervisor: Hypervisor | None
    kubernetes: KubernetesSpec
    metallb: MetallbSpec
    services: tuple[ServiceSpec, ...]
    lab: LabSpec | None
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def segments(self) -> dict[str, IPv4Network]:
        return {i.segment: i.address.network for i in self.router.interfaces}

    @property
    def control_plane(self) -> K8sNode:
        return next(n for n in self.nodes if n.role == "control_plane")

    @property
    def workers(self) -> tuple[K8sNode, ...]:
        return tuple(n for n in self.nodes if n.role == "worker")

    def node(self, name: str) -> K8sNode:
        return next(n for n in self.nodes if n.name == name)

    @property
    def expected_announcers(self) -> tuple[K8sNode, ...]:
        """Nodes whose speaker announces every LB IP of an externalTrafficPolicy=Cluster service.

        Control-plane nodes announce only when the site allows it (`control_plane_announces`);
        the MetalLB configuration the toolkit renders enforces the same choice.
        """
        if self.metallb.control_plane_announces:
            return self.nodes
        return self.workers

    def pool_of(self, address: IPv4Address) -> str | None:
        for pool in self.metallb.pools:
            if any(address in net for net in pool.addresses):
                return pool.name
        return None

    @property
    def logins(self) -> dict[str, Login]:
        """Every host's login, by host name, in inventory role order."""
        out = {self.router.name: self.router.login}
        out |= {n.name: n.login for n in self.nodes}
        out |= {c.name: c.login for c in self.clients}
        if self.hypervisor:
            out[self.hypervisor.name] = self.hypervisor.login
        return out

    @property
    def host_names(self) -> tuple[str, ...]:
        return tuple(self.logins)
