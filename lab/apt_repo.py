"""Signed apt repositories of stand-in packages for the twin's real-userland nodes, laid out at
the URLs upstream uses (what each repository holds: lab/upstream_archive.py), served over HTTPS
by a twin-local server whose certificate a twin CA signs.

The twin cannot download kubelet, kubeadm, kubectl, CRI-O and their dependencies: each is a
stand-in `.deb` built here with dpkg-deb, with the real name and version and no real payload
(a script that says it is a stand-in, and the unit file systemctl's stand-in needs). The
repositories are signed with a key made for the twin; a node reaches them through the same
source lines and key URLs the bootstrap writes for a real site, because the node's /etc/hosts
points the upstream host names at the server and it trusts the twin CA (lab/node_userland.py).
Nothing outside the node's namespace is redirected.

The stand-in kubeadm drives the twin's emulated API server: it sends the node's facts and its
arguments to the twin's kubeadm endpoint (lab/kubeadm_standin.py, over HTTPS on the twin's
network, from inside the node) and writes the files the endpoint answers (admin.conf,
kubelet.conf, the PKI's CA) as kubeadm writes them. kubelet is registered with the API server
by `kubeadm init/join` (as kubeadm starts it); the stand-in binary itself does nothing.

The packages declare the dependencies the real ones do (DEPENDS). Those from Debian (iptables,
conntrack, socat, ebtables, ethtool...) are in the rootfs already (lab/rootfs.py), since a node
cannot reach Debian's archive; those from the same repositories (kubernetes-cni, cri-tools,
conmon, cri-o-runc, runc) are stand-ins served beside them.

The node's distribution archive (containerd and runc, which the plan takes from Ubuntu's
archive) is a twin-signed stand-in repository at Debian's archive URL, the node's only
`sources.list` line (DISTRO_BASE).
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import http.server
import ipaddress
import shutil
import ssl
import subprocess
import tempfile
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bgplb.errors import LabError
from lab.upstream_archive import KNOWN_HOSTS, repo_at

__all__ = ["repo_at"]

ARCH = "amd64"
LEGACY_SUITE = "kubernetes-xenial"
LEGACY_BASE = "https://apt.kubernetes.io/"
LEGACY_KEY_URL = "https://dl.k8s.io/apt/doc/apt-key.gpg"
# the node's distribution archive, as the twin serves it (the only line of its sources.list)
DISTRO_BASE = "https://deb.debian.org/debian/"
DISTRO_SUITE = "bookworm"
# packages the plan takes from the distribution's archive (Ubuntu's versions, 24.04)
DISTRO_PACKAGES = {"containerd": ["1.7.27-0ubuntu1~24.04.1"], "runc": ["1.2.5-0ubuntu1~24.04.1"]}
SERVICE_HOST = "twin.bgplab.invalid"  # the twin's kubeadm endpoint (lab/kubeadm_standin.py)
SERVED_HOSTS = (*KNOWN_HOSTS, "deb.debian.org", SERVICE_HOST)
UNITS = {"kubelet": "kubelet", "cri-o": "crio", "containerd": "containerd"}  # package -> unit
COMMANDS = {
    "kubelet": "kubelet",
    "kubeadm": "kubeadm",
    "kubectl": "kubectl",
    "cri-o": "crio",
    "containerd": "containerd",
    "runc": "runc",
    "cri-tools": "crictl",
    "conmon": "conmon",
}
# Depends of the real packages (their control files: apt.kubernetes.io / pkgs.k8s.io kubelet
# and kubeadm, kubic's cri-o, Ubuntu's containerd); CRI-O from isv:/cri-o (1.28+) bundles its
# runtime and conmon and declares none of these.
DEPENDS = {
    "kubelet": "iptables (>= 1.4.21), kubernetes-cni (>= 0.8.7), iproute2, socat, util-linux,"
    " mount, ebtables, ethtool, conntrack",
    "kubeadm": "kubelet (>= 1.19.0), kubectl (>= 1.13.0), kubernetes-cni (>= 0.8.7),"
    " cri-tools (>= 1.19.0)",
    "containerd": "runc (>= 1.1.0)",
}
KUBIC_CRIO_DEPENDS = "conmon, cri-o-runc | runc (>= 1.0.0)"


def depends(name: str, version: str) -> str | None:
    """The Depends field of the stand-in of `name` at `version`."""
    if name == "cri-o":
        return KUBIC_CRIO_DEPENDS if "~" in version else None  # kubic's versions carry a ~
    return DEPENDS.get(name)


@dataclass(frozen=True)
class SourceSpec:
    """One repository to publish: its base URL (as in a `deb` line), its suite (None: flat,
    `deb URL /`), and the packages and versions to build for it."""

    base: str
    suite: str | None
    packages: dict[str, list[str]]


def sources_for(bases: list[str], wanted: dict[str, list[str]] | None = None) -> list[SourceSpec]:
    """The repositories at `bases`, as lab/upstream_archive.py says they hold; `wanted` limits
    the versions built per package (the repositories hold hundreds; a twin needs a few)."""
    out = []
    for base in bases:
        repo = repo_at(base)
        if repo is None:
            raise LabError(f"apt repo: upstream publishes nothing at {base}")
        pkgs = {
            name: [v for v in versions if wanted is None or v in wanted.get(name, versions)]
            for name, versions in repo.packages.items()
        }
        suite = LEGACY_SUITE if base.rstrip("/") + "/" == LEGACY_BASE else None
        out.append(SourceSpec(base, suite, {n: v for n, v in pkgs.items() if v}))
    return out


def site_bases(minor: str, ubuntu_versions: list[str]) -> list[str]:
    """Every upstream repository a node of Kubernetes `minor` on these Ubuntu versions may be
    told to use (the legacy and current Kubernetes ones, CRI-O's isv and kubic ones) that
    upstream publishes (lab/upstream_archive.py says which)."""
    bases = [LEGACY_BASE, f"https://pkgs.k8s.io/core:/stable:/v{minor}/deb/"]
    bases.append(f"https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v{minor}/deb/")
    kubic = "https://download.opensuse.org/repositories/devel:/kubic:/libcontainers:/stable"
    for version in sorted(set(ubuntu_versions)):
        bases.append(f"{kubic}/xUbuntu_{version}/")
        bases.append(f"{kubic}:/cri-o:/{minor}/xUbuntu_{version}/")
    return [b for b in bases if repo_at(b) is not None]


def distro_source() -> SourceSpec:
    return SourceSpec(DISTRO_BASE, DISTRO_SUITE, DISTRO_PACKAGES)


KUBEADM_SCRIPT = r"""#!/bin/bash
# bgplab stand-in for kubeadm @VERSION@ (lab/apt_repo.py, lab/kubeadm_standin.py in bgplb).
# What kubeadm does to the cluster, the twin's kubeadm endpoint does: this script sends it the
# node's facts and its arguments over the twin's network, writes the files it answers and
# prints what it says, with its exit status.
set -u
S=/var/lib/bgplab-standin
K=/etc/kubernetes
V=@VERSION@
if [ "${1:-}" = version ]; then  # needs no cluster: answered here
  case " $* " in
    *" -o short "*|*" --output short "*|*" -o=short "*|*" --output=short "*) echo "v${V%%-*}";;
    *) echo "kubeadm version: &version.Info{Major:\"1\", GitVersion:\"v${V%%-*}\"}";;
  esac
  exit 0
