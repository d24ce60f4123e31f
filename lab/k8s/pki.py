"""The cluster's PKI as kubeadm lays it out, and kubeconfig files that use it.

pki = ensure_pki(Path("/var/tmp/bgplab/k8s/pki"), "k8s-cluster.example.com",
                 [IPv4Address("198.18.30.50"), IPv4Address("198.18.60.1")])
write_kubeconfig(path, pki, "https://k8s-cluster.example.com:6443")
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CLUSTER_NAME = "kubernetes"
ADMIN_USER = "kubernetes-admin"
VALIDITY = dt.timedelta(days=365)


@dataclass(frozen=True)
class Pki:
    """File paths of one cluster's PKI directory (kubeadm's /etc/kubernetes/pki names)."""

    root: Path

    @property
    def ca_cert(self) -> Path:
        return self.root / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.root / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.root / "apiserver.crt"

    @property
    def server_key(self) -> Path:
        return self.root / "apiserver.key"

    @property
    def admin_cert(self) -> Path:
        return self.root / "admin.crt"

    @property
    def admin_key(self) -> Path:
        return self.root / "admin.key"

    def exists(self) -> bool:
        files = (self.ca_cert, self.ca_key, self.server_cert, self.server_key)
        return all(p.is_file() for p in (*files, self.admin_cert, self.admin_key))


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    path.chmod(0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _builder(
    subject: x509.Name, issuer: x509.Name, public: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
    )


def _leaf(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_name: x509.Name,
    subject: x509.Name,
    usage: x509.ObjectIdentifier,
    sans: list[x509.GeneralName] | None = None,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = _key()
    builder = (
        _builder(subject, ca_name, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def server_sans(endpoint: str, node_name: str) -> list[str]:
    """The DNS names kubeadm puts on apiserver.crt (addresses go in as IP SANs)."""
    return [
        endpoint,
        node_name,
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    ]


def ensure_pki(
    root: Path, endpoint: str, addresses: list[IPv4Address], node_name: str = "master01"
) -> Pki:
    """Create the CA, the server certificate and the admin client certificate (once)."""
    pki = Pki(root)
    if pki.exists():
        return pki
    root.mkdir(parents=True, exist_ok=True)
    ca_key = _key()
    ca_name = _name(CLUSTER_NAME)
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    dns: list[x509.GeneralName] = [x509.DNSName(n) for n in server_sans(endpoint, node_name)]
    ips: list[x509.GeneralName] = [x509.IPAddress(a) for a in addresses]
    server_key, server = _leaf(
        ca_key, ca_name, _name("kube-apiserver"), ExtendedKeyUsageOID.SERVER_AUTH, dns + ips
    )
    admin_key, admin = _leaf(
        ca_key, ca_name, _name(ADMIN_USER, "system:masters"), ExtendedKeyUsageOID.CLIENT_AUTH
    )
    _write_key(pki.ca_key, ca_key)
    _write_cert(pki.ca_cert, ca)
    _write_key(pki.server_key, server_key)
    _write_cert(pki.server_cert, server)
    _write_key(pki.admin_key, admin_key)
    _write_cert(pki.admin_cert, admin)
    return pki


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def kubeconfig(pki: Pki, server: str, tls_server_name: str | None = None) -> dict[str, object]:
    """kubeadm's admin.conf; `tls_server_name` lets `server` name an address instead."""
    cluster: dict[str, object] = {"certificate-authority-data": _b64(pki.ca_cert), "server": server}
    if tls_server_name:
        cluster["tls-server-name"] = tls_server_name
    context = f"{ADMIN_USER}@{CLUSTER_NAME}"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CLUSTER_NAME, "cluster": cluster}],
        "contexts": [{"name": context, "context": {"cluster": CLUSTER_NAME, "user": ADMIN_USER}}],
        "current-context": context,
        "preferences": {},
        "users": [
            {
                "name": ADMIN_USER,
                "user": {
                    "client-certificate-data": _b64(pki.admin_cert),
                    "client-key-data": _b64(pki.admin_key),
                },
            }
        ],
    }


def write_kubeconfig(path: Path, pki: Pki, server: str, tls_server_name: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(kubeconfig(pki, server, tls_server_name), sort_keys=False))
    path.chmod(0o600)
    return path
