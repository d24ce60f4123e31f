"""tasks/bootstrap.py through real Nornir against in-process emulated nodes."""

from __future__ import annotations

import json
from pathlib import Path

from bgplb.model import load_site
from bgplb.nornir_init import init_nornir
from tasks.bootstrap import bootstrap
from tests.bootstrap.fake_node import attach_emulated_nodes
from tests.conftest import REPO


def _nornir(tmp_path: Path):  # type: ignore[no-untyped-def]
    site = load_site(REPO / "inventory" / "lab")
    nr = init_nornir(site, {n.name for n in site.nodes})
    conns = attach_emulated_nodes(nr, tmp_path)
    return site, nr, conns


def _states(tmp_path: Path) -> dict[str, object]:
    return {p.name: json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.json"))}


def test_first_run_changes_second_run_changes_nothing(tmp_path: Path) -> None:
    site, nr, _ = _nornir(tmp_path)
    first = nr.run(task=bootstrap, site=site, allow_legacy=True)
    assert not first.failed, {h: r[0].exception for h, r in first.items()}
    assert all(r[0].changed for r in first.values())
    assert "# swap-off\nsudo -n swapoff -a" in first["worker01"][0].diff
    second = nr.run(task=bootstrap, site=site, allow_legacy=True)
    assert not second.failed
    assert [h for h, r in second.items() if r[0].changed] == []
    assert all(r[0].diff == "" for r in second.values())


def test_dry_run_changes_nothing_and_lists_commands(tmp_path: Path) -> None:
    site, nr, conns = _nornir(tmp_path)
    nr.run(task=lambda task: None)  # nothing yet: no state files
    for conn in conns.values():
        conn.shell.store.load()
        with conn.shell.store.transaction():
            pass
    before = _states(tmp_path)
    result = nr.run(task=bootstrap, site=site, dry_run=True, allow_legacy=True)
    assert not result.failed
    assert _states(tmp_path) == before
    diff = result["master01"][0].diff
    assert result["master01"][0].changed
    assert "sudo -n apt-get install -y --allow-change-held-packages" in diff
    sent = conns["master01"].sent
    assert all(not c.startswith("sudo") for c in sent)


def test_refused_version_fails_the_host_before_contacting_it(tmp_path: Path) -> None:
    site, nr, conns = _nornir(tmp_path)
    result = nr.run(task=bootstrap, site=site, allow_legacy=False)
    assert result.failed
    assert "LegacyReposRefused" in repr(result["worker01"][0].exception.__class__)
    assert conns["worker01"].sent == []


def test_kubeadm_preflight_passes_after_bootstrap(tmp_path: Path) -> None:
    site, nr, conns = _nornir(tmp_path)
    shell = conns["master01"].shell
    assert (
        shell.handle("sudo -n kubeadm version -o short").output
        == "sudo: kubeadm: command not found\n"
    )
    nr.run(task=bootstrap, site=site, allow_legacy=True)
    k = site.kubernetes
    init = (
        f"sudo -n kubeadm init --pod-network-cidr={k.pod_cidr} --service-cidr={k.service_cidr} "
        f"--control-plane-endpoint={k.control_plane_endpoint} --cri-socket={k.cri_socket} "
        f"--kubernetes-version={k.version}"
    )
    reply = shell.handle(init)
    assert reply.status == 0, reply.output
    join = shell.handle("sudo -n kubeadm token create --print-join-command")
    assert join.status == 0
    worker = conns["worker01"].shell
    joined = worker.handle("sudo -n " + join.output.strip() + f" --cri-socket={k.cri_socket}")
    assert joined.status == 0, joined.output
    assert "This node has joined the cluster" in joined.output


def test_current_example_bootstraps_noble_with_containerd_and_kubeadm_joins(
    tmp_path: Path,
) -> None:
    """inventory/examples/current: Ubuntu 24.04 nodes, containerd from the archive, Kubernetes
    1.33 from pkgs.k8s.io; kubeadm's preflight finds containerd at the inventory's socket."""
    site = load_site(REPO / "inventory" / "examples" / "current")
    nr = init_nornir(site, {n.name for n in site.nodes})
    conns = attach_emulated_nodes(nr, tmp_path)
    shell = conns["master01"].shell
    assert "VERSION_CODENAME=noble" in shell.handle("cat /etc/os-release").output
    first = nr.run(task=bootstrap, site=site)
    assert not first.failed, {h: r[0].exception for h, r in first.items()}
    assert "sudo -n apt-get install -y containerd" in first["master01"][0].diff
    second = nr.run(task=bootstrap, site=site)
    assert [h for h, r in second.items() if r[0].changed] == []
    status = shell.handle("systemctl is-active containerd crio")
    assert status.output.split() == ["active", "inactive"]
    assert "SystemdCgroup = true" in shell.handle("cat /etc/containerd/config.toml").output
    k = site.kubernetes
    init = (
        f"sudo -n kubeadm init --pod-network-cidr={k.pod_cidr} --service-cidr={k.service_cidr} "
        f"--control-plane-endpoint={k.control_plane_endpoint} --cri-socket={k.cri_socket} "
        f"--kubernetes-version={k.version}"
    )
    reply = shell.handle(init)
    assert reply.status == 0, reply.output
    # the same kubeadm asking for CRI-O's socket finds no runtime there
    worker = conns["worker01"].shell
    join = shell.handle("sudo -n kubeadm token create --print-join-command").output.strip()
    wrong = worker.handle(f"sudo -n {join} --cri-socket=unix:///var/run/crio/crio.sock")
    assert wrong.status != 0 and "unix:///var/run/crio/crio.sock" in wrong.output
    joined = worker.handle(f"sudo -n {join} --cri-socket={k.cri_socket}")
    assert joined.status == 0, joined.output
