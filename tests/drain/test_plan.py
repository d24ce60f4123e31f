"""Drain planning: mechanism per MetalLB version, LB IPs affected and next hops that remain,
refusals, the undo, pods to evict, and the router conditions the waits poll (pure)."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest

from bgplb.audit.observations import (
    ClusterObservation,
    LabelSelector,
    Route,
    RoutePath,
    SelectorRequirement,
)
from bgplb.audit.semantics import DRAIN_LABEL, EXCLUDE_LABEL, semantics_for
from bgplb.drain.mechanism import mechanism_for
from bgplb.drain.plan import (
    apply_plan,
    not_yet_routed,
    plan_drain,
    plan_undo,
    pod_actions,
    routed_through,
)
from bgplb.model import Site
from tests.audit.replay import cluster_of, site_for

LB = IPv4Address("198.18.100.10")
ADDR = {
    "master01": IPv4Address("198.18.30.50"),
    "worker01": IPv4Address("198.18.30.60"),
    "worker02": IPv4Address("198.18.30.61"),
}


def observed(name: str, drain_selector: bool = True) -> tuple[Site, ClusterObservation]:
    """A recorded scenario; drain_selector: its ConfigMap peers (if any) carry
    `bgplb.io/drained DoesNotExist`, as the deploy renders them now."""
    site = site_for(name)
    cluster = cluster_of(name, site)
    assert isinstance(cluster, ClusterObservation)
    if drain_selector and cluster.config is not None and cluster.config.dialect == "configmap":
        req = SelectorRequirement(DRAIN_LABEL, "DoesNotExist")
        peers = tuple(
            dataclasses.replace(
                p,
                node_selectors=tuple(
                    dataclasses.replace(s, match_expressions=(*s.match_expressions, req))
                    for s in p.node_selectors
                )
                or (LabelSelector(match_expressions=(req,)),),
            )
            for p in cluster.config.peers
        )
        cluster = dataclasses.replace(
            cluster, config=dataclasses.replace(cluster.config, peers=peers)
        )
    return site, cluster


def with_speaker_version(cluster: ClusterObservation, tag: str, *args: str) -> ClusterObservation:
    pods = tuple(
        dataclasses.replace(p, image=p.image.rsplit(":", 1)[0] + f":v{tag}", args=args)
        for p in cluster.pods
    )
    return dataclasses.replace(cluster, pods=pods)


@pytest.mark.parametrize(
    ("version", "ignore", "mechanism"),
    [
        ((0, 9, 6), False, "peer-node-selectors"),
        ((0, 12, 1), False, "peer-node-selectors"),
        ((0, 13, 12), False, "advertisement-node-selectors"),
        ((0, 14, 1), False, "advertisement-node-selectors"),
        ((0, 14, 2), False, "exclude-label"),
        ((0, 14, 9), False, "exclude-label"),
        ((0, 14, 9), True, "advertisement-node-selectors"),
        ((0, 16, 1), False, "exclude-label"),
    ],
)
def test_mechanism_per_version(version: tuple[int, int, int], ignore: bool, mechanism: str) -> None:
    m = mechanism_for(semantics_for(version), ignore)
    assert m.name == mechanism
    assert m.label == (EXCLUDE_LABEL if mechanism == "exclude-label" else DRAIN_LABEL)
    assert m.source  # the upstream file it rests on


def test_drain_096_worker_plan_names_the_ip_and_the_hops_that_remain() -> None:
    site, cluster = observed("healthy")
    plan = plan_drain(site, cluster, "worker01")
    assert plan.refusals == ()
    assert plan.mechanism.name == "peer-node-selectors"
    assert plan.selector_edit == "add"  # a no-op: the peers already carry it
    assert apply_plan(cluster, plan).config == cluster.config
    (change,) = plan.changes
    assert change.address == LB
    assert change.before == ("master01", "worker01", "worker02")
    assert change.after == ("master01", "worker02")
    assert change.after_hops == (ADDR["master01"], ADDR["worker02"])
    assert plan.carries_after == ()


def test_drain_0149_uses_the_label_and_refuses_the_last_announcer() -> None:
    site, cluster = observed("master_excluded_0_14")
    first = plan_drain(site, cluster, "worker01")
    assert first.mechanism.name == "exclude-label"
    assert first.selector_edit == "none"
    assert [(c.before, c.after) for c in first.changes] == [
        (("worker01", "worker02"), ("worker02",))
    ]
    second = plan_drain(site, apply_plan(cluster, first), "worker02")
    (refusal,) = second.refusals
    assert "198.18.100.10" in refusal and "last announcer" in refusal and "--force" in refusal
    forced = plan_drain(site, apply_plan(cluster, first), "worker02", force=True)
    assert forced.refusals == ()
    assert forced.changes[0].after == ()


def test_drain_all_three_on_096_refuses_only_the_last() -> None:
    site, cluster = observed("healthy")
    refusals = []
    for node in ("master01", "worker01", "worker02"):
        plan = plan_drain(site, cluster, node)
        refusals.append(plan.refusals)
        cluster = apply_plan(cluster, plan)
    assert refusals[0] == refusals[1] == ()
    assert len(refusals[2]) == 1


def test_crd_before_0142_plans_advertisement_selectors() -> None:
    site, cluster = observed("master_excluded_0_14")
    cluster = with_speaker_version(cluster, "0.13.12")
    plan = plan_drain(site, cluster, "worker01")
    assert plan.mechanism.name == "advertisement-node-selectors"
    assert plan.selector_edit == "add"
    # 0.13 ignores the exclude label, so master01 announces too (as the audit expects)
    assert [(c.before, c.after) for c in plan.changes] == [
        (("master01", "worker01", "worker02"), ("master01", "worker02"))
    ]


def test_speakers_ignoring_the_label_fall_back_to_selectors() -> None:
    site, cluster = observed("master_excluded_0_14")
    cluster = with_speaker_version(cluster, "0.14.9", "--ignore-exclude-lb")
    assert plan_drain(site, cluster, "worker01").mechanism.name == "advertisement-node-selectors"


def test_undo_brings_the_node_back_and_keeps_the_peers_selector() -> None:
    """Removing the selector would change each peer: a reset of every node's session."""
    site, cluster = observed("healthy")
    w1 = plan_drain(site, cluster, "worker01")
    drained = apply_plan(cluster, w1)
    undo = plan_undo(site, drained, "worker01")
    assert undo.refusals == ()
    assert undo.carries_after == (LB,)
    assert undo.label_set is False
    assert undo.selector_edit == "none"
    assert [(c.before, c.after) for c in undo.changes] == [
        (("master01", "worker02"), ("master01", "worker01", "worker02"))
    ]


