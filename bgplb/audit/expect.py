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

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Literal

from bgplb.audit.observations import (
    BgpAdvertisement,
    ClusterObservation,
    MetallbConfig,
    MetallbPeer,
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

    @property
    def next_hops(self) -> frozenset[IPv4Address]:
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


def _why_not(
    site: Site,
    cluster: ClusterObservation,
    sem: MetallbSemantics,
    svc: ServiceObservation,
    pool: MetallbPool,
    node: NodeObservation,
) -> tuple[str, LeftOutKind] | None:
    """None when the node announces the service's IP, else (reason, kind)."""
    config = cluster.config
    assert config is not None
    speaker = next((p for p in cluster.speakers if p.node == node.name and p.ready), None)
    if speaker is None:
        return "no ready MetalLB speaker on the node", "runtime"
    why = _excluded(site, config, sem, pool, node, speaker.ignores_exclude_label)
    if why is not None:
        if node.unschedulable and (DRAIN_LABEL in node.labels or EXCLUDE_LABEL in node.labels):
            return f"drained: cordoned, and {why}", "drained"
        return why, "config"
    if node.unschedulable and sem.withdraws_cordoned:
        return f"cordoned (MetalLB {sem.label} withdraws from cordoned nodes)", "config"
    if svc.external_traffic_policy == "Local" and node.name not in svc.ready_endpoint_nodes:
        return "externalTrafficPolicy Local and no ready endpoint on the node", "policy"
    return None


def _excluded(
    site: Site,
    config: MetallbConfig,
    sem: MetallbSemantics,
    pool: MetallbPool,
    node: NodeObservation,
    ignores_exclude_label: bool,
) -> str | None:
    """Why MetalLB's labels and configuration leave the node out (rules 2-4), or None."""
    excluded = sem.honours_exclude_label and EXCLUDE_LABEL in node.labels
    if excluded and not (sem.has_ignore_exclude_flag and ignores_exclude_label):
        return f"labelled {EXCLUDE_LABEL} (MetalLB {sem.label} >= 0.14.2 honours it)"
    peers = tuple(
        p for p in router_peers(site, config) if any_selector_matches(p.node_selectors, node.labels)
    )
    if not peers:
        return "no MetalLB peer for the router selects the node"
    names = {p.name for p in peers}
    adverts = tuple(
        a
        for a in _adverts_for(config, pool)
        if any_selector_matches(a.node_selectors, node.labels)
        and (not a.peers or names & set(a.peers))
    )
    if not adverts:
        return f"no BGP advertisement of pool {pool.name} selects the node"
    return None


def expectation_for(
    site: Site, cluster: ClusterObservation, svc: ServiceObservation, address: IPv4Address
) -> Expectation:
    config = cluster.config
    if config is None:
        raise ValueError("expectation_for needs the MetalLB config")
    sem = effective_semantics(site, cluster)
    pool = config.pool_of(address)
    announcers: list[Announcer] = []
    left: list[LeftOut] = []
    for node in cluster.nodes:
        if pool is None:
            left.append(LeftOut(node.name, "the address is outside every MetalLB pool", "config"))
            continue
        why = _why_not(site, cluster, sem, svc, pool, node)
        addr = node_address(site, node)
        if why is None and addr is None:
            why = ("the node has no InternalIP and is not in the inventory", "runtime")
        if why is None and addr is not None:
            announcers.append(Announcer(node.name, addr))
        elif why is not None:
            left.append(LeftOut(node.name, *why))
    return Expectation(
        address=address,
        service=svc.key,
        pool=pool.name if pool else None,
        announcers=tuple(announcers),
        left_out=tuple(left),
    )


def expectations(site: Site, cluster: ClusterObservation) -> tuple[Expectation, ...]:
    """One Expectation per LB IP a Service holds (needs the MetalLB config)."""
    return tuple(
        expectation_for(site, cluster, svc, ip)
        for svc in cluster.services
        for ip in svc.ingress_ips
    )


def drained_nodes(site: Site, cluster: ClusterObservation) -> tuple[str, ...]:
    """Nodes taken out on purpose: cordoned, and excluded from announcing every LB IP by the
    exclude label (where the version honours it) or by a selector on bgplb's drain label."""
    config = cluster.config
    if config is None:
        return ()
    sem = effective_semantics(site, cluster)
    out = []
    for node in cluster.nodes:
        if not node.unschedulable or not ({DRAIN_LABEL, EXCLUDE_LABEL} & set(node.labels)):
            continue
        speaker = next((p for p in cluster.speakers if p.node == node.name), None)
        ignores = speaker is not None and speaker.ignores_exclude_label
        bgp_pools = [p for p in config.pools if p.protocol != "layer2"]
        if bgp_pools and all(
            _excluded(site, config, sem, pool, node, ignores) is not None for pool in bgp_pools
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
