"""What the router should see, from the site model and what the cluster says (pure).

MetalLB's rules, in the order a node is tested for one LB IP:
  1. a ready speaker pod runs on the node;
  2. from 0.14.2 a node labelled exclude-from-external-load-balancers is left out (unless the
     speaker runs with --ignore-exclude-lb, 0.14.4+); 0.9-0.14.1 ignore the label;
  3. a MetalLB peer pointing at the router selects the node (peer node selectors);
  4. an advertisement of the LB IP's pool selects the node and that peer
     (CRD BGPAdvertisement nodeSelectors/peers; the ConfigMap dialect advertises every bgp pool);
  5. externalTrafficPolicy Local keeps only nodes with a ready endpoint of the service.
A cordoned node is left out on v0.14.9 only (semantics.WITHDRAWS_CORDONED); every other version
keeps announcing from it. A node excluded (rule 2, or rule 3/4 through bgplb's drain label)
and cordoned is drained on purpose (`runbooks.drain`): left out as "drained", not a fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Address
from typing import Literal

from bgplb.audit.observations import (
    BgpAdvertisement,
    ClusterObservation,
    MetallbConfig,
    MetallbPeer,
    MetallbPod,
    MetallbPool,
    NodeObservation,
    ServiceObservation,
)
from bgplb.audit.selectors import any_selector_matches
from bgplb.audit.semantics import (
    DRAIN_LABEL,
    EXCLUDE_LABEL,
    MetallbSemantics,
    semantics_for,
    version_label,
)
from bgplb.model import Site

LeftOutKind = Literal["runtime", "config", "policy", "drained"]


@dataclass(frozen=True)
class Announcer:
    node: str
    address: IPv4Address


@dataclass(frozen=True)
class LeftOut:
    node: str
    reason: str
    kind: LeftOutKind  # runtime: down; config: MetalLB config/labels; policy: Local; drained


@dataclass(frozen=True)
class Expectation:
    """Who should announce one LB IP, and why the other nodes should not."""

    address: IPv4Address
    service: str
    pool: str | None
    announcers: tuple[Announcer, ...]
    left_out: tuple[LeftOut, ...]
    # the announcers' addresses, when the caller has them already (shared by many LB IPs)
    hops: frozenset[IPv4Address] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def next_hops(self) -> frozenset[IPv4Address]:
        if self.hops is not None:
            return self.hops
        return frozenset(a.address for a in self.announcers)


def effective_semantics(site: Site, cluster: ClusterObservation) -> MetallbSemantics:
    """The version the speakers run (image tag) wins over the inventory's."""
    return semantics_for(cluster.metallb_version or site.metallb.version_tuple)


def router_addresses(site: Site) -> frozenset[IPv4Address]:
    r = site.router
    return frozenset({r.login.address, *(i.address.ip for i in r.interfaces)})


def router_peers(site: Site, config: MetallbConfig) -> tuple[MetallbPeer, ...]:
    """The MetalLB peers that point at this router."""
    mine = router_addresses(site)
    return tuple(p for p in config.peers if p.peer_address in mine)


def node_address(site: Site, node: NodeObservation) -> IPv4Address | None:
    """The address the router peers with: the inventory's, else the node's InternalIP."""
    known = next((n for n in site.nodes if n.name == node.name), None)
    return known.address if known else node.address


def _adverts_for(config: MetallbConfig, pool: MetallbPool) -> tuple[BgpAdvertisement, ...]:
    def covers(a: BgpAdvertisement) -> bool:
        if not a.pools and not a.pool_selectors:
            return True
        return pool.name in a.pools or any(
            any_selector_matches((s,), pool.labels) for s in a.pool_selectors
        )

    if pool.protocol == "layer2":
        return ()
    return tuple(a for a in config.advertisements if covers(a))


