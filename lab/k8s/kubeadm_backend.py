"""The cluster side of `kubeadm init / join / reset` for the twin.

The emulated `kubeadm` command (on a node's login) calls these; they write the PKI, admin.conf,
cluster.json and kubelet records in the state directory and start/stop the API server process.

    token = init_cluster(site, state_dir)            # master01: PKI, admin.conf, server, node
    join_node(state_dir, "worker01", token)          # a worker's kubelet registers its Node
    reset_node(state_dir, "worker01")                # kubelet stopped: Node goes NotReady
    create_token(state_dir)                          # `kubeadm token create`: one more token
    ca_cert_hash(state_dir)                          # --discovery-token-ca-cert-hash's value
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import secrets
import string
from ipaddress import IPv4Address
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from bgplb.errors import LabError
from bgplb.model import Site, load_site
from lab.k8s.cluster_info import CLUSTER_FILE, ClusterInfo
from lab.k8s.controllers.addons import ADDONS_MARKER
from lab.k8s.kubelets import Kubelet, kubelet_dir, read_kubelets, write_kubelet
from lab.k8s.pki import Pki, ensure_pki, write_kubeconfig
from lab.k8s.server_process import pki_dir, server_running, start_server, stop_server

ADMIN_CONF = "admin.conf"
DIRECT_CONF = "admin-direct.conf"
PORT = 6443
TOKENS_FILE = "tokens"
STATE_FILES = (
    TOKENS_FILE,
    "objects.json",
    CLUSTER_FILE,
    ADMIN_CONF,
    DIRECT_CONF,
    ADDONS_MARKER,
    "metallb-speakers.json",
    "announcements.json",
)


def new_token() -> str:
    """A bootstrap token in kubeadm's format: [a-z0-9]{6}.[a-z0-9]{16}."""
    chars = string.ascii_lowercase + string.digits
    return (
        "".join(secrets.choice(chars) for _ in range(6))
        + "."
        + "".join(secrets.choice(chars) for _ in range(16))
    )


def admin_conf(state_dir: Path) -> Path:
    """kubeadm's admin.conf: `server: https://<control-plane endpoint>:6443`."""
    return state_dir / ADMIN_CONF


def direct_conf(state_dir: Path) -> Path:
    """Same credentials, `server` at the listening address, `tls-server-name` the endpoint."""
    return state_dir / DIRECT_CONF


def _kubelet(site: Site, node_name: str) -> Kubelet:
    try:
        node = site.node(node_name)
    except StopIteration:
        raise LabError(f"{node_name} is not a node of site {site.name}") from None
    return Kubelet(
        name=node.name,
        address=str(node.address),
        control_plane=node.role == "control_plane",
        labels=dict(node.labels),
    )


def init_cluster(
    site: Site,
    state_dir: Path,
    listen: str | None = None,
    netns: str | None = "auto",
    announcer: str = "lab",
    *,
    version: str | None = None,
    pod_cidr: str | None = None,
    service_cidr: str | None = None,
    endpoint: str | None = None,
) -> str:
    """`kubeadm init` on the control-plane node; returns the join token.

    listen: where the server binds (default: the control-plane address, port 6443);
    netns: the namespace to run it in ("auto": bgplab-<control plane>; None: this one);
    version, pod_cidr, service_cidr, endpoint: kubeadm init's flags (default: the site's).
    """
    if is_initialised(state_dir):
        raise LabError(f"{state_dir}: the cluster is already initialised (kubeadm reset first)")
    state_dir = state_dir.resolve()
    cp = site.control_plane
    listen = listen or f"{cp.address}:{PORT}"
    if netns == "auto":
        netns = f"bgplab-{cp.name}"
    token = new_token()
    info = ClusterInfo.of(
        site,
        listen,
        netns,
        token,
        version=version,
        pod_cidr=pod_cidr,
        service_cidr=service_cidr,
        endpoint=endpoint,
    )
    info.save(state_dir)
    addresses = sorted(
        {cp.address, info.kubernetes_service_ip, IPv4Address(listen.rsplit(":", 1)[0])}
    )
    pki = ensure_pki(pki_dir(state_dir), info.endpoint, addresses, cp.name)
    write_kubeconfig(admin_conf(state_dir), pki, info.server_url)
    write_kubeconfig(direct_conf(state_dir), pki, info.direct_url, tls_server_name=info.endpoint)
    (state_dir / ADDONS_MARKER).write_text("")
    write_kubelet(state_dir, _kubelet(site, cp.name))
    start_server(state_dir, listen, netns=netns, announcer=announcer)
    return token


