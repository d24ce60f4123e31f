"""What a drain (or its undo) will do, decided before anything changes (pure).

The plan runs the audit's own expectations (bgplb/audit/expect.py) on the cluster as it is and
on the cluster as the change will leave it (the node labelled and cordoned, the selectors
edited), so "which next hops remain" follows MetalLB's semantics by version, exactly as the
audit will judge them afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from ipaddress import IPv4Address
from typing import Any, Literal

from bgplb.audit.expect import Expectation, expectations
from bgplb.audit.observations import (
    ClusterObservation,
    LabelSelector,
    MetallbConfig,
    NodeObservation,
    Route,
    SelectorRequirement,
)
from bgplb.audit.selectors import any_selector_matches
from bgplb.audit.semantics import DRAIN_LABEL
from bgplb.drain.mechanism import DRAIN_VALUE, Mechanism, cluster_mechanism, leaves_out_drained
from bgplb.k8s.metallb_config import announcer_plan
from bgplb.model import Site

Action = Literal["drain", "undo"]
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


@dataclass(frozen=True)
class IpChange:
    """One LB IP whose expected announcers the change alters."""

    address: IPv4Address
    service: str
    before: tuple[str, ...]  # node names expected to announce it now
    after: tuple[str, ...]  # ... once the change is made
    after_hops: tuple[IPv4Address, ...]


@dataclass(frozen=True)
class PodAction:
    namespace: str
    name: str
    evict: bool
    reason: str  # why it is evicted or left

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class NodePlan:
    action: Action
    node: str
    address: IPv4Address
    mechanism: Mechanism
    label_set: bool  # the node label is set after the change
    selector_edit: Literal["add", "remove", "none"]  # the MetalLB config's selectors
    changes: tuple[IpChange, ...]
    expected_after: tuple[Expectation, ...]
    pods: tuple[PodAction, ...]
    refusals: tuple[str, ...]

    @property
    def carries_after(self) -> tuple[IPv4Address, ...]:
        """LB IPs the node should announce once the change is made."""
        return tuple(
            e.address for e in self.expected_after if self.node in (a.node for a in e.announcers)
        )

    @property
    def evictions(self) -> tuple[PodAction, ...]:
        return tuple(p for p in self.pods if p.evict)


# ---------------------------------------------------------------- the cluster after a change


def _with_exclusion(selectors: tuple[LabelSelector, ...]) -> tuple[LabelSelector, ...]:
    req = SelectorRequirement(DRAIN_LABEL, "DoesNotExist")
    if not selectors:
        return (LabelSelector(match_expressions=(req,)),)
    return tuple(
        s
        if req in s.match_expressions
        else replace(s, match_expressions=(*s.match_expressions, req))
        for s in selectors
    )


def _without_exclusion(selectors: tuple[LabelSelector, ...]) -> tuple[LabelSelector, ...]:
    req = SelectorRequirement(DRAIN_LABEL, "DoesNotExist")
    out = []
    for s in selectors:
        exprs = tuple(e for e in s.match_expressions if e != req)
        if exprs or s.match_labels:
            out.append(replace(s, match_expressions=exprs))
    return tuple(out)


def _edit_config(config: MetallbConfig, mechanism: Mechanism, add: bool) -> MetallbConfig:
    edit = _with_exclusion if add else _without_exclusion
    if mechanism.name == "peer-node-selectors":
        peers = tuple(replace(p, node_selectors=edit(p.node_selectors)) for p in config.peers)
        return replace(config, peers=peers)
    if mechanism.name == "advertisement-node-selectors":
        ads = tuple(
            replace(a, node_selectors=edit(a.node_selectors)) for a in config.advertisements
        )
        return replace(config, advertisements=ads)
    return config


def _edit_node(node: NodeObservation, label: str, present: bool, cordoned: bool) -> NodeObservation:
    labels = dict(node.labels)
    if present:
        labels[label] = labels.get(label, DRAIN_VALUE)
    else:
        labels.pop(label, None)
    return replace(node, labels=labels, unschedulable=cordoned)


def _after(
    cluster: ClusterObservation,
    node: str,
    mechanism: Mechanism,
    label_set: bool,
    cordoned: bool,
    selector_edit: str,
) -> ClusterObservation:
    nodes = tuple(
        _edit_node(n, mechanism.label, label_set, cordoned) if n.name == node else n
        for n in cluster.nodes
    )
    config = cluster.config
    if config is not None and selector_edit != "none":
        config = _edit_config(config, mechanism, selector_edit == "add")
    return replace(cluster, nodes=nodes, config=config)


def _changes(
    node: str, before: Sequence[Expectation], after: Sequence[Expectation]
) -> tuple[IpChange, ...]:
    was = {e.address: e for e in before}
    out = []
    for e in after:
        old = was.get(e.address)
        names_before = tuple(a.node for a in old.announcers) if old else ()
        names_after = tuple(a.node for a in e.announcers)
        if (node in names_before or node in names_after) and names_before != names_after:
            out.append(
                IpChange(
                    e.address,
                    e.service,
                    names_before,
                    names_after,
                    tuple(sorted(e.next_hops)),
                )
            )
    return tuple(sorted(out, key=lambda c: c.address))


# ---------------------------------------------------------------- pods


def _owner_kind(pod: Mapping[str, Any]) -> str | None:
    refs = (pod.get("metadata") or {}).get("ownerReferences") or []
    ctl = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    return str(ctl.get("kind")) if ctl else None


def pod_actions(pods: Sequence[Mapping[str, Any]], node: str) -> tuple[PodAction, ...]:
    """kubectl drain's choice (with --ignore-daemonsets): evict every pod bound to the node,
    except DaemonSet pods, mirror (static) pods and finished pods; a pod no controller owns
    would be lost for good, so it is named for a refusal."""
    out = []
    for pod in pods:
        meta = pod.get("metadata") or {}
        if (pod.get("spec") or {}).get("nodeName") != node or meta.get("deletionTimestamp"):
            continue
        ns, name = str(meta.get("namespace", "default")), str(meta.get("name"))
        phase = (pod.get("status") or {}).get("phase")
        kind = _owner_kind(pod)
        if kind == "DaemonSet":
            out.append(PodAction(ns, name, False, "DaemonSet pod (it stays, as kubectl drain)"))
        elif MIRROR_ANNOTATION in (meta.get("annotations") or {}):
            out.append(PodAction(ns, name, False, "static (mirror) pod"))
        elif phase in ("Succeeded", "Failed"):
            out.append(PodAction(ns, name, False, f"finished ({phase})"))
        elif kind is None:
            out.append(PodAction(ns, name, True, "no controller: not recreated elsewhere"))
        else:
            out.append(PodAction(ns, name, True, f"owned by a {kind}"))
    return tuple(sorted(out, key=lambda p: p.key))


# ---------------------------------------------------------------- plans


def session_resets(cluster: ClusterObservation, node: str, mechanism: Mechanism) -> list[str]:
    """Other nodes whose BGP session a drain's ConfigMap edit would reset: a 0.9-0.12 speaker
    compares each peer's whole entry (speaker/bgp_controller.go SetConfig, reflect.DeepEqual)
    and closes a changed peer's session on every node, so adding the requirement to a peer that
    lacks it resets every node that peer selects. A peer that already carries it (the deploy
    renders it) is not changed: the label alone takes the node out."""
    if mechanism.name != "peer-node-selectors" or cluster.config is None:
        return []
    changed = [p for p in cluster.config.peers if not leaves_out_drained(p.node_selectors)]
    return sorted(
        {
            n.name
            for p in changed
            for n in cluster.nodes
            if n.name != node and any_selector_matches(p.node_selectors, n.labels)
        }
    )


def _node(site: Site, cluster: ClusterObservation, node: str) -> tuple[IPv4Address, list[str]]:
    refusals = []
    known = next((n for n in site.nodes if n.name == node), None)
    if known is None:  # the runbook refuses it before contacting anything; kept for safety
        raise ValueError(f"node {node!r} is not in the inventory")
    if cluster.node(node) is None:
        refusals.append(f"node {node} is in the inventory but not in the cluster")
    if cluster.config is None:
        refusals.append(f"MetalLB's configuration could not be read: {cluster.config_error}")
    return known.address, refusals


def plan_drain(
    site: Site,
    cluster: ClusterObservation,
    node: str,
    pods: Sequence[Mapping[str, Any]] = (),
    force: bool = False,
) -> NodePlan:
    address, refusals = _node(site, cluster, node)
    mechanism = cluster_mechanism(site, cluster)
    selector_edit = "add" if mechanism.needs_selector else "none"
    after = _after(cluster, node, mechanism, True, True, selector_edit)
    before_e = expectations(site, cluster) if cluster.config else ()
    after_e = expectations(site, after) if after.config else ()
    changes = _changes(node, before_e, after_e)
    if not force:
        for c in changes:
            if not c.after:
                refusals.append(
                    f"{c.address} ({c.service}): {node} is its last announcer "
                    f"({', '.join(c.before)}); draining it drops the address (--force to do so)"
                )
    resets = session_resets(cluster, node, mechanism)
    if resets and not force:
        refusals.append(
            f"MetalLB's ConfigMap peers lack the selector {DRAIN_LABEL} DoesNotExist: adding it "
            f"changes each peer, and MetalLB {site.metallb.version} then resets that peer's "
            f"session on every node (speaker SetConfig), so {', '.join(resets)} would lose "
            "their routes until their sessions are back; run the deploy, which renders the "
            "selector, in a maintenance window first (one reset), or --force"
        )
    actions = pod_actions(pods, node)
    if not force:
        for p in actions:
            if p.evict and p.reason.startswith("no controller"):
                refusals.append(
                    f"pod {p.key} on {node} has no controller: evicting it loses it "
                    "(kubectl drain refuses it too; --force to evict)"
                )
    return NodePlan(
        "drain",
        node,
        address,
        mechanism,
        True,
        selector_edit,  # type: ignore[arg-type]
        changes,
        after_e,
        actions,
        tuple(refusals),
    )


def plan_undo(site: Site, cluster: ClusterObservation, node: str) -> NodePlan:
    address, refusals = _node(site, cluster, node)
    mechanism = cluster_mechanism(site, cluster)
    # The label stays where the site means the node to be excluded (the deploy's plan).
    keep = (
        announcer_plan(site).exclude_label.get(node, False)
        if not mechanism.needs_selector
        else False
    )
    others = [n.name for n in cluster.nodes if n.name != node and DRAIN_LABEL in n.labels]
    # A ConfigMap peer keeps the selector: removing it would change the peer and reset every
    # node's session (session_resets); with the label gone, the node is selected again.
    selector_edit = (
        "remove" if mechanism.name == "advertisement-node-selectors" and not others else "none"
    )
    after = _after(cluster, node, mechanism, keep, False, selector_edit)
    before_e = expectations(site, cluster) if cluster.config else ()
    after_e = expectations(site, after) if after.config else ()
    return NodePlan(
        "undo",
        node,
        address,
        mechanism,
        keep,
        selector_edit,  # type: ignore[arg-type]
        _changes(node, before_e, after_e),
        after_e,
        (),
        tuple(refusals),
    )


def unknown_nodes(site: Site, names: Sequence[str]) -> list[str]:
    known = {n.name for n in site.nodes}
    return [n for n in names if n not in known]


def apply_plan(cluster: ClusterObservation, plan: NodePlan) -> ClusterObservation:
    """The cluster as the plan leaves it (to plan the next node of a --limit list)."""
    return _after(
        cluster,
        plan.node,
        plan.mechanism,
        plan.label_set,
        plan.action == "drain",
        plan.selector_edit,
    )


# ---------------------------------------------------------------- the router


def routed_through(routes: Sequence[Route], address: IPv4Address) -> tuple[IPv4Address, ...]:
    """LB IPs whose multipath set or FIB entry still holds `address`."""
    return tuple(
        sorted(
            r.host_address
            for r in routes
            if r.host_address is not None and address in (r.multipath | r.fib)
        )
    )


def not_yet_routed(
    routes: Sequence[Route], address: IPv4Address, wanted: Sequence[IPv4Address]
) -> tuple[IPv4Address, ...]:
    """Of `wanted`, the LB IPs whose multipath set or FIB entry lacks `address`."""
    by_ip = {r.host_address: r for r in routes if r.host_address is not None}
    out = []
    for ip in wanted:
        r = by_ip.get(ip)
        if r is None or address not in r.multipath or address not in r.fib:
            out.append(ip)
    return tuple(sorted(out))


def hops_now(routes: Sequence[Route]) -> dict[IPv4Address, tuple[IPv4Address, ...]]:
    """LB IP -> its next hops in the router's FIB."""
    return {r.host_address: tuple(sorted(r.fib)) for r in routes if r.host_address is not None}