class _Index:
    """What every LB IP's expectation reads, looked up once per evaluation (linear time)."""

    def __init__(self, site: Site, cluster: ClusterObservation, config: MetallbConfig) -> None:
        self.sem = effective_semantics(site, cluster)
        self.peers = router_peers(site, config)
        self.config = config
        self.speaker: dict[str, MetallbPod] = {}
        for p in cluster.speakers:
            if p.ready and p.node is not None:
                self.speaker.setdefault(p.node, p)
        inventory = {n.name: n.address for n in site.nodes}
        self.address = {n.name: inventory.get(n.name, n.address) for n in cluster.nodes}
        self.nodes = cluster.nodes
        self._verdicts: dict[str, tuple[tuple[str, LeftOutKind] | None, ...]] = {}
        self._results: dict[tuple[str | None, frozenset[str] | None], _Split] = {}
        self._hops: dict[int, frozenset[IPv4Address]] = {}
        self._policy: dict[str, LeftOut] = {}

    def verdicts(self, pool: MetallbPool) -> tuple[tuple[str, LeftOutKind] | None, ...]:
        """Per node (cluster order): None when MetalLB's rules 1-4 let it announce the pool."""
        if pool.name not in self._verdicts:
            adverts = _adverts_for(self.config, pool)
            self._verdicts[pool.name] = tuple(
                _why_not(self, adverts, pool, node) for node in self.nodes
            )
        return self._verdicts[pool.name]

    def split(self, svc: ServiceObservation, pool: MetallbPool | None) -> _Split:
        """(announcers, left out) for a Service's IP in `pool`; shared by every IP alike."""
        local = svc.external_traffic_policy == "Local"
        key = (pool.name if pool else None, svc.ready_endpoint_nodes if local else None)
        if key not in self._results:
            self._results[key] = self._split(pool, svc.ready_endpoint_nodes if local else None)
        return self._results[key]

    def _split(self, pool: MetallbPool | None, endpoints: frozenset[str] | None) -> _Split:
        announcers: list[Announcer] = []
        left: list[LeftOut] = []
        if pool is None:
            reason = "the address is outside every MetalLB pool"
            return (), tuple(LeftOut(node.name, reason, "config") for node in self.nodes)
        for node, verdict in zip(self.nodes, self.verdicts(pool), strict=True):
            if verdict is None and endpoints is not None and node.name not in endpoints:
                left.append(self._policy_left_out(node.name))
                continue
            addr = self.address[node.name]
            why = verdict
            if why is None and addr is None:
                why = ("the node has no InternalIP and is not in the inventory", "runtime")
            if why is None and addr is not None:
                announcers.append(Announcer(node.name, addr))
            elif why is not None:
                left.append(LeftOut(node.name, *why))
        return tuple(announcers), tuple(left)

    def hops(self, announcers: tuple[Announcer, ...]) -> frozenset[IPv4Address]:
        """The next hops of a shared announcers tuple, made once (the tuple lives in
        self._results for the whole evaluation, so its id stays its own)."""
        key = id(announcers)
        if key not in self._hops:
            self._hops[key] = frozenset(a.address for a in announcers)
        return self._hops[key]

    def _policy_left_out(self, node: str) -> LeftOut:
        if node not in self._policy:
            reason = "externalTrafficPolicy Local and no ready endpoint on the node"
            self._policy[node] = LeftOut(node, reason, "policy")
        return self._policy[node]


_Split = tuple[tuple[Announcer, ...], tuple[LeftOut, ...]]


def _why_not(
    index: _Index,
    adverts: tuple[BgpAdvertisement, ...],
    pool: MetallbPool,
    node: NodeObservation,
) -> tuple[str, LeftOutKind] | None:
    """None when MetalLB's rules 1-4 let the node announce the pool, else (reason, kind);
    rule 5 (externalTrafficPolicy Local) is the Service's, applied by _Index.split. A node
    excluded and cordoned is "drained"; a cordoned node is left out where MetalLB withdraws
    from cordoned nodes (0.14.9 only)."""
    sem = index.sem
    speaker = index.speaker.get(node.name)
    if speaker is None:
        return "no ready MetalLB speaker on the node", "runtime"
    why = _excluded(index, adverts, pool, node, speaker.ignores_exclude_label)
    if why is not None:
        if node.unschedulable and (DRAIN_LABEL in node.labels or EXCLUDE_LABEL in node.labels):
            return f"drained: cordoned, and {why}", "drained"
        return why, "config"
    if node.unschedulable and sem.withdraws_cordoned:
        return f"cordoned (MetalLB {sem.label} withdraws from cordoned nodes)", "config"
    return None