def test_peers_without_the_selector_refuse_a_drain_that_resets_other_sessions() -> None:
    site, cluster = observed("healthy", drain_selector=False)
    plan = plan_drain(site, cluster, "worker01")
    (refusal,) = plan.refusals
    assert "master01, worker02 would lose their routes" in refusal
    assert "SetConfig" in refusal
    forced = plan_drain(site, cluster, "worker01", force=True)
    assert forced.refusals == () and forced.selector_edit == "add"
    assert apply_plan(cluster, forced).config != cluster.config


def test_crd_undo_removes_the_advertisement_selector_when_last() -> None:
    site, cluster = observed("master_excluded_0_14")
    cluster = with_speaker_version(cluster, "0.13.12")
    drained = apply_plan(cluster, plan_drain(site, cluster, "worker01"))
    assert plan_undo(site, drained, "worker01").selector_edit == "remove"
    both = apply_plan(drained, plan_drain(site, drained, "worker02"))
    assert plan_undo(site, both, "worker01").selector_edit == "none"


def test_undo_keeps_the_label_the_site_means_a_node_to_have() -> None:
    site, cluster = observed("master_excluded_0_14")
    excluded = site.metallb.model_copy(update={"control_plane_announces": False})
    site_excl = dataclasses.replace(site, metallb=excluded)
    cordoned = dataclasses.replace(
        cluster,
        nodes=tuple(
            dataclasses.replace(n, unschedulable=True) if n.name == "master01" else n
            for n in cluster.nodes
        ),
    )
    undo = plan_undo(site_excl, cordoned, "master01")
    assert undo.label_set is True  # control_plane_announces: false keeps it excluded
    assert undo.carries_after == ()
    assert plan_undo(site_excl, cordoned, "worker01").label_set is False
    # where the site means the control plane to announce, the undo removes the label
    meant = plan_undo(site, cordoned, "master01")
    assert meant.label_set is False
    assert meant.carries_after == (LB,)


