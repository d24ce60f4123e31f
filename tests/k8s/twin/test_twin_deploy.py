"""The Kubernetes side end to end on a fresh twin, phase by phase through Nornir
(`init_nornir`: netmiko with strict host keys to the node logins and the router):
bootstrap -> control-plane -> join -> cni -> metallb -> router -> app.

The tests of each module run in order on one twin (module fixtures); the twin lock is held
for the whole session (`twin_session`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config

from bgplb.model import Site, load_site
from lab.lifecycle import down
from lab.poll import wait_for
from lab.state import LabPaths

from .conftest import (
    LAB_INVENTORY,
    LB_IP,
    copy_inventory,
    fresh_twin,
    metallb_0149,
    router_bgp_routes,
    router_paths,
    run_all,
    snapshot,
)

pytestmark = pytest.mark.twin


@pytest.fixture(scope="module")
def twin096(twin_session: None) -> Iterator[Site]:
    site = load_site(LAB_INVENTORY)
    fresh_twin(site)
    try:
        yield site
    finally:
        down(site)


def core(site: Site) -> Any:
    """CoreV1Api over the kubeconfig the control-plane phase stored (objects used untyped)."""
    api = config.new_client_from_config(str(site.kubernetes.kubeconfig))  # type: ignore[no-untyped-call]
    return client.CoreV1Api(api)


def node_addresses(site: Site, names: list[str]) -> set[object]:
    return {site.node(n).address for n in names}


def test_dry_run_on_a_fresh_twin_changes_nothing(twin096: Site) -> None:
    before = snapshot(twin096)
    assert before["objects"] is None and before["kubeconfig"] is False
    changed = run_all(twin096, dry_run=True)
    assert all(all(hosts.values()) for hosts in changed.values()), changed
    assert snapshot(twin096) == before
    assert not LabPaths.of(twin096).k8s_dir.exists(), "no cluster after a dry run"


def test_phases_bring_the_service_to_a_3_way_ecmp_route(twin096: Site) -> None:
    assert router_bgp_routes(twin096) == [], "fresh twin: the router has no BGP routes"
    changed = run_all(twin096)
    assert all(all(hosts.values()) for hosts in changed.values()), changed
    nodes = core(twin096).list_node().items
    ready = {
        n.metadata.name
        for n in nodes
        if any(c.type == "Ready" and c.status == "True" for c in n.status.conditions)
    }
    assert ready == {"master01", "worker01", "worker02"}
    svc = core(twin096).read_namespaced_service("my-service", "default")
    assert [i.ip for i in svc.status.load_balancer.ingress] == [str(LB_IP)]
    want = node_addresses(twin096, ["master01", "worker01", "worker02"])
    assert wait_for(lambda: router_paths(twin096) == want, timeout=20.0), router_paths(twin096)


def test_a_rerun_of_every_phase_changes_nothing(twin096: Site) -> None:
    before = snapshot(twin096)["config.boot"]
    changed = run_all(twin096)
    assert not any(any(hosts.values()) for hosts in changed.values()), changed
    assert snapshot(twin096)["config.boot"] == before
    assert len(router_paths(twin096)) == 3


def test_deleting_the_service_empties_the_routers_bgp_routes(twin096: Site) -> None:
    core(twin096).delete_namespaced_service("my-service", "default")
    assert wait_for(lambda: router_bgp_routes(twin096) == [], timeout=20.0), router_bgp_routes(
        twin096
    )


@pytest.fixture(scope="module")
def twin0149(twin096: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The same twin rebuilt fresh, the site on MetalLB 0.14.9 CRDs, control plane excluded."""
    inventory = copy_inventory(tmp_path_factory.mktemp("inv0149"), metallb_0149)
    site = load_site(inventory)
    down(twin096)
    fresh_twin(site)
    try:
        yield site
    finally:
        down(site)


def test_metallb_0149_crds_give_2_paths_then_rerun_changes_nothing(twin0149: Site) -> None:
    assert twin0149.metallb.version == "0.14.9"
    run_all(twin0149)
    want = node_addresses(twin0149, ["worker01", "worker02"])
    assert wait_for(lambda: router_paths(twin0149) == want, timeout=20.0), router_paths(twin0149)
    labels = {n.metadata.name: n.metadata.labels for n in core(twin0149).list_node().items}
    assert "node.kubernetes.io/exclude-from-external-load-balancers" in labels["master01"]
    changed = run_all(twin0149)
    assert not any(any(hosts.values()) for hosts in changed.values()), changed
    core(twin0149).delete_namespaced_service("my-service", "default")
    assert wait_for(lambda: router_bgp_routes(twin0149) == [], timeout=20.0)


def test_kubeconfig_is_private(twin0149: Site) -> None:
    path: Path = twin0149.kubernetes.kubeconfig
    assert path.stat().st_mode & 0o777 == 0o600
