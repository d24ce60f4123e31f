"""The twin's kubeadm endpoint (lab/kubeadm_standin.py): what a real-userland node's stand-in
kubeadm is answered, from the facts its script sends, against an in-process cluster."""

from __future__ import annotations

import io
import tarfile
import urllib.parse
from pathlib import Path

from lab.k8s.kubeadm_cluster import LocalCluster
from lab.kubeadm_standin import (
    ADMIN,
    KUBELET,
    KUBELET_ACTIVE,
    Caller,
    Facts,
    Reply,
    kubeadm,
)

CP = Caller("master01", "198.18.30.50")
WORKER = Caller("worker01", "198.18.30.60")
HOSTS = "127.0.0.1 localhost\n198.18.30.50 k8s-cluster.example.com\n"
INIT = [
    "init",
    "--pod-network-cidr=198.18.50.0/24",
    "--control-plane-endpoint=k8s-cluster.example.com",
    "--cri-socket=/var/run/crio/crio.sock",
    "--kubernetes-version=v1.21.1",
]


def _facts(**changes: str) -> Facts:
    """Facts as the script sends them (curl --data-urlencode), parsed as the endpoint does."""
    fields = {
        "version": "1.21.1-00",
        "uid": "0",
        "units": "crio.active crio.enabled kubelet.enabled",
        "present": "",
        "swaps": "",
        "sysctl.net/bridge/bridge-nf-call-iptables": "1",
        "sysctl.net/ipv4/ip_forward": "1",
        "hosts": HOSTS,
    } | changes
    body = urllib.parse.urlencode(fields)
    return Facts.of(urllib.parse.parse_qs(body, keep_blank_values=True))


def _untar(reply: Reply) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(reply.tar())) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def test_init_writes_admin_conf_and_starts_the_kubelet(tmp_path: Path) -> None:
    reply = kubeadm(LocalCluster(tmp_path / "c.json"), CP, _facts(), INIT)
    assert reply.rc == 0, reply.stderr
    assert "Your Kubernetes control-plane has initialized successfully!" in reply.stdout
    assert reply.files[ADMIN][1] == 0o600 and KUBELET in reply.files
    assert KUBELET_ACTIVE in reply.files  # the systemctl stand-in's record
    unpacked = _untar(reply)
    assert unpacked["rc"] == b"0\n"
    assert unpacked["root" + ADMIN] == reply.files[ADMIN][0].encode()
    assert unpacked["stdout"].decode() == reply.stdout


def test_preflight_reads_the_nodes_facts() -> None:
    cluster = LocalCluster(Path("/nonexistent/never-written.json"))
    reply = kubeadm(cluster, CP, _facts(units="", swaps="/swap.img"), INIT)
    assert reply.rc == 1 and not reply.files
    assert "[ERROR CRI]: container runtime is not running" in reply.stderr
    assert "[ERROR Swap]" in reply.stderr
    reply = kubeadm(cluster, CP, _facts(**{"sysctl.net/ipv4/ip_forward": "0"}), INIT)
    assert "ip_forward contents are not set to 1" in reply.stderr
    reply = kubeadm(
        cluster, CP, _facts(**{"sysctl.net/bridge/bridge-nf-call-iptables": "missing"}), INIT
    )
    assert "bridge-nf-call-iptables does not exist" in reply.stderr
    reply = kubeadm(cluster, CP, _facts(uid="1000"), INIT)
    assert "[ERROR IsPrivilegedUser]" in reply.stderr
    containerd = [
        a if "cri-socket" not in a else "--cri-socket=unix:///run/containerd/containerd.sock"
        for a in INIT
    ]
    reply = kubeadm(cluster, CP, _facts(), containerd)  # crio runs, containerd does not
    assert "unix:///run/containerd/containerd.sock" in reply.stderr


