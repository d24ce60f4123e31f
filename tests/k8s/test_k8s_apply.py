"""Server-side apply through real Nornir against an in-memory DynamicClient stand-in."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from bgplb.k8s.demo_app import render_demo_app
from bgplb.k8s.manifests import load_manifest, order_for_apply
from bgplb.k8s.metallb_config import (
    EXCLUDE_LB_LABEL,
    node_label_patches,
    render_memberlist_secret,
    render_metallb_config,
)
from bgplb.model import Site
from tasks.k8s_apply import k8s_apply, k8s_label_nodes
from tests.conftest import MANIFESTS

from .conftest import metallb
from .fake_api import FakeDynamicClient, http_error

ENV = {"BGPLB_METALLB_MEMBERLIST_KEY": "memberlist-key-value", "PW": "bgp-password-value"}


def run(nr: Any, docs: list[dict[str, Any]], api: FakeDynamicClient, **kw: Any) -> Any:
    cp = nr.filter(name="master01")
    result = cp.run(task=k8s_apply, documents=docs, client=api, **kw)
    assert not result.failed, result["master01"][0].result
    return result["master01"][0]


def reference_09(site: Site) -> list[dict[str, Any]]:
    docs = [
        *load_manifest(str(MANIFESTS / "metallb-v0.9.6/namespace.yaml")),
        *load_manifest(str(MANIFESTS / "metallb-v0.9.6/metallb.yaml")),
    ]
    return [
        *docs,
        *render_memberlist_secret(site, ENV),
        *render_metallb_config(site, ENV),
        *render_demo_app(site),
    ]


def test_second_apply_changes_nothing(lab_site: Site, nornir_nodes: Any) -> None:
    api = FakeDynamicClient()
    api.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    docs = reference_09(lab_site)
    first = run(nornir_nodes, docs, api)
    assert first.changed
    assert first.result["created"] == len(docs)
    versions = {k: v["metadata"]["resourceVersion"] for k, v in api.objects.items()}
    writes = api.writes
    second = run(nornir_nodes, docs, api)
    assert not second.changed
    assert second.diff == ""
    assert second.result["unchanged"] == len(docs)
    assert api.writes == writes
    assert {k: v["metadata"]["resourceVersion"] for k, v in api.objects.items()} == versions
    # secrets never in a diff or a result
    text = first.diff + str(first.result)
    assert "memberlist-key-value" not in text
    assert "secretkey" in first.diff


def test_change_is_an_update_with_a_diff(lab_site: Site, nornir_nodes: Any) -> None:
    api = FakeDynamicClient()
    api.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    docs = render_demo_app(lab_site)
    run(nornir_nodes, docs, api)
    docs[0]["spec"]["replicas"] = 3
    dry = run(nornir_nodes, docs, api, dry_run=True)
    assert dry.changed
    assert [a["action"] for a in dry.result["applied"]] == ["update", "unchanged"]
    assert "-  replicas: 2\n+  replicas: 3\n" in dry.diff
    assert api.live("Deployment", "nginx-deployment", "default")["spec"]["replicas"] == 2
    local = run(nornir_nodes, docs, api, dry_run=True, dry_run_mode="local")
    assert local.changed
    assert ".spec.replicas" in local.diff
    done = run(nornir_nodes, docs, api)
    assert done.changed
    assert api.live("Deployment", "nginx-deployment", "default")["spec"]["replicas"] == 3


def test_dry_run_on_an_empty_cluster_applies_nothing(
    lab_site: Site, nornir_nodes: Any, make_site: Any
) -> None:
    site = make_site(metallb("0.14.9", control_plane_announces=True))
    native = load_manifest(str(MANIFESTS / "metallb-v0.14.9/metallb-native.yaml"))
    docs = [*native, *render_metallb_config(site, ENV)]
    api = FakeDynamicClient()
    result = run(nornir_nodes, docs, api, dry_run=True)
    assert result.changed
    assert {a["action"] for a in result.result["applied"]} == {"create"}
    assert api.writes == 0
    assert api.objects == {}
    del lab_site


def test_crds_first_then_custom_resources(nornir_nodes: Any, make_site: Any) -> None:
    site = make_site(metallb("0.14.9", control_plane_announces=True))
    native = load_manifest(str(MANIFESTS / "metallb-v0.14.9/metallb-native.yaml"))
    config = render_metallb_config(site, ENV)
    api = FakeDynamicClient()
    run(nornir_nodes, list(reversed([*native, *config])), api)  # order does not matter
    assert api.live("BGPPeer", "vyos", "metallb-system")["spec"]["peerAddress"] == "192.168.30.254"
    again = run(nornir_nodes, [*native, *config], api)
    assert not again.changed
    applied = [k for verb, k in api.requests if verb == "apply"]
    assert applied[0] == "Namespace/metallb-system"
    assert all(k.startswith("CustomResourceDefinition/") for k in applied[1:8])


def test_unknown_kind_fails_the_host(nornir_nodes: Any) -> None:
    doc = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    result = nornir_nodes.filter(name="master01").run(
        task=k8s_apply, documents=[doc], client=FakeDynamicClient()
    )
    assert result.failed
    assert isinstance(result["master01"][0].exception, ResourceNotFoundError)


def test_webhook_not_ready_is_retried(lab_site: Site, nornir_nodes: Any) -> None:
    api = FakeDynamicClient()
    api.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    failures = iter([True, True])

    def flaky(_: dict[str, Any]) -> None:
        if next(failures, False):
            raise http_error(500, "Internal", 'failed calling webhook "x.metallb.io": no endpoints')

    api.before_apply = flaky
    result = run(nornir_nodes, render_demo_app(lab_site)[:1], api, webhook_timeout=30)
    assert result.changed


def test_webhook_retry_is_bounded(lab_site: Site, nornir_nodes: Any) -> None:
    api = FakeDynamicClient()
    api.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})

    def broken(_: dict[str, Any]) -> None:
        raise http_error(500, "Internal", 'failed calling webhook "x": connection refused')

    api.before_apply = broken
    result = nornir_nodes.filter(name="master01").run(
        task=k8s_apply, documents=render_demo_app(lab_site)[:1], client=api, webhook_timeout=0
    )
    assert result.failed


def test_password_secret_masked_in_dry_run_diff(nornir_nodes: Any, make_site: Any) -> None:
    def mutation(f: Any) -> None:
        metallb("0.14.9", control_plane_announces=True)(f)
        f["defaults"]["data"]["site"]["metallb"]["password_env"] = "PW"

    site = make_site(mutation)
    api = FakeDynamicClient()
    api.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "metallb-system"}})
    secret = [d for d in render_metallb_config(site, ENV) if d["kind"] == "Secret"]
    run(nornir_nodes, secret, api)
    secret[0]["stringData"]["password"] = "another-password"
    result = run(nornir_nodes, secret, api, dry_run=True, secrets=["another-password"])
    assert result.changed
    assert "password: '******** (changed)'" in result.diff
    assert "another-password" not in result.diff
    assert "bgp-password-value" not in result.diff


@pytest.mark.parametrize("cp_announces", [True, False])
def test_label_nodes(cp_announces: bool, nornir_nodes: Any, make_site: Any) -> None:
    site = make_site(metallb("0.14.9", cp_announces))
    api = FakeDynamicClient()
    for node in site.nodes:
        labels = {EXCLUDE_LB_LABEL: ""} if node.role == "control_plane" else {}
        api.put(
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node.name, "labels": labels}}
        )
    cp = nornir_nodes.filter(name="master01")
    patches = node_label_patches(site)
    first = cp.run(task=k8s_label_nodes, patches=patches, client=api)["master01"][0]
    assert first.changed is cp_announces
    has_label = EXCLUDE_LB_LABEL in api.live("Node", "master01")["metadata"]["labels"]
    assert has_label is not cp_announces
    second = cp.run(task=k8s_label_nodes, patches=patches, client=api)["master01"][0]
    assert not second.changed


def test_order_keeps_everything() -> None:
    docs = load_manifest(str(MANIFESTS / "metallb-v0.9.6/metallb.yaml"))
    assert len(order_for_apply(docs)) == len(docs)