def join_node(state_dir: Path, node_name: str, token: str) -> Kubelet:
    """`kubeadm join`: check the token, start the node's kubelet (it registers the Node)."""
    info = ClusterInfo.load(state_dir)
    if info is None or not server_running(state_dir):
        raise LabError(
            "error execution phase preflight: couldn't validate the identity of the API Server: "
            "connection refused"
        )
    if token not in valid_tokens(state_dir):
        raise LabError(
            "error execution phase preflight: couldn't validate the identity of the API Server: "
            "could not find a JWS signature in the cluster-info ConfigMap for token ID "
            + repr(token.split(".", maxsplit=1)[0])
        )
    kubelet = _kubelet(load_site(info.inventory), node_name)
    existing = read_kubelets(state_dir).get(node_name)
    if existing is not None and existing.running:
        raise LabError(
            "error execution phase preflight: [preflight] Some fatal errors occurred: "
            f"/etc/kubernetes/kubelet.conf already exists ({node_name} has joined)"
        )
    write_kubelet(state_dir, kubelet)
    return kubelet


def reset_node(state_dir: Path, node_name: str) -> None:
    """`kubeadm reset`: stop the node's kubelet; on the control plane also stop the server and
    remove the cluster's state (etcd data, PKI, admin.conf)."""
    info = ClusterInfo.load(state_dir)
    kubelets = read_kubelets(state_dir)
    if info is not None and node_name == info.control_plane:
        stop_server(state_dir)
        for name in STATE_FILES:
            (state_dir / name).unlink(missing_ok=True)
        for path in pki_dir(state_dir).glob("*"):
            path.unlink()
        for path in kubelet_dir(state_dir).glob("*.json"):
            path.unlink()
        return
    k = kubelets.get(node_name)
    if k is not None:
        write_kubelet(state_dir, Kubelet(**{**k.__dict__, "running": False}))


def is_initialised(state_dir: Path) -> bool:
    return ClusterInfo.load(state_dir) is not None and admin_conf(state_dir).is_file()


def _tokens_path(state_dir: Path) -> Path:
    return state_dir / TOKENS_FILE


def valid_tokens(state_dir: Path) -> list[str]:
    """init's token, then every `kubeadm token create`'s (none expires in the twin)."""
    info = ClusterInfo.load(state_dir)
    if info is None:
        return []
    path = _tokens_path(state_dir)
    extra = path.read_text().split() if path.is_file() else []
    return [info.token, *extra]


def create_token(state_dir: Path) -> str:
    """`kubeadm token create`: a new bootstrap token, valid for joins from now on."""
    if not is_initialised(state_dir):
        raise LabError(f"{state_dir}: no cluster (kubeadm init first)")
    token = new_token()
    with open(state_dir / (TOKENS_FILE + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with _tokens_path(state_dir).open("a") as fh:
            fh.write(token + "\n")
    return token


def ca_cert_hash(state_dir: Path) -> str:
    """`sha256:<hex>` of the cluster CA's SubjectPublicKeyInfo, as kubeadm prints it."""
    cert = x509.load_pem_x509_certificate(Pki(pki_dir(state_dir)).ca_cert.read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(spki).hexdigest()


def ca_cert_text(state_dir: Path) -> str:
    return Pki(pki_dir(state_dir)).ca_cert.read_text()


def kubelet_conf_text(state_dir: Path) -> str:
    """A node's /etc/kubernetes/kubelet.conf after its TLS bootstrap: the cluster CA and server,
    the client certificate in kubelet's rotated file (no key material in the file itself)."""
    info = ClusterInfo.load(state_dir)
    if info is None:
        raise LabError(f"{state_dir}: no cluster (kubeadm init first)")
    ca = base64.b64encode(Pki(pki_dir(state_dir)).ca_cert.read_bytes()).decode()
    current = "/var/lib/kubelet/pki/kubelet-client-current.pem"
    doc = {
        "apiVersion": "v1",
        "clusters": [
            {
                "cluster": {"certificate-authority-data": ca, "server": info.server_url},
                "name": "default-cluster",
            }
        ],
        "contexts": [
            {
                "context": {
                    "cluster": "default-cluster",
                    "namespace": "default",
                    "user": "default-auth",
                },
                "name": "default-context",
            }
        ],
        "current-context": "default-context",
        "kind": "Config",
        "preferences": {},
        "users": [
            {
                "name": "default-auth",
                "user": {"client-certificate": current, "client-key": current},
            }
        ],
    }
    return yaml.safe_dump(doc, sort_keys=False)