fi
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
f=(--data-urlencode "version=$V" --data-urlencode "uid=$(id -u)")
config=
prev=
force=
for a in "$@"; do
  f+=(--data-urlencode "arg=$a")
  case $a in --config=*) config=${a#--config=};; -f|--force|--force=true) force=1;; esac
  [ "$prev" = --config ] && config=$a
  prev=$a
done
if [ -n "$config" ] && [ -r "$config" ] && [ -f "$config" ]; then
  f+=(--data-urlencode "config@$config")
fi
if [ "${1:-}" = reset ] && [ -z "$force" ]; then
  printf '%s\n%s' "[reset] WARNING: Changes made to this host by 'kubeadm init' or" \
    "'kubeadm join' will be reverted." | tr '\n' ' ' | sed 's/ $//'
  printf '\n%s' "[reset] Are you sure you want to proceed? [y/N]: "
  answer=; read -r answer || true
  f+=(--data-urlencode "answer=$answer")
fi
units=$(ls "$S/units" 2>/dev/null | tr '\n' ' ')
present=
for p in $K/kubelet.conf $K/admin.conf $K/manifests/kube-apiserver.yaml \
    $K/manifests/kube-controller-manager.yaml $K/manifests/kube-scheduler.yaml; do
  [ -e "$p" ] && present="$present $p"
done
f+=(--data-urlencode "units=$units" --data-urlencode "present=$present")
f+=(--data-urlencode "swaps=$(/sbin/swapon --show=NAME --noheadings 2>/dev/null)")
for k in net/bridge/bridge-nf-call-iptables net/ipv4/ip_forward; do
  f+=(--data-urlencode "sysctl.$k=$(cat /proc/sys/$k 2>/dev/null || echo missing)")
done
f+=(--data-urlencode "hosts@/etc/hosts")
if ! curl -sS --fail --max-time 600 -o "$T/reply.tar" "${f[@]}" https://@SERVICE@/kubeadm \
    2> "$T/err"
then
  echo "kubeadm (bgplab stand-in): no answer from the twin's kubeadm endpoint: $(cat "$T/err")" >&2
  exit 1
fi
mkdir "$T/r" && tar -xf "$T/reply.tar" -C "$T/r" || exit 1
if [ -d "$T/r/root" ]; then cp -a "$T/r/root/." / || exit 1; fi
if [ -s "$T/r/remove" ]; then
  while IFS= read -r p; do rm -rf -- "$p"; done < "$T/r/remove"
fi
cat "$T/r/stdout"
cat "$T/r/stderr" >&2
exit "$(cat "$T/r/rc")"
"""


def kubeadm_script(version: str) -> str:
    return KUBEADM_SCRIPT.replace("@VERSION@", version).replace("@SERVICE@", SERVICE_HOST)


def _standin_script(command: str, name: str, version: str) -> str:
    if command == "kubeadm":
        return kubeadm_script(version)
    return (
        "#!/bin/sh\n"
        f"# bgplab stand-in for {name} {version} (lab/apt_repo.py in bgplb)\n"
        'case "$1" in version|--version) '
        f'echo "{command} stand-in {version}"; exit 0;; esac\n'
        f'echo "{command}: bgplab stand-in, does nothing" >&2\nexit 1\n'
    )


def build_deb(name: str, version: str, out_dir: Path) -> Path:
    """A stand-in `.deb` of `name` at `version`, built with dpkg-deb."""
    upstream = version.split(":", 1)[-1]
    deb = out_dir / f"{name}_{upstream}_{ARCH}.deb"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "DEBIAN").mkdir()
        deps = depends(name, version)
        (root / "DEBIAN/control").write_text(
            f"Package: {name}\nVersion: {version}\nArchitecture: {ARCH}\n"
            + (f"Depends: {deps}\n" if deps else "")
            + "Maintainer: bgplab twin <twin@bgplab.invalid>\nSection: admin\nPriority: optional\n"
            f"Description: bgplab stand-in for {name}\n"
            " Built by the twin (lab/apt_repo.py): the real name and version, no payload.\n"
        )
        if name in COMMANDS:
            exe = root / "usr/bin" / COMMANDS[name]
            exe.parent.mkdir(parents=True)
            exe.write_text(_standin_script(COMMANDS[name], name, version))
            exe.chmod(0o755)
        if name in UNITS:
            unit = root / "lib/systemd/system" / f"{UNITS[name]}.service"
            unit.parent.mkdir(parents=True)
            unit.write_text(
                f"[Unit]\nDescription=bgplab stand-in {name}\n\n[Service]\n"
                f"ExecStart=/usr/bin/{COMMANDS[name]}\n\n[Install]\nWantedBy=multi-user.target\n"
            )
        doc = root / "usr/share/doc" / name / "README.bgplab"
        doc.parent.mkdir(parents=True)
        doc.write_text(f"bgplab stand-in for {name} {version}\n")
        _run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)])
    return deb


def _run(argv: list[str], stdin: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
    proc = subprocess.run(argv, input=stdin, capture_output=True, check=False, env=env)
    if proc.returncode != 0:
        raise LabError(f"apt repo: {argv[0]} failed: {proc.stderr.decode().strip()[-400:]}")
    return proc.stdout


def packages_stanza(deb: Path, filename: str) -> str:
    """The deb's Packages entry: its control fields, then where it is and its hashes."""
    control = _run(["dpkg-deb", "-f", str(deb)]).decode().rstrip("\n")
    data = deb.read_bytes()
    return (
        f"{control}\nFilename: {filename}\nSize: {len(data)}\n"
        f"MD5sum: {hashlib.md5(data).hexdigest()}\n"
        f"SHA256: {hashlib.sha256(data).hexdigest()}\n"
    )


def release_text(indexes: dict[str, bytes], suite: str | None) -> str:
    date = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    head = ["Origin: bgplab twin", "Label: bgplab twin"]
    if suite is not None:
        head += [f"Suite: {suite}", f"Codename: {suite}", "Components: main"]
    head += [f"Architectures: {ARCH}", f"Date: {email.utils.format_datetime(date, usegmt=True)}"]
    for algo, fn in (("MD5Sum", hashlib.md5), ("SHA256", hashlib.sha256)):
        head.append(f"{algo}:")
        head += [f" {fn(b).hexdigest()} {len(b)} {p}" for p, b in sorted(indexes.items())]
    return "\n".join(head) + "\n"


@dataclass(frozen=True)
class SigningKey:
    home: Path  # GNUPGHOME

    def gpg(self, *args: str, stdin: bytes | None = None) -> bytes:
        return _run(["gpg", "--homedir", str(self.home), "--batch", *args], stdin)

    @classmethod
    def ensure(cls, home: Path) -> SigningKey:
        key = cls(home)
        if not (home / "pubring.kbx").exists() or not key.gpg("--list-secret-keys").strip():
            home.mkdir(parents=True, exist_ok=True, mode=0o700)
            key.gpg(
                "--passphrase", "", "--quick-gen-key", "bgplab twin repository", "ed25519",
                "sign", "never",
            )  # fmt: skip
        return key

    def public(self, armor: bool) -> bytes:
        return self.gpg("--export", *(["--armor"] if armor else []))


def publish(spec: SourceSpec, key: SigningKey, served: Path, debs: Path) -> None:
    """Write the repository at `spec.base` into `served/<host>/<path>`: packages, indexes,
    Release signed both ways (InRelease, Release.gpg), and its key where upstream has it."""
    url = urllib.parse.urlsplit(spec.base)
    base = served / url.netloc / url.path.lstrip("/")
    pool_rel = "pool/" if spec.suite else ""
    (base / pool_rel).mkdir(parents=True, exist_ok=True)
    stanzas = []
    for name, versions in sorted(spec.packages.items()):
        for version in versions:
            deb = debs / f"{name}_{version.split(':', 1)[-1]}_{ARCH}.deb"
            if not deb.exists():
                build_deb(name, version, debs)
            shutil.copyfile(deb, base / pool_rel / deb.name)
            stanzas.append(packages_stanza(deb, pool_rel + deb.name))
    packages = "\n".join(stanzas).encode()
    if spec.suite is None:
        release_dir, index_path = base, "Packages"
    else:
        release_dir = base / "dists" / spec.suite
        index_path = f"main/binary-{ARCH}/Packages"
    (release_dir / index_path).parent.mkdir(parents=True, exist_ok=True)
    (release_dir / index_path).write_bytes(packages)
    release = release_text({index_path: packages}, spec.suite).encode()
    (release_dir / "Release").write_bytes(release)
    (release_dir / "InRelease").write_bytes(key.gpg("--clearsign", stdin=release))
    (release_dir / "Release.gpg").write_bytes(key.gpg("--detach-sign", "--armor", stdin=release))
    if spec.suite is None:
        (base / "Release.key").write_bytes(key.public(armor=True))
    elif spec.base == LEGACY_BASE:
        legacy_key = urllib.parse.urlsplit(LEGACY_KEY_URL)
        target = served / legacy_key.netloc / legacy_key.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(key.public(armor=False))


# ---- TLS: a twin CA and one certificate for every upstream host name ----


@dataclass(frozen=True)
class TwinCA:
    cert_pem: bytes
    server_cert: Path
    server_key: Path


def ensure_ca(directory: Path, hosts: tuple[str, ...] = SERVED_HOSTS) -> TwinCA:
    directory.mkdir(parents=True, exist_ok=True)
    ca_pem, cert, key = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    if ca_pem.exists() and cert.exists() and key.exists():
        return TwinCA(ca_pem.read_bytes(), cert, key)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bgplab twin CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    srv_key = ec.generate_private_key(ec.SECP256R1())
    srv = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(srv_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key.write_bytes(
        srv_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key.chmod(0o600)
    cert.write_bytes(srv.public_bytes(serialization.Encoding.PEM))
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return TwinCA(ca_pem.read_bytes(), cert, key)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Files of `served/<Host>/<path>`: one server for every upstream host name."""

    served: Path

    def translate_path(self, path: str) -> str:
        host = (self.headers.get("Host") or "").split(":")[0]
        if host not in SERVED_HOSTS:
            return str(self.served / "nonexistent")
        rel = urllib.parse.unquote(urllib.parse.urlsplit(path).path).lstrip("/")
        target = (self.served / host / rel).resolve()
        if not target.is_relative_to(self.served.resolve()):
            return str(self.served / "nonexistent")
        return str(target)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(
    served: Path,
    ca: TwinCA,
    address: str,
    port: int = 443,
    handler_base: type[_Handler] = _Handler,
) -> http.server.HTTPServer:
    """Serve `served` over HTTPS on address:port from a daemon thread; shutdown() stops it.
    `handler_base` may add more (lab/node_services.py: the kubeadm endpoint)."""
    handler = type("Handler", (handler_base,), {"served": served})
    server = http.server.ThreadingHTTPServer((address, port), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(ca.server_cert, ca.server_key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _ip(address: str) -> str:
    return str(ipaddress.IPv4Address(address))


def hosts_lines(address: str) -> str:
    """The node's /etc/hosts line sending the upstream host names to the twin's server."""
    return f"{_ip(address)} {' '.join(SERVED_HOSTS)}\n"
