"""The tasks against the twin's emulated API server (lab/k8s) on 127.0.0.1, over real TLS.

admin.conf names https://k8s-cluster.example.com:PORT (which does not resolve); the toolkit's
override points it at 127.0.0.1 and keeps TLS verified for the endpoint name.
Skipped while lab/k8s is not there.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

import lab.k8s.pki as pki_mod
from bgplb.k8s.demo_app import render_demo_app
from bgplb.k8s.kubeconfig import apply_override, plan_override, render_kubeconfig
from bgplb.k8s.manifests import crd_names, deployments, load_manifest
from bgplb.k8s.metallb_config import (
    EXCLUDE_LB_LABEL,
    node_label_patches,
    render_memberlist_secret,
    render_metallb_config,
)
from bgplb.model import Site, load_site
from lab.k8s import apiserver, cluster_info, kubelets
from tasks.k8s_apply import k8s_apply, k8s_label_nodes
from tasks.k8s_wait import wait_crds_established, wait_deployments_available, wait_nodes_ready
from tasks.kubeadm import write_private

from .conftest import LAB_INVENTORY, Files, metallb, mutated, site_data, twin_state_in

pytestmark = pytest.mark.twin  # the emulated Kubernetes API server

ENV = {"BGPLB_METALLB_MEMBERLIST_KEY": "memberlist-key-for-the-twin"}
MANIFESTS = Path(__file__).resolve().parents[2] / "lab" / "manifests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Twin:
    def __init__(self, state: Path, version: str) -> None:
        port = free_port()
        self.listen = f"127.0.0.1:{port}"

        def mutation(f: Files) -> None:
            metallb(version, control_plane_announces=True)(f)
            site_data(f)["kubernetes"]["api_server_override"] = self.listen
            twin_state_in(f, state)

        self.site: Site = load_site(mutated(state / "inv", mutation, LAB_INVENTORY))
        base = load_site(LAB_INVENTORY)
        cluster_info.ClusterInfo.of(base, self.listen, None, "abcdef.0123456789abcdef").save(state)
        endpoint = self.site.kubernetes.control_plane_endpoint
        addresses = [IPv4Address("127.0.0.1"), self.site.control_plane.address]
        pki = pki_mod.ensure_pki(state / "pki", endpoint, addresses)
        for node in self.site.nodes:
            kubelet = kubelets.Kubelet(
                node.name,
                str(node.address),
                node.role == "control_plane",
                labels={"kubernetes.io/hostname": node.name},
            )
            kubelets.write_kubelet(state, kubelet)
        # what kubeadm wrote: the endpoint name, which this machine does not resolve
        admin = pki_mod.kubeconfig(pki, f"https://{endpoint}:{port}")
        override = plan_override(
            self.site, admin["clusters"][0]["cluster"]["server"], lambda _: False
        )
        assert override is not None
        self.kubeconfig = state / "admin.conf"
        write_private(self.kubeconfig, render_kubeconfig(apply_override(admin, override)))
        self.server = apiserver.RunningServer(state, self.listen, pki).start()


@pytest.fixture
def twin_09(tmp_path: Path) -> Iterator[Twin]:
    twin = Twin(tmp_path, "0.9.6")
    yield twin
    twin.server.stop()


@pytest.fixture
def twin_014(tmp_path: Path) -> Iterator[Twin]:
    twin = Twin(tmp_path, "0.14.9")
    yield twin
    twin.server.stop()


def run(nr: Any, task: Any, **kw: Any) -> Any:
    result = nr.filter(name="master01").run(task=task, **kw)
    assert not result.failed, result["master01"][0].result
    return result["master01"][0]


def test_metallb_096_reference_lab_on_the_twin(twin_09: Twin, nornir_nodes: Any) -> None:
    kc = twin_09.kubeconfig
    site = twin_09.site
    nodes = [n.name for n in site.nodes]
    run(nornir_nodes, wait_nodes_ready, names=nodes, kubeconfig=kc, timeout=30, interval=0.2)
    docs = [
        *load_manifest(str(MANIFESTS / "metallb-v0.9.6/namespace.yaml")),
        *load_manifest(str(MANIFESTS / "metallb-v0.9.6/metallb.yaml")),
        *render_memberlist_secret(site, ENV),
        *render_metallb_config(site, ENV),
        *render_demo_app(site),
    ]
    dry = run(nornir_nodes, k8s_apply, documents=docs, kubeconfig=kc, dry_run=True)
    assert dry.changed
    assert dry.result["created"] == len(docs)
    first = run(nornir_nodes, k8s_apply, documents=docs, kubeconfig=kc)
    assert first.changed
    assert "memberlist-key-for-the-twin" not in first.diff
    second = run(nornir_nodes, k8s_apply, documents=docs, kubeconfig=kc)
    assert not second.changed
    assert second.result["unchanged"] == len(docs)
    again_dry = run(nornir_nodes, k8s_apply, documents=docs, kubeconfig=kc, dry_run=True)
    assert not again_dry.changed
    wanted = deployments(docs)
    run(
        nornir_nodes,
        wait_deployments_available,
        deployments=wanted,
        kubeconfig=kc,
        timeout=60,
        interval=0.2,
    )


def test_metallb_0149_crds_webhook_and_labels_on_the_twin(
    twin_014: Twin, nornir_nodes: Any
) -> None:
    kc = twin_014.kubeconfig
    site = twin_014.site
    run(
        nornir_nodes,
        wait_nodes_ready,
        names=[n.name for n in site.nodes],
        kubeconfig=kc,
        timeout=30,
        interval=0.2,
    )
    native = load_manifest(str(MANIFESTS / "metallb-v0.14.9/metallb-native.yaml"))
    assert run(nornir_nodes, k8s_apply, documents=native, kubeconfig=kc).changed
    run(
        nornir_nodes,
        wait_crds_established,
        names=crd_names(native),
        kubeconfig=kc,
        timeout=30,
        interval=0.2,
    )
    run(
        nornir_nodes,
        wait_deployments_available,
        deployments=deployments(native),
        kubeconfig=kc,
        timeout=60,
        interval=0.2,
    )
    config = [*render_metallb_config(site, ENV), *render_demo_app(site)]
    first = run(nornir_nodes, k8s_apply, documents=config, kubeconfig=kc, webhook_timeout=30)
    assert first.changed
    second = run(nornir_nodes, k8s_apply, documents=[*native, *config], kubeconfig=kc)
    assert not second.changed
    labels = node_label_patches(site)
    run(nornir_nodes, k8s_label_nodes, patches=labels, kubeconfig=kc)
    assert not run(nornir_nodes, k8s_label_nodes, patches=labels, kubeconfig=kc).changed
    assert labels["master01"]["metadata"]["labels"] == {EXCLUDE_LB_LABEL: None}


def test_deploy_phases_metallb_and_app_on_the_twin(twin_014: Twin, nornir_nodes: Any) -> None:
    from tasks.k8s_phases import app, metallb

    site = twin_014.site
    names = [n.name for n in site.nodes]
    kc = twin_014.kubeconfig
    run(nornir_nodes, wait_nodes_ready, names=names, kubeconfig=kc, timeout=30, interval=0.2)
    native = str(MANIFESTS / "metallb-v0.14.9/metallb-native.yaml")
    site = dataclasses.replace(
        site, metallb=site.metallb.model_copy(update={"manifests": [native]})
    )
    dry = run(nornir_nodes, metallb, site=site, dry_run=True)
    assert dry.changed
    first = run(nornir_nodes, metallb, site=site)
    assert first.changed
    assert not run(nornir_nodes, metallb, site=site).changed
    assert run(nornir_nodes, app, site=site).changed
    assert not run(nornir_nodes, app, site=site).changed