def test_a_node_not_in_the_cluster_is_refused() -> None:
    site, cluster = observed("healthy")
    cluster = dataclasses.replace(
        cluster, nodes=tuple(n for n in cluster.nodes if n.name != "worker02")
    )
    plan = plan_drain(site, cluster, "worker02")
    assert any("not in the cluster" in r for r in plan.refusals)


def test_an_unreadable_metallb_config_is_refused() -> None:
    site, cluster = observed("healthy")
    cluster = dataclasses.replace(cluster, config=None, config_error="ConfigMap not found")
    plan = plan_drain(site, cluster, "worker01")
    assert any("ConfigMap not found" in r for r in plan.refusals)


# ---------------------------------------------------------------- pods


def pod(name: str, node: str = "worker01", **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    meta.update(extra.pop("metadata", {}))
    return {"metadata": meta, "spec": {"nodeName": node}, "status": extra.get("status", {})}


def owned(kind: str) -> dict[str, Any]:
    return {"ownerReferences": [{"kind": kind, "name": "x", "uid": "u", "controller": True}]}


def test_pod_actions_follow_kubectl_drain() -> None:
    pods = [
        pod("web", metadata=owned("ReplicaSet")),
        pod("speaker", metadata=owned("DaemonSet")),
        pod("etcd", metadata={"annotations": {"kubernetes.io/config.mirror": "x"}}),
        pod("job", metadata=owned("Job"), status={"phase": "Succeeded"}),
        pod("bare"),
        pod("elsewhere", node="worker02", metadata=owned("ReplicaSet")),
    ]
    actions = {a.name: a for a in pod_actions(pods, "worker01")}
    assert set(actions) == {"web", "speaker", "etcd", "job", "bare"}
    assert {n for n, a in actions.items() if a.evict} == {"web", "bare"}
    site, cluster = observed("healthy")
    plan = plan_drain(site, cluster, "worker01", pods)
    assert any("default/bare" in r and "no controller" in r for r in plan.refusals)
    assert plan_drain(site, cluster, "worker01", pods, force=True).refusals == ()


# ---------------------------------------------------------------- the router


def route(*hops: str, fib: tuple[str, ...] | None = None) -> Route:
    in_fib = set(hops if fib is None else fib)
    return Route(
        IPv4Network(f"{LB}/32"),
        tuple(RoutePath(IPv4Address(h), "BGP", True, h in in_fib) for h in hops),
    )


def test_routed_through_needs_both_multipath_and_fib_clear() -> None:
    w1 = ADDR["worker01"]
    assert routed_through([route("198.18.30.60", "198.18.30.61")], w1) == (LB,)
    assert routed_through([route("198.18.30.61")], w1) == ()
    # BGP let it go, the kernel still forwards to it: not done yet
    stale_fib = Route(
        IPv4Network(f"{LB}/32"),
        (
            RoutePath(IPv4Address("198.18.30.61"), "BGP", True, True),
            RoutePath(w1, "BGP", False, True),
        ),
    )
    assert routed_through([stale_fib], w1) == (LB,)


def test_not_yet_routed_wants_multipath_and_fib() -> None:
    w1 = ADDR["worker01"]
    assert not_yet_routed([route("198.18.30.61")], w1, [LB]) == (LB,)
    assert not_yet_routed([route("198.18.30.60", fib=())], w1, [LB]) == (LB,)
    assert not_yet_routed([route("198.18.30.60", "198.18.30.61")], w1, [LB]) == ()
    assert not_yet_routed([], w1, [LB]) == (LB,)
    assert not_yet_routed([], w1, []) == ()
