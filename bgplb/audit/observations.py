"""What the audit gathered, typed and frozen. Built only by the parsers; judged by the checks.

A source that could not be gathered is a GatherFailure in place of its observation, so no
check can mistake "nothing gathered" for "nothing wrong".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Address, IPv4Network
from typing import Literal

# ---------------------------------------------------------------- failures


@dataclass(frozen=True)
class GatherFailure:
    """A source that could not be gathered (or, with skipped=True, was not asked for)."""

    source: str  # "router", "cluster", "probe"
    host: str
    error: str
    skipped: bool = False


# ---------------------------------------------------------------- router


@dataclass(frozen=True)
class PeerLiveness:
    """How recently the router heard from a peer, and how long it would wait for it."""

    last_read_s: float | None  # since the last message (keepalive included) FRR read
    hold_s: float | None  # negotiated hold time (0: no keepalives, the session never expires)
    keepalive_s: float | None  # negotiated keepalive interval
    bfd_status: str | None  # FRR's BFD status for the peer ("Up", "Down", ...); None: no BFD

    @property
    def bfd_up(self) -> bool:
        return self.bfd_status == "Up"

    @property
    def silent_s(self) -> float | None:
        """Seconds the peer has been silent beyond two keepalive intervals (None: it is not)."""
        if self.last_read_s is None or not self.keepalive_s:
            return None
        return self.last_read_s if self.last_read_s > 2 * self.keepalive_s else None

    @property
    def hold_left_s(self) -> float | None:
        """How much longer the router keeps the session (and its routes) without a message."""
        if self.last_read_s is None or not self.hold_s:
            return None
        return max(0.0, self.hold_s - self.last_read_s)


@dataclass(frozen=True)
class BgpSession:
    """One router BGP neighbor: NAPALM get_bgp_neighbors plus FRR's raw summary state."""

    peer: IPv4Address
    local_as: int
    remote_as: int
    is_up: bool
    is_enabled: bool
    description: str
    received_prefixes: int | None
    state: str | None  # FRR "state": "Established", "Active", "Idle (Admin)", ...
    peer_state: str | None  # FRR "peerState": "OK", "Policy", "Admin", ...
    liveness: PeerLiveness | None = None  # the driver's get_bgp_peer_liveness, when it has it

    @property
    def established(self) -> bool:
        if self.state is not None:
            return self.state == "Established"
        return self.is_up

    @property
    def policy_blocked(self) -> bool:
        """FRR's RFC 8212 default: Established but exchanging nothing (`(Policy)`)."""
        return self.peer_state == "Policy"

    @property
    def shown_state(self) -> str:
        state = self.state or ("Established" if self.is_up else "down")
        return f"{state} (Policy)" if self.policy_blocked else state


@dataclass(frozen=True)
class RoutePath:
    """One next hop of a route, as NAPALM get_route_to lists it (one entry per next hop)."""

    next_hop: IPv4Address
    protocol: str
    active: bool  # BGP selected it: best path or multipath
    fib: bool  # installed in the kernel's forwarding table
    remote_as: int | None = None


@dataclass(frozen=True)
class NextHopSets:
    """The next-hop sets of one list of paths (many LB routes share one: parse_router)."""

    received: frozenset[IPv4Address]
    multipath: frozenset[IPv4Address]
    fib: frozenset[IPv4Address]
    paths: tuple[RoutePath, ...] = field(compare=False, repr=False)  # what they were made of

    @classmethod
    def of(cls, paths: tuple[RoutePath, ...]) -> NextHopSets:
        received = frozenset(p.next_hop for p in paths)
        multipath = frozenset(p.next_hop for p in paths if p.active)
        fib = frozenset(p.next_hop for p in paths if p.fib)
        # equal sets as one object: comparing them later is an identity check
        multipath = received if multipath == received else multipath
        fib = multipath if fib == multipath else received if fib == received else fib
        return cls(received, multipath, fib, paths)