def test_join_with_the_token_from_token_create(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path / "c.json")
    assert kubeadm(cluster, CP, _facts(), INIT).rc == 0
    printed = kubeadm(
        cluster, CP, _facts(present=ADMIN), ["token", "create", "--print-join-command"]
    )
    assert printed.rc == 0, printed.stderr
    words = printed.stdout.split()
    token, ca_hash = words[words.index("--token") + 1], words[-1]
    config = (
        "apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\ndiscovery:\n"
        "  bootstrapToken:\n    apiServerEndpoint: k8s-cluster.example.com:6443\n"
        f"    token: {token}\n    caCertHashes: [{ca_hash}]\n"
        "nodeRegistration:\n  criSocket: /var/run/crio/crio.sock\n"
    )
    path = "/home/ubuntu/.bgplb-1.yaml"
    joined = kubeadm(cluster, WORKER, _facts(config=config), ["join", "--config", path])
    assert joined.rc == 0, joined.stderr
    assert "This node has joined the cluster" in joined.stdout
    assert KUBELET in joined.files and ADMIN not in joined.files
    again = kubeadm(
        cluster, WORKER, _facts(config=config, present=KUBELET), ["join", "--config", path]
    )
    assert "kubelet.conf already exists" in again.stderr and again.rc == 1
    wrong = config.replace(token, "abcdef.0123456789abcdef")
    refused = kubeadm(cluster, WORKER, _facts(config=wrong), ["join", "--config", path])
    assert refused.rc == 1 and "could not find a JWS signature" in refused.stderr
    mixed = kubeadm(
        cluster, WORKER, _facts(config=config), ["join", "--config", path, "--token", "x"]
    )
    assert "can not mix '--config' with arguments [token]" in mixed.stderr
    unreadable = kubeadm(cluster, WORKER, _facts(), ["join", "--config", path])
    assert f"open {path}: no such file or directory" in unreadable.stderr


def test_join_needs_the_endpoint_to_resolve_on_the_node(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path / "c.json")
    kubeadm(cluster, CP, _facts(), INIT)
    args = [
        "join",
        "k8s-cluster.example.com:6443",
        "--token",
        "a.b",
        "--discovery-token-ca-cert-hash",
        "x",
    ]
    reply = kubeadm(cluster, WORKER, _facts(hosts="127.0.0.1 localhost\n"), args)
    assert "lookup k8s-cluster.example.com" in reply.stderr and reply.rc == 1


def test_token_create_needs_admin_conf_and_root(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path / "c.json")
    reply = kubeadm(cluster, CP, _facts(), ["token", "create"])
    assert "no such file or directory" in reply.stderr and reply.rc == 1
    reply = kubeadm(cluster, CP, _facts(present=ADMIN, uid="1000"), ["token", "create"])
    assert "permission denied" in reply.stderr


def test_reset_asks_unless_forced_and_removes_kubeadms_files(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path / "c.json")
    kubeadm(cluster, CP, _facts(), INIT)
    declined = kubeadm(cluster, CP, _facts(answer="n"), ["reset"])
    assert (declined.rc, declined.remove) == (1, [])
    done = kubeadm(cluster, CP, _facts(answer="y"), ["reset"])
    assert done.rc == 0 and ADMIN in done.remove and KUBELET_ACTIVE in done.remove
    assert not cluster.is_initialised()
    assert kubeadm(cluster, CP, _facts(), ["reset", "-f"]).rc == 0


def test_version_is_the_packages_and_bad_flags_are_refused(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path / "c.json")
    short = kubeadm(cluster, CP, _facts(version="1.33.1-1.1"), ["version", "-o", "short"])
    assert short.stdout == "v1.33.1\n"
    bad = kubeadm(cluster, CP, _facts(), ["init", "--nosuch"])
    assert (bad.rc, bad.stderr.splitlines()[0]) == (1, "unknown flag: --nosuch")
    other = kubeadm(cluster, CP, _facts(version="1.33.1-1.1"), INIT)  # v1.21.1 asked
    assert "only supports deploying clusters with the control plane version >= 1.33.0" in (
        other.stderr
    )
