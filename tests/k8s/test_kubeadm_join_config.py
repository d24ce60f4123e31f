"""The join token travels in a JoinConfiguration file (0600, over SFTP, removed after use),
never on a command line; the emulated kubeadm reads `--config` as the real one does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import tasks.bootstrap as bootstrap_task
from bgplb.k8s.kubeadm import ADMIN_CONF, KUBELET_CONF
from bgplb.model import Site, load_site
from bgplb.nornir_init import init_nornir
from lab.ubuntu.shell import UbuntuShell
from tasks.kubeadm import kubeadm_init, kubeadm_join, kubeadm_join_command

from .conftest import LAB_INVENTORY
from .fake_shell import PLUGIN, TOKEN, FakeNode, attach
from .test_kubeadm_emulated_nodes import fake_node

C = {"connection": PLUGIN}


def _nodes(nr: Any, **files: set[str]) -> dict[str, FakeNode]:
    nodes = {name: FakeNode(files=set(files.get(name, set()))) for name in nr.inventory.hosts}
    for name, node in nodes.items():
        attach(nr.inventory.hosts[name], node)
    return nodes


def _join(nornir_nodes: Any, lab_site: Site, fail: bool) -> tuple[FakeNode, Any]:
    nodes = _nodes(nornir_nodes, master01={ADMIN_CONF, KUBELET_CONF})
    if fail:
        nodes["worker01"].fail["kubeadm join"] = 1
    cp = nornir_nodes.filter(name="master01")
    join = cp.run(task=kubeadm_join_command, **C)["master01"][0].result
    worker = nornir_nodes.filter(name="worker01")
    result = worker.run(task=kubeadm_join, site=lab_site, join=join, **C)["worker01"][0]
    assert not any(TOKEN in c for node in nodes.values() for c in node.commands)
    return nodes["worker01"], result


def test_the_token_is_in_a_private_file_never_on_a_command_line(
    nornir_nodes: Any, lab_site: Site
) -> None:
    node, result = _join(nornir_nodes, lab_site, fail=False)
    assert (result.changed, result.failed) == (True, False)
    (config,) = node.join_configs
    assert config.mode == 0o600
    assert yaml.safe_load(config.data)["discovery"]["bootstrapToken"]["token"] == TOKEN
    assert node.uploads == {}
    (removed,) = node.removed
    assert [c for c in node.commands if "kubeadm join" in c] == [
        f"sudo -n kubeadm join --config {removed}"
    ]


def test_the_file_is_removed_when_join_fails_and_the_token_masked(
    nornir_nodes: Any, lab_site: Site
) -> None:
    node, result = _join(nornir_nodes, lab_site, fail=True)
    assert result.failed
    assert node.uploads == {} and len(node.removed) == 1
    assert "kubeadm join exited 1" in result.result
    assert TOKEN not in result.result


def test_emulated_nodes_join_with_the_config_file(tmp_path: Path) -> None:
    """The whole path on the emulated Ubuntu nodes: bootstrap, init, token, join."""
    site: Site = load_site(LAB_INVENTORY)
    nr: Any = init_nornir(site, {n.name for n in site.nodes})
    conns = fake_node.attach_emulated_nodes(nr, tmp_path / "nodes")
    assert not nr.run(task=bootstrap_task.bootstrap, site=site, allow_legacy=True).failed
    cp = nr.filter(name="master01")
    assert not cp.run(task=kubeadm_init, site=site).failed
    join = cp.run(task=kubeadm_join_command)["master01"][0].result
    workers = nr.filter(filter_func=lambda h: h.name != "master01")
    joined = workers.run(task=kubeadm_join, site=site, join=join)
    assert not joined.failed, {h: r[0].result for h, r in joined.items()}
    for name, conn in conns.items():
        assert not any(join.token in line for line in conn.sent), name
        leftovers = [p for p in conn.shell.store.load().files if "/.bgplb-" in p]
        assert leftovers == [], name
    assert any("kubeadm join --config /home/ubuntu/.bgplb-" in s for s in conns["worker01"].sent)


# -- the emulated kubeadm ---------------------------------------------------------------------


def _worker(tmp_path: Path) -> UbuntuShell:
    site = load_site(LAB_INVENTORY)
    nr: Any = init_nornir(site, {"worker01"})
    conns = fake_node.attach_emulated_nodes(nr, tmp_path / "nodes")
    assert not nr.run(task=bootstrap_task.bootstrap, site=site, allow_legacy=True).failed
    shell: UbuntuShell = conns["worker01"].shell
    return shell


def _config(api: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": api,
            "kind": "JoinConfiguration",
            "discovery": {
                "bootstrapToken": {
                    "apiServerEndpoint": "k8s-cluster.example.com:6443",
                    "token": TOKEN,
                    "caCertHashes": ["sha256:" + "ab" * 32],
                }
            },
        }
    )


def _put(shell: UbuntuShell, path: str, text: str) -> None:
    with shell.store.transaction() as state:
        state.write(path, text, mode=0o600)


def test_config_mixed_with_flags_is_refused_as_kubeadm_does(tmp_path: Path) -> None:
    shell = _worker(tmp_path)
    _put(shell, "/home/ubuntu/j.yaml", _config("kubeadm.k8s.io/v1beta2"))
    reply = shell.handle(
        "sudo kubeadm join --config /home/ubuntu/j.yaml --token x "
        "--discovery-token-ca-cert-hash sha256:00"
    )
    assert reply.status == 1
    assert reply.output.startswith(
        "can not mix '--config' with arguments [discovery-token-ca-cert-hash token]\n"
    )
    assert KUBELET_CONF not in shell.store.load().files


def test_a_missing_config_file_is_kubeadms_error(tmp_path: Path) -> None:
    shell = _worker(tmp_path)
    reply = shell.handle("sudo kubeadm join --config /home/ubuntu/none.yaml")
    assert reply.status == 1
    assert reply.output.startswith(
        'unable to read config from "/home/ubuntu/none.yaml" : open /home/ubuntu/none.yaml: '
        "no such file or directory\n"
    )


def test_an_api_version_this_kubeadm_does_not_know_is_refused(tmp_path: Path) -> None:
    shell = _worker(tmp_path)  # kubeadm 1.21: v1beta3 came with 1.22
    _put(shell, "/home/ubuntu/j.yaml", _config("kubeadm.k8s.io/v1beta3"))
    reply = shell.handle("sudo kubeadm join --config /home/ubuntu/j.yaml")
    assert reply.status == 1
    assert 'no kind "JoinConfiguration" is registered for version "kubeadm.k8s.io/v1beta3"' in (
        reply.output
    )


def test_the_config_files_token_is_the_one_the_join_uses(tmp_path: Path) -> None:
    """A wrong token in the file fails the join as a wrong --token does; the right one joins."""
    site = load_site(LAB_INVENTORY)
    nr: Any = init_nornir(site, {"master01", "worker01"})
    conns = fake_node.attach_emulated_nodes(nr, tmp_path / "nodes")
    assert not nr.run(task=bootstrap_task.bootstrap, site=site, allow_legacy=True).failed
    cp = nr.filter(name="master01")
    assert not cp.run(task=kubeadm_init, site=site).failed
    join = cp.run(task=kubeadm_join_command)["master01"][0].result
    worker: UbuntuShell = conns["worker01"].shell
    wrong = _config("kubeadm.k8s.io/v1beta2").replace(TOKEN, "zzzzzz.zzzzzzzzzzzzzzzz")
    _put(worker, "/home/ubuntu/j.yaml", wrong.replace("ab" * 32, join.ca_cert_hashes[0][7:]))
    refused = worker.handle("sudo kubeadm join --config /home/ubuntu/j.yaml")
    assert refused.status == 1
    assert 'JWS signature in the cluster-info ConfigMap for token ID "zzzzzz"' in refused.output
    assert KUBELET_CONF not in worker.store.load().files
    _put(
        worker,
        "/home/ubuntu/j.yaml",
        wrong.replace("zzzzzz.zzzzzzzzzzzzzzzz", join.token).replace(
            "ab" * 32, join.ca_cert_hashes[0][7:]
        ),
    )
    accepted = worker.handle("sudo kubeadm join --config /home/ubuntu/j.yaml")
    assert accepted.status == 0, accepted.output
    assert KUBELET_CONF in worker.store.load().files
