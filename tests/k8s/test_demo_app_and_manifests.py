"""The demo app against the write-up's YAML; manifests loaded from files and URLs, ordered."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bgplb.errors import InputError
from bgplb.k8s.demo_app import LB_IPS_ANNOTATION, render_demo_app, render_deployment
from bgplb.k8s.manifests import (
    crd_names,
    deployments,
    load_manifest,
    order_for_apply,
    parse_documents,
    ref,
    render_yaml,
    site_manifests,
)
from bgplb.model import load_site
from bgplb.model.specs import Manifest
from tests.conftest import MANIFESTS
from tests.write_up import write_up_file

from .conftest import GOLDEN, INVENTORY, LAB_INVENTORY


def test_demo_app_is_the_write_ups_plus_namespace_annotation_policy_and_stop_delay() -> None:
    deployment, service = render_demo_app(load_site(INVENTORY))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container.pop("lifecycle") == {"preStop": {"exec": {"command": ["sleep", "5"]}}}
    seed_dep = write_up_file("deployment-nginx.yaml")
    seed_svc = write_up_file("service-nginx.yaml")
    seed_dep["metadata"]["namespace"] = "default"
    assert deployment == seed_dep
    assert service["metadata"].pop("annotations") == {LB_IPS_ANNOTATION: "192.168.100.10"}
    assert service["spec"].pop("externalTrafficPolicy") == "Cluster"
    seed_svc["metadata"]["namespace"] = "default"
    assert service == seed_svc


def test_demo_app_golden() -> None:
    rendered = render_yaml(render_demo_app(load_site(LAB_INVENTORY)))
    assert rendered == (GOLDEN / "demo-app-lab.yaml").read_text()


def test_upstream_manifests_ordered_namespaces_then_crds() -> None:
    docs = load_manifest(str(MANIFESTS / "metallb-v0.14.9/metallb-native.yaml"))
    ordered = order_for_apply(reversed(docs))
    assert ordered[0]["kind"] == "Namespace"
    n = len(crd_names(docs))
    assert n == 7
    assert {d["kind"] for d in ordered[1 : 1 + n]} == {"CustomResourceDefinition"}
    assert sorted(map(ref, ordered)) == sorted(map(ref, docs))
    assert deployments(docs) == [("metallb-system", "controller")]


def test_relative_path_from_inventory_dir_and_list_expansion(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "---\n\n---\napiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: x}}\n"
    )
    docs = load_manifest("m.yaml", base_dir=tmp_path)
    assert [ref(d) for d in docs] == ["ConfigMap/x/a"]
    assert load_manifest((tmp_path / "m.yaml").as_uri()) == docs


@pytest.mark.parametrize(
    "text",
    ["just a string\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "a: [\n"],
)
def test_bad_documents_are_input_errors(text: str) -> None:
    with pytest.raises(InputError):
        parse_documents(text, "test.yaml")


def test_unknown_scheme_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="only http"):
        load_manifest("ftp://127.0.0.1/x.yaml")
    with pytest.raises(InputError, match="cannot read"):
        load_manifest(str(tmp_path / "nope.yaml"))


@pytest.fixture
def http_dir() -> Iterator[str]:
    """The manifests served on 127.0.0.1 (an air-gapped mirror)."""
    root = MANIFESTS

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_load_from_url(http_dir: str) -> None:
    docs = load_manifest(f"{http_dir}/metallb-v0.9.6/metallb.yaml")
    local = load_manifest(str(MANIFESTS / "metallb-v0.9.6/metallb.yaml"))
    assert docs == local
    assert ("metallb-system", "controller") in deployments(docs)
    with pytest.raises(InputError, match="cannot read"):
        load_manifest(f"{http_dir}/missing.yaml")


def test_site_manifests_are_the_pinned_ones() -> None:
    sources = site_manifests(load_site(INVENTORY))
    (cni,) = sources["cni"]
    assert cni.source.endswith("/projectcalico/calico/v3.19.1/manifests/calico.yaml")
    assert sources["metallb"][0].source.endswith("/v0.9.6/manifests/namespace.yaml")
    assert all(m.sha256 for m in sources["metallb"])


def test_twin_applies_the_stand_ins_of_the_reference_labs_files() -> None:
    """The twin applies the project's stand-ins of the very files the reference lab pins
    (upstream's v0.9.6 namespace.yaml and metallb.yaml); that the pins are upstream's bytes and
    the stand-ins upstream's objects is `make conformance`'s (conformance/standalone.py)."""
    pinned = site_manifests(load_site(INVENTORY))["metallb"]
    reference = [m.source.rsplit("/", 1)[1] for m in pinned]
    twin = site_manifests(load_site(LAB_INVENTORY))["metallb"]
    assert [(LAB_INVENTORY / m.source).resolve() for m in twin] == [
        (MANIFESTS / "metallb-v0.9.6" / name).resolve() for name in reference
    ]
    assert all(load_manifest(m, base_dir=LAB_INVENTORY) for m in twin)


def test_sha256_mismatch_names_the_manifest(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    good = hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_manifest(Manifest(source=str(path), sha256=good))
    path.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n")
    with pytest.raises(InputError, match=f"manifest {path}: sha256 .* does not match"):
        load_manifest(Manifest(source=str(path), sha256=good))


def test_a_stop_delay_of_zero_renders_the_write_ups_container(tmp_path: Path) -> None:
    site = load_site(INVENTORY)
    svc = site.services[0].model_copy(update={"stop_delay_seconds": 0})
    (container,) = render_deployment(svc)["spec"]["template"]["spec"]["containers"]
    assert "lifecycle" not in container
