"""kubeadm tasks through real Nornir, on fake node shells: init, kubeconfig, join, skips."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from bgplb.k8s.kubeadm import ADMIN_CONF, KUBELET_CONF
from bgplb.model import Site
from tasks.kubeadm import (
    fetch_kubeconfig,
    kubeadm_init,
    kubeadm_join,
    kubeadm_join_command,
)

from .fake_shell import PLUGIN, TOKEN, FakeNode, attach

C = {"connection": PLUGIN}


def cluster(nr: Any, **files: set[str]) -> dict[str, FakeNode]:
    nodes = {name: FakeNode(files=set(files.get(name, set()))) for name in nr.inventory.hosts}
    for name, node in nodes.items():
        attach(nr.inventory.hosts[name], node)
    return nodes


def one(result: Any, host: str) -> Any:
    return result[host][0]


def test_init_then_skip(nornir_nodes: Any, lab_site: Site) -> None:
    nodes = cluster(nornir_nodes)
    cp = nornir_nodes.filter(name="master01")
    dry = one(cp.run(task=kubeadm_init, site=lab_site, dry_run=True, **C), "master01")
    assert dry.changed
    assert "--pod-network-cidr=198.18.50.0/24" in dry.diff
    assert not any("kubeadm init" in c for c in nodes["master01"].commands)
    first = one(cp.run(task=kubeadm_init, site=lab_site, **C), "master01")
    assert (first.changed, first.failed) == (True, False)
    assert TOKEN not in str(first.result) + first.diff
    second = one(cp.run(task=kubeadm_init, site=lab_site, **C), "master01")
    assert (second.changed, second.result) == (False, "already initialised")
    inits = [c for c in nodes["master01"].commands if "kubeadm init" in c]
    assert len(inits) == 1
    assert inits[0].startswith("sudo -n kubeadm init --pod-network-cidr=198.18.50.0/24")


def test_init_failure_masks_the_token(nornir_nodes: Any, lab_site: Site) -> None:
    nodes = cluster(nornir_nodes)
    nodes["master01"].fail["kubeadm init"] = 1
    result = nornir_nodes.filter(name="master01").run(task=kubeadm_init, site=lab_site, **C)
    assert result.failed
    text = one(result, "master01").result
    assert "kubeadm init exited 1" in text
    assert TOKEN not in text
    assert "--token ********" in text


def test_fetch_kubeconfig_overrides_and_is_private(
    nornir_nodes: Any, lab_site: Site, tmp_path: Path
) -> None:
    cluster(nornir_nodes, master01={ADMIN_CONF})
    dest = tmp_path / "kube" / "admin.conf"
    cp = nornir_nodes.filter(name="master01")

    def run(**kw: Any) -> Any:
        r = cp.run(
            task=fetch_kubeconfig, site=lab_site, dest=dest, resolve=lambda _: False, **C, **kw
        )
        return one(r, "master01")

    dry = run(dry_run=True)
    assert dry.changed
    assert not dest.exists()
    first = run()
    assert first.changed
    assert first.result["server"] == "https://198.18.30.50:6443"
    assert first.result["tls_server_name"] == "k8s-cluster.example.com"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert "tls-server-name: k8s-cluster.example.com" in dest.read_text()
    assert "S0VZLXNlY3JldAo=" not in str(first.result) + first.diff
    assert not run().changed
    dest.chmod(0o644)
    assert run().changed
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def test_join_workers_in_parallel_skipping_joined(nornir_nodes: Any, lab_site: Site) -> None:
    nodes = cluster(
        nornir_nodes,
        master01={ADMIN_CONF, KUBELET_CONF},
        worker02={KUBELET_CONF},
    )
    cp = nornir_nodes.filter(name="master01")
    join = one(cp.run(task=kubeadm_join_command, **C), "master01").result
    assert TOKEN not in repr(join)
    workers = nornir_nodes.filter(filter_func=lambda h: h.name.startswith("worker"))
    result = workers.run(task=kubeadm_join, site=lab_site, join=join, **C)
    assert not result.failed
    assert (one(result, "worker01").changed, one(result, "worker02").changed) == (True, False)
    assert one(result, "worker02").result == "already joined"
    (joined,) = [c for c in nodes["worker01"].commands if "kubeadm join" in c]
    assert joined.startswith("sudo -n kubeadm join --config /home/ubuntu/.bgplb-")
    (config,) = nodes["worker01"].join_configs
    assert "criSocket: /var/run/crio/crio.sock" in config.data.decode()
    assert TOKEN not in one(result, "worker01").diff
    again = workers.run(task=kubeadm_join, site=lab_site, join=join, **C)
    assert not any(r[0].changed for r in again.values())


def test_join_dry_run_creates_no_token(nornir_nodes: Any, lab_site: Site) -> None:
    nodes = cluster(nornir_nodes, master01={ADMIN_CONF, KUBELET_CONF})
    cp = nornir_nodes.filter(name="master01")
    assert one(cp.run(task=kubeadm_join_command, dry_run=True, **C), "master01").result is None
    w = nornir_nodes.filter(name="worker01")
    r = one(w.run(task=kubeadm_join, site=lab_site, join=None, dry_run=True, **C), "worker01")
    assert r.changed
    assert nodes["master01"].commands == []
    assert not any("kubeadm join" in c for c in nodes["worker01"].commands)