@dataclass(frozen=True)
class Route:
    prefix: IPv4Network
    paths: tuple[RoutePath, ...]
    # the paths' next-hop sets, when the parser shares them between routes alike
    shared: NextHopSets | None = field(default=None, compare=False, repr=False)

    @cached_property
    def _sets(self) -> NextHopSets:
        # shared sets hold only for the very paths they were made of (dataclasses.replace
        # with other paths copies `shared` too)
        if self.shared is not None and self.shared.paths is self.paths:
            return self.shared
        return NextHopSets.of(self.paths)

    @property
    def received(self) -> frozenset[IPv4Address]:
        """Every next hop BGP has a path through, selected or not."""
        return self._sets.received

    @property
    def multipath(self) -> frozenset[IPv4Address]:
        return self._sets.multipath

    @property
    def fib(self) -> frozenset[IPv4Address]:
        return self._sets.fib

    @property
    def host_address(self) -> IPv4Address | None:
        return self.prefix.network_address if self.prefix.prefixlen == 32 else None


@dataclass(frozen=True)
class RouterConfig:
    """The ECMP settings as the router's running configuration states them.

    Only eBGP multipath: validation refuses nodes in the router's own AS, so iBGP paths never
    carry an LB route (bgplb/model/checks.py).
    """

    maximum_paths_ebgp: int | None
    layer4_hashing: bool


@dataclass(frozen=True)
class FlowAnswer:
    """The kernel's answer to `ip route get DEST from SRC iif IF ipproto tcp sport S dport P`."""

    destination: IPv4Address
    source: IPv4Address | None
    sport: int
    dport: int
    next_hop: IPv4Address | None
    error: str | None = None


@dataclass(frozen=True)
class RouterObservation:
    host: str
    local_as: int | None
    sessions: tuple[BgpSession, ...]
    pools_queried: tuple[IPv4Network, ...]
    routes: tuple[Route, ...]
    config: RouterConfig
    flows: tuple[FlowAnswer, ...]

    def route_to(self, address: IPv4Address) -> Route | None:
        return self._routes_by_address.get(address)

    def session(self, peer: IPv4Address) -> BgpSession | None:
        return self._sessions_by_peer.get(peer)

    def flows_to(self, destination: IPv4Address) -> tuple[FlowAnswer, ...]:
        return self._flows_by_destination.get(destination, ())

    # indexes built once on first use: lookups per LB IP stay O(1) (bench/audit_eval.py)
    @cached_property
    def _routes_by_address(self) -> dict[IPv4Address, Route]:
        out: dict[IPv4Address, Route] = {}
        for r in self.routes:
            if r.host_address is not None:
                out.setdefault(r.host_address, r)
        return out

    @cached_property
    def _sessions_by_peer(self) -> dict[IPv4Address, BgpSession]:
        out: dict[IPv4Address, BgpSession] = {}
        for s in self.sessions:
            out.setdefault(s.peer, s)
        return out

    @cached_property
    def _flows_by_destination(self) -> dict[IPv4Address, tuple[FlowAnswer, ...]]:
        out: dict[IPv4Address, list[FlowAnswer]] = {}
        for f in self.flows:
            out.setdefault(f.destination, []).append(f)
        return {k: tuple(v) for k, v in out.items()}


# ---------------------------------------------------------------- cluster

SelectorOperator = Literal["In", "NotIn", "Exists", "DoesNotExist"]


