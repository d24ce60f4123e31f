"""One Kubernetes client per run (the Nornir connection `bgplb_kubernetes`), and state reads
batched: one list per kind (per namespace) where the tasks used to read object by object.
Counted against the in-memory DynamicClient stand-in, never timed."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from nornir.core.task import Result, Task

from bgplb.model import Site
from tasks import k8s_client
from tasks.k8s_apply import k8s_apply
from tasks.k8s_client import CONNECTION, run_client
from tasks.k8s_phases import app, cni, metallb
from tasks.k8s_wait import wait_deployments_available, wait_nodes_ready

from .fake_api import FakeDynamicClient
from .test_k8s_apply import ENV, reference_09
from .test_k8s_wait import deployment, node


class Clients:
    """A stand-in for dynamic_client: counts the clients made (each one an API discovery)."""

    def __init__(self) -> None:
        self.made: list[tuple[Path, FakeDynamicClient]] = []

    def __call__(self, kubeconfig: Path) -> FakeDynamicClient:
        api = FakeDynamicClient()
        for name in ("default", "kube-system"):
            api.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        self.made.append((kubeconfig, api))
        return api


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Clients:
    made = Clients()
    monkeypatch.setattr(k8s_client, "dynamic_client", made)
    return made


def with_kubeconfig(site: Site, path: Path) -> Site:
    path.write_text("stand-in: the client factory is replaced\n")
    return dataclasses.replace(
        site, kubernetes=site.kubernetes.model_copy(update={"kubeconfig": path})
    )


def test_the_kubernetes_phases_of_a_run_share_one_client(
    lab_site: Site, nornir_nodes: Any, clients: Clients, tmp_path: Path, monkeypatch: Any
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    site = with_kubeconfig(lab_site, tmp_path / "admin.conf")
    cp = nornir_nodes.filter(name="master01")
    for phase in (cni, metallb, app):  # a dry run: server-side dry runs, no waits
        result = cp.run(task=phase, site=site, dry_run=True)
        assert not result.failed, result["master01"].exception
        assert result["master01"][0].changed
    assert [path for path, _ in clients.made] == [tmp_path / "admin.conf"]
    nornir_nodes.close_connections()
    assert CONNECTION not in nornir_nodes.inventory.hosts["master01"].connections


def test_another_kubeconfig_gets_its_own_client(
    nornir_nodes: Any, clients: Clients, tmp_path: Path
) -> None:
    seen: list[Any] = []

    def twice(task: Task) -> Result:
        seen.append(run_client(task, tmp_path / "a.conf"))
        seen.append(run_client(task, tmp_path / "a.conf"))
        seen.append(run_client(task, tmp_path / "b.conf"))
        return Result(host=task.host)

    assert not nornir_nodes.filter(name="master01").run(task=twice).failed
    assert seen[0] is seen[1] and seen[2] is not seen[0]
    assert [p.name for p, _ in clients.made] == ["a.conf", "b.conf"]


def test_a_wait_reads_each_kind_once_per_poll(nornir_nodes: Any) -> None:
    api = FakeDynamicClient()
    for name in ("master01", "worker01", "worker02"):
        api.put(node(name, "True"))
    api.put(deployment(1, 1))
    other = deployment(1, 1)
    other["metadata"] = {"name": "calico-kube-controllers", "namespace": "kube-system"}
    api.put(other)
    cp = nornir_nodes.filter(name="master01")
    nodes = cp.run(task=wait_nodes_ready, names=["master01", "worker01", "worker02"], client=api)
    assert not nodes.failed, nodes["master01"][0].result
    both = [("metallb-system", "controller"), ("kube-system", "calico-kube-controllers")]
    one = [("metallb-system", "controller")]
    for wanted in (both, one):
        done = cp.run(task=wait_deployments_available, deployments=wanted, client=api, timeout=0)
        assert not done.failed, done["master01"][0].result
    assert api.requests == [
        ("list", "Node"),
        ("list", "Deployment"),  # two namespaces: one list across them
        ("list", "Deployment in metallb-system"),
    ]


def test_a_wait_still_names_each_object_missing(nornir_nodes: Any) -> None:
    api = FakeDynamicClient()
    api.put(node("master01", "True"))
    cp = nornir_nodes.filter(name="master01")
    result = cp.run(
        task=wait_nodes_ready, names=["master01", "worker01"], client=api, timeout=0, interval=0
    )
    assert result.failed
    assert "1/2 not ready" in result["master01"][0].result
    assert "Node/worker01: not found" in result["master01"][0].result


def test_apply_reads_one_list_per_kind_and_namespace_and_secrets_one_by_one(
    lab_site: Site, nornir_nodes: Any
) -> None:
    api = FakeDynamicClient()
    api.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    docs = reference_09(lab_site)
    cp = nornir_nodes.filter(name="master01")
    assert cp.run(task=k8s_apply, documents=docs, client=api)["master01"][0].changed
    api.requests.clear()
    again = cp.run(task=k8s_apply, documents=docs, client=api)["master01"][0]
    assert not again.changed and again.result["unchanged"] == len(docs)
    reads = Counter(verb for verb, _ in api.requests if verb in ("get", "list"))
    secrets = [d for d in docs if d["kind"] == "Secret"]
    places = {
        (
            d["kind"],
            (d["metadata"].get("namespace") or "default") if d["kind"] not in CLUSTER else None,
        )
        for d in docs
        if d["kind"] != "Secret"
    }
    assert secrets, "the reference includes the memberlist Secret"
    assert reads == {"list": len(places), "get": len(secrets)}
    assert len(places) < len(docs) - len(secrets)


CLUSTER = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "PodSecurityPolicy",
    "CustomResourceDefinition",
    "ValidatingWebhookConfiguration",
}