def _excluded(
    index: _Index,
    adverts: tuple[BgpAdvertisement, ...],
    pool: MetallbPool,
    node: NodeObservation,
    ignores_exclude_label: bool,
) -> str | None:
    """Why MetalLB's labels and configuration leave the node out (rules 2-4), or None."""
    sem = index.sem
    excluded = sem.honours_exclude_label and EXCLUDE_LABEL in node.labels
    if excluded and not (sem.has_ignore_exclude_flag and ignores_exclude_label):
        return f"labelled {EXCLUDE_LABEL} (MetalLB {sem.label} >= 0.14.2 honours it)"
    peers = tuple(p for p in index.peers if any_selector_matches(p.node_selectors, node.labels))
    if not peers:
        return "no MetalLB peer for the router selects the node"
    names = {p.name for p in peers}
    if not any(
        any_selector_matches(a.node_selectors, node.labels)
        and (not a.peers or names & set(a.peers))
        for a in adverts
    ):
        return f"no BGP advertisement of pool {pool.name} selects the node"
    return None


def expectation_for(
    site: Site,
    cluster: ClusterObservation,
    svc: ServiceObservation,
    address: IPv4Address,
    index: _Index | None = None,
) -> Expectation:
    config = cluster.config
    if config is None:
        raise ValueError("expectation_for needs the MetalLB config")
    index = index or _Index(site, cluster, config)
    pool = config.pool_of(address)
    announcers, left = index.split(svc, pool)
    return Expectation(
        address=address,
        service=svc.key,
        pool=pool.name if pool else None,
        announcers=announcers,
        left_out=left,
        hops=index.hops(announcers),
    )


def expectations(site: Site, cluster: ClusterObservation) -> tuple[Expectation, ...]:
    """One Expectation per LB IP a Service holds (needs the MetalLB config); the per-node
    verdicts are worked out once per pool and shared by every IP they apply to."""
    if cluster.config is None:
        raise ValueError("expectations need the MetalLB config")
    index = _Index(site, cluster, cluster.config)
    return tuple(
        expectation_for(site, cluster, svc, ip, index)
        for svc in cluster.services
        for ip in svc.ingress_ips
    )


def drained_nodes(site: Site, cluster: ClusterObservation) -> tuple[str, ...]:
    """Nodes taken out on purpose: cordoned, and excluded from announcing every LB IP by the
    exclude label (where the version honours it) or by a selector on bgplb's drain label."""
    config = cluster.config
    if config is None:
        return ()
    index = _Index(site, cluster, config)
    bgp_pools = [p for p in config.pools if p.protocol != "layer2"]
    out = []
    for node in cluster.nodes:
        if not node.unschedulable or not ({DRAIN_LABEL, EXCLUDE_LABEL} & set(node.labels)):
            continue
        speaker = next((p for p in cluster.speakers if p.node == node.name), None)
        ignores = speaker is not None and speaker.ignores_exclude_label
        if bgp_pools and all(
            _excluded(index, _adverts_for(config, pool), pool, node, ignores) is not None
            for pool in bgp_pools
        ):
            out.append(node.name)
    return tuple(out)


def intended_announcers(site: Site) -> frozenset[str]:
    """Nodes the inventory means to announce Cluster-policy IPs (control_plane_announces)."""
    return frozenset(n.name for n in site.expected_announcers)


def version_text(site: Site, cluster: ClusterObservation) -> tuple[str, str]:
    """(inventory's MetalLB version, the speakers' version or 'unknown')."""
    seen = cluster.metallb_version
    return site.metallb.version, version_label(seen) if seen else "unknown"