@dataclass(frozen=True)
class SelectorRequirement:
    key: str
    operator: SelectorOperator
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes label selector; an empty one selects everything."""

    match_labels: Mapping[str, str] = field(default_factory=dict)
    match_expressions: tuple[SelectorRequirement, ...] = ()


@dataclass(frozen=True)
class NodeObservation:
    name: str
    address: IPv4Address | None  # InternalIP
    labels: Mapping[str, str]
    ready: bool
    unschedulable: bool = False  # cordoned (spec.unschedulable)
    lease_age_s: float | None = None  # since its kube-node-lease Lease was renewed (None: unknown)


_IMAGE_VERSION = re.compile(r":v?(\d+)\.(\d+)\.(\d+)(?:@.*)?$")


@dataclass(frozen=True)
class MetallbPod:
    name: str
    component: Literal["speaker", "controller"]
    node: str | None
    ready: bool
    image: str
    args: tuple[str, ...] = ()

    @property
    def version(self) -> tuple[int, int, int] | None:
        m = _IMAGE_VERSION.search(self.image)
        return (int(m[1]), int(m[2]), int(m[3])) if m else None

    @property
    def ignores_exclude_label(self) -> bool:
        return any(
            a.split("=", 1)[0] == "--ignore-exclude-lb" and a != "--ignore-exclude-lb=false"
            for a in self.args
        )


@dataclass(frozen=True)
class MetallbPeer:
    name: str
    peer_address: IPv4Address
    peer_asn: int
    my_asn: int
    node_selectors: tuple[LabelSelector, ...] = ()  # empty: every node


@dataclass(frozen=True)
class MetallbPool:
    name: str
    addresses: tuple[IPv4Network, ...]
    protocol: str | None = None  # ConfigMap dialect: "bgp" or "layer2"; CRDs: None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BgpAdvertisement:
    """CRD BGPAdvertisement; the ConfigMap dialect is read as one per bgp pool, all nodes."""

    name: str
    pools: tuple[str, ...] = ()
    pool_selectors: tuple[LabelSelector, ...] = ()
    node_selectors: tuple[LabelSelector, ...] = ()
    peers: tuple[str, ...] = ()  # empty: every peer


@dataclass(frozen=True)
class MetallbConfig:
    """Both dialects (ConfigMap up to 0.12, CRDs from 0.13) read into one form."""

    dialect: Literal["configmap", "crds"]
    peers: tuple[MetallbPeer, ...]
    pools: tuple[MetallbPool, ...]
    advertisements: tuple[BgpAdvertisement, ...]

    def pool_of(self, address: IPv4Address) -> MetallbPool | None:
        return next((p for p in self.pools if any(address in n for n in p.addresses)), None)


@dataclass(frozen=True)
class ServiceObservation:
    namespace: str
    name: str
    ingress_ips: tuple[IPv4Address, ...]
    requested_ips: tuple[IPv4Address, ...]  # spec.loadBalancerIP or the MetalLB annotation
    external_traffic_policy: str  # "Cluster" or "Local"
    ports: tuple[int, ...]
    ready_endpoint_nodes: frozenset[str]

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ClusterObservation:
    nodes: tuple[NodeObservation, ...]
    pods: tuple[MetallbPod, ...]
    config: MetallbConfig | None
    config_error: str | None
    services: tuple[ServiceObservation, ...]

    @cached_property
    def speakers(self) -> tuple[MetallbPod, ...]:
        return tuple(p for p in self.pods if p.component == "speaker")

    @cached_property
    def controllers(self) -> tuple[MetallbPod, ...]:
        return tuple(p for p in self.pods if p.component == "controller")

    def node(self, name: str) -> NodeObservation | None:
        return self._nodes_by_name.get(name)

    @cached_property
    def _nodes_by_name(self) -> dict[str, NodeObservation]:
        out: dict[str, NodeObservation] = {}
        for n in self.nodes:
            out.setdefault(n.name, n)
        return out

    @cached_property
    def metallb_version(self) -> tuple[int, int, int] | None:
        """The version the speakers run (their image tag), when they all agree."""
        versions = {p.version for p in self.speakers if p.version}
        return versions.pop() if len(versions) == 1 else None


# ---------------------------------------------------------------- probe


@dataclass(frozen=True)
class ProbeResult:
    """N bounded HTTP requests from one client to one LB address."""

    target: IPv4Address
    port: int
    requests: int
    successes: int
    by_node: Mapping[str, int]  # backends that name themselves ({"node": ...})
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProbeObservation:
    client: str
    results: tuple[ProbeResult, ...]


# ---------------------------------------------------------------- everything


@dataclass(frozen=True)
class Observations:
    router: RouterObservation | GatherFailure
    cluster: ClusterObservation | GatherFailure
    probes: tuple[ProbeObservation | GatherFailure, ...] = ()
    probe_requested: bool = False
