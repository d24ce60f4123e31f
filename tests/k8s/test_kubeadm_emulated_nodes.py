"""kubeadm tasks against the twin's emulated Ubuntu nodes (lab/ubuntu), bootstrapped first.

Skipped while lab/ubuntu or the bootstrap task is not there.
"""

from __future__ import annotations

import importlib.util
import stat
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import lab.ubuntu.shell  # noqa: F401  (the emulated node these tests drive)
import tasks.bootstrap as bootstrap_task
from bgplb.model import Site

from .conftest import LAB_INVENTORY, REPO, Files, mutated, twin_state_in


def _fake_node() -> ModuleType:
    """tests/bootstrap/fake_node.py by path (works whether or not `tests` is a package)."""
    spec = importlib.util.spec_from_file_location(
        "bgplb_k8s_fake_node", REPO / "tests" / "bootstrap" / "fake_node.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


fake_node = _fake_node()


def test_init_kubeconfig_join_then_nothing_to_do(tmp_path: Path) -> None:
    from bgplb.model import load_site
    from bgplb.nornir_init import init_nornir
    from tasks.kubeadm import fetch_kubeconfig, kubeadm_init, kubeadm_join, kubeadm_join_command

    site: Site = load_site(LAB_INVENTORY)
    nr: Any = init_nornir(site, {n.name for n in site.nodes})
    fake_node.attach_emulated_nodes(nr, tmp_path / "nodes")
    boot = nr.run(task=bootstrap_task.bootstrap, site=site, allow_legacy=True)
    assert not boot.failed, {h: r[0].exception for h, r in boot.items()}
    cp = nr.filter(name="master01")
    workers = nr.filter(filter_func=lambda h: h.name != "master01")

    init = cp.run(task=kubeadm_init, site=site)
    assert not init.failed, init["master01"][0].result
    assert init["master01"][0].changed
    dest = tmp_path / "admin.conf"
    kc = cp.run(task=fetch_kubeconfig, site=site, dest=dest, resolve=lambda _: False)
    assert not kc.failed, kc["master01"][0].result
    assert kc["master01"][0].result["tls_server_name"] == "k8s-cluster.example.com"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    join = cp.run(task=kubeadm_join_command)
    assert not join.failed, join["master01"][0].result
    joined = workers.run(task=kubeadm_join, site=site, join=join["master01"][0].result)
    assert not joined.failed, {h: r[0].result for h, r in joined.items()}
    assert all(r[0].changed for r in joined.values())

    again_init = cp.run(task=kubeadm_init, site=site)
    assert again_init["master01"][0].result == "already initialised"
    again = workers.run(task=kubeadm_join, site=site, join=join["master01"][0].result)
    assert not any(r[0].changed for r in again.values())


def test_deploy_phases_control_plane_and_join(tmp_path: Path) -> None:
    from bgplb.k8s.kubeadm import JoinCommand
    from bgplb.model import load_site
    from bgplb.nornir_init import init_nornir
    from tasks.kubeadm import control_plane, join, kubeadm_join_command

    def edit(f: Files) -> None:
        twin_state_in(f, tmp_path / "kube")

    site: Site = load_site(mutated(tmp_path / "inv", edit, LAB_INVENTORY))
    nr: Any = init_nornir(site, {n.name for n in site.nodes})
    fake_node.attach_emulated_nodes(nr, tmp_path / "nodes")
    assert not nr.run(task=bootstrap_task.bootstrap, site=site, allow_legacy=True).failed
    cp = nr.filter(name="master01")
    workers = nr.filter(filter_func=lambda h: h.name != "master01")
    dry = cp.run(task=control_plane, site=site, dry_run=True)["master01"][0]
    assert dry.changed
    assert not (tmp_path / "kube" / "admin.conf").exists()
    done = cp.run(task=control_plane, site=site)
    assert not done.failed, done["master01"][0].result
    assert (tmp_path / "kube" / "admin.conf").exists()
    fetched: list[JoinCommand] = []

    def source() -> JoinCommand:
        result = cp.run(task=kubeadm_join_command)["master01"][0].result
        fetched.append(result)
        return result  # type: ignore[no-any-return]

    joined = workers.run(task=join, site=site, join_source=source)
    assert not joined.failed, {h: r[0].exception for h, r in joined.items()}
    assert all(r[0].changed for r in joined.values())
    assert len(fetched) == 1  # one token for both workers
    again = workers.run(task=join, site=site, join_source=source)
    assert not any(r[0].changed for r in again.values())
    assert not cp.run(task=control_plane, site=site)["master01"][0].changed


def test_an_initialised_control_plane_costs_one_round_trip(tmp_path: Path) -> None:
    """The phase's state check (is admin.conf there?) and its read (admin.conf's text) are one
    shell line; a fresh node still probes, inits, then reads."""
    from bgplb.model import load_site
    from bgplb.nornir_init import init_nornir
    from tasks.kubeadm import control_plane

    def edit(f: Files) -> None:
        twin_state_in(f, tmp_path / "kube")

    site: Site = load_site(mutated(tmp_path / "inv", edit, LAB_INVENTORY))
    nr: Any = init_nornir(site, {"master01"})
    conns = fake_node.attach_emulated_nodes(nr, tmp_path / "nodes")
    assert not nr.run(task=bootstrap_task.bootstrap, site=site, allow_legacy=True).failed
    sent = conns["master01"].sent
    sent.clear()
    first = nr.run(task=control_plane, site=site)["master01"]
    assert not first.failed and first[0].changed
    assert len(sent) == 3, sent  # the probe with the read, init, the read again
    assert "test -f /etc/kubernetes/admin.conf" in sent[0] and "cat /etc/kubernetes" in sent[0]
    assert "kubeadm init" in sent[1] and "cat /etc/kubernetes/admin.conf" in sent[2]
    kubeconfig = (tmp_path / "kube" / "admin.conf").read_text()
    sent.clear()
    again = nr.run(task=control_plane, site=site)["master01"]
    assert not again.failed and not again[0].changed
    assert again[0].result.startswith("already initialised; kubeconfig ")
    assert len(sent) == 1 and "admin.conf" in sent[0]
    assert (tmp_path / "kube" / "admin.conf").read_text() == kubeconfig
