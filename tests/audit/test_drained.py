"""The audit and an intentional drain: cordon semantics by MetalLB version (a cordoned node
stops announcing on 0.14.9 only) and a drained node (excluded and cordoned) reported as such."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv4Address

from rich.console import Console

from bgplb.audit.expect import drained_nodes, expectations
from bgplb.audit.findings import Finding
from bgplb.audit.observations import ClusterObservation, Observations, RouterObservation
from bgplb.audit.outcome import evaluate
from bgplb.audit.report import json_document, summary_line
from bgplb.audit.semantics import DRAIN_LABEL, EXCLUDE_LABEL
from bgplb.drain.plan import apply_plan, plan_drain
from bgplb.model import Site
from tests.audit.replay import cluster_of, router_of, site_for

W1 = IPv4Address("198.18.30.60")


def observed(name: str) -> tuple[Site, ClusterObservation, RouterObservation]:
    site = site_for(name)
    cluster, router = cluster_of(name, site), router_of(name, site)
    assert isinstance(cluster, ClusterObservation) and isinstance(router, RouterObservation)
    return site, cluster, router


def edit_node(
    cluster: ClusterObservation, name: str, cordon: bool, label: str | None = None
) -> ClusterObservation:
    def edit(n):  # type: ignore[no-untyped-def]
        if n.name != name:
            return n
        labels = {**n.labels, label: "true"} if label else n.labels
        return dataclasses.replace(n, unschedulable=cordon, labels=labels)

    return dataclasses.replace(cluster, nodes=tuple(edit(n) for n in cluster.nodes))


def speakers_at(cluster: ClusterObservation, tag: str) -> ClusterObservation:
    pods = tuple(
        dataclasses.replace(p, image=p.image.rsplit(":", 1)[0] + f":v{tag}") for p in cluster.pods
    )
    return dataclasses.replace(cluster, pods=pods)


def announcers(site: Site, cluster: ClusterObservation) -> list[str]:
    (e,) = expectations(site, cluster)
    return [a.node for a in e.announcers]


def test_a_cordoned_node_stops_announcing_on_0149_only() -> None:
    site, cluster, _ = observed("master_excluded_0_14")
    cordoned = edit_node(cluster, "worker01", cordon=True)
    assert announcers(site, cordoned) == ["worker02"]
    (e,) = expectations(site, cordoned)
    (why,) = [x for x in e.left_out if x.node == "worker01"]
    assert why.kind == "config" and "cordoned" in why.reason
    for tag in ("0.14.8", "0.15.0", "0.16.1"):
        assert announcers(site, speakers_at(cordoned, tag)) == ["worker01", "worker02"], tag
    site096, cluster096, _ = observed("healthy")
    assert announcers(site096, edit_node(cluster096, "worker01", cordon=True)) == [
        "master01",
        "worker01",
        "worker02",
    ]


def test_excluded_and_cordoned_is_drained_not_an_error() -> None:
    site, cluster, router = observed("master_excluded_0_14")
    drained = edit_node(cluster, "worker01", cordon=True, label=EXCLUDE_LABEL)
    assert drained_nodes(site, drained) == ("worker01",)
    (e,) = expectations(site, drained)
    assert [x.kind for x in e.left_out if x.node == "worker01"] == ["drained"]
    # excluded but not cordoned, or cordoned but not excluded: not drained
    assert (
        drained_nodes(site, edit_node(cluster, "worker01", cordon=False, label=EXCLUDE_LABEL)) == ()
    )
    assert drained_nodes(site, edit_node(cluster, "worker01", cordon=True)) == ()
    # the router has withdrawn it: the audit passes and names the node
    routes = tuple(
        dataclasses.replace(r, paths=tuple(p for p in r.paths if p.next_hop != W1))
        for r in router.routes
    )
    gone = dataclasses.replace(router, routes=routes, flows=())
    outcome = evaluate(site, Observations(gone, drained))
    errors = [f for f in outcome.findings if f.severity.value == "error"]
    assert errors == []
    (finding,) = [f for f in outcome.findings if f.check == "drain"]
    assert finding.severity.value == "pass" and finding.object == f"node worker01 ({W1})"
    assert not [
        f for f in outcome.findings if f.severity.value == "warning" and "worker01" in f.actual
    ]
    assert outcome.drained == ("worker01",)
    assert json_document(outcome)["drained"] == ["worker01"]
    assert "drained: worker01" in summary_line(outcome)
    console = Console(record=True, width=200)
    console.print(summary_line(outcome))
    assert "drained: worker01" in console.export_text()


def test_a_drained_node_the_router_still_uses_is_an_error() -> None:
    site, cluster, router = observed("master_excluded_0_14")
    drained = edit_node(cluster, "worker01", cordon=True, label=EXCLUDE_LABEL)
    outcome = evaluate(site, Observations(dataclasses.replace(router, flows=()), drained))
    (finding,) = [f for f in outcome.findings if f.check == "drain"]
    assert finding.severity.value == "error"
    assert "198.18.100.10" in finding.actual


def test_096_drain_by_peer_selector_reports_the_session_as_drained() -> None:
    site, cluster, router = observed("healthy")
    plan = plan_drain(site, cluster, "worker01")
    drained = apply_plan(cluster, plan)
    assert DRAIN_LABEL in (drained.node("worker01") or cluster.nodes[0]).labels
    assert drained_nodes(site, drained) == ("worker01",)
    outcome = evaluate(site, Observations(dataclasses.replace(router, flows=()), drained))
    sessions = [f for f in outcome.findings if f.check == "session" and "198.18.30.60" in f.object]
    assert [(f.severity.value, f.expected) for f in sessions] == [
        ("pass", "any state: the node is drained (runbooks.drain)")
    ]


def _drain_warnings(
    site: Site, cluster: ClusterObservation, router: RouterObservation
) -> list[Finding]:
    outcome = evaluate(site, Observations(router, cluster))
    return [f for f in outcome.findings if f.check == "drain" and f.severity == "warning"]


def test_096_peers_without_the_drain_selector_are_a_warning_naming_the_peer() -> None:
    """The recorded 0.9.6 ConfigMap (from before the deploy rendered the selector)."""
    site, cluster, router = observed("healthy")
    (w,) = _drain_warnings(site, cluster, router)
    assert w.object == "MetalLB peer 198.18.30.254 AS64501 (ConfigMap metallb-system/config)"
    assert DRAIN_LABEL in w.expected
    assert "resets a changed peer's session on every node" in w.actual
    assert "maintenance window" in w.hint


def test_096_peers_with_the_drain_selector_give_no_warning() -> None:
    site, cluster, router = observed("healthy")
    forced = plan_drain(site, cluster, "worker01", force=True)  # adds the selector
    ready = dataclasses.replace(cluster, config=apply_plan(cluster, forced).config)
    assert _drain_warnings(site, ready, router) == []


def test_crd_versions_get_no_such_warning() -> None:
    site, cluster, router = observed("master_excluded_0_14")
    assert _drain_warnings(site, cluster, router) == []
