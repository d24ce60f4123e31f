"""The package repositories the twin's nodes can reach, as upstream lays them out (data + pure).

The twin's signed repositories (lab/apt_repo.py) publish what this table says, and the shell
emulator's `curl` and `apt-get update` (lab/ubuntu/, offline tests) consult it. A repository
that upstream does not publish (pkgs.k8s.io before v1.24, CRI-O's isv repositories before
v1.28, kubic for a release it never built) answers 404 as the real one would. The legacy
apt.kubernetes.io is served as an archive/mirror of it would serve it (upstream removed it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARMORED = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{body}\n-----END PGP PUBLIC KEY BLOCK-----\n"
BINARY = "OPENPGP-BINARY-KEYRING {body}\n"  # what `gpg --dearmor` makes of an armoured key
UBUNTU = "http://archive.ubuntu.com/ubuntu"


@dataclass(frozen=True)
class Repo:
    packages: dict[str, list[str]]
    key: str  # the signing key as served at its key URL


def _k8s_versions(minor: str, suffix: str, patches: int = 6) -> list[str]:
    return [f"{minor}.{p}{suffix}" for p in range(patches)]


def _pkgs_k8s(minor: str) -> Repo | None:
    major, mnr = (int(x) for x in minor.split("."))
    if (major, mnr) < (1, 24) or (major, mnr) > (1, 33):
        return None
    v = _k8s_versions(minor, "-1.1")
    pkgs = {"kubelet": v, "kubeadm": v, "kubectl": v}
    pkgs |= {"cri-tools": [f"{minor}.0-1.1"], "kubernetes-cni": ["1.4.0-1.1"]}
    return Repo(pkgs, ARMORED.format(body=f"pkgs.k8s.io v{minor}"))


def _legacy_k8s() -> Repo:
    v = [x for m in range(18, 29) for x in _k8s_versions(f"1.{m}", "-00", 11)]
    pkgs = {"kubelet": v, "kubeadm": v, "kubectl": v}
    pkgs |= {"cri-tools": ["1.26.0-00"], "kubernetes-cni": ["1.2.0-00"]}
    return Repo(pkgs, BINARY.format(body="apt.kubernetes.io"))


def _crio_isv(minor: str) -> Repo | None:
    major, mnr = (int(x) for x in minor.split("."))
    if (major, mnr) < (1, 28) or (major, mnr) > (1, 33):
        return None
    return Repo({"cri-o": [f"{minor}.{p}-1.1" for p in range(4)]}, ARMORED.format(body=minor))


def _kubic(os_name: str, minor: str | None) -> Repo | None:
    first = {"xUbuntu_20.04": 18, "xUbuntu_22.04": 24}.get(os_name)
    if first is None:
        return None
    if minor is None:
        return Repo(
            {"cri-o-runc": ["1.0.1~2"], "conmon": ["100:2.1.2~0"]}, ARMORED.format(body="kubic")
        )
    mnr = int(minor.split(".")[1])
    if not first <= mnr <= 28:
        return None
    return Repo({"cri-o": [f"{minor}.0~2", f"{minor}.7~0"]}, ARMORED.format(body=f"kubic {minor}"))


def _ubuntu(release_packages: dict[str, str], apt_version: str) -> Repo:
    pkgs = {name: [v] for name, v in release_packages.items()}
    pkgs["apt-transport-https"] = [apt_version]
    pkgs["gnupg"] = ["2.2.19-3ubuntu2.1"]
    return Repo(pkgs, "")


_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^https://pkgs\.k8s\.io/core:/stable:/v(\d+\.\d+)/deb/$"), "pkgs"),
    (re.compile(r"^https://apt\.kubernetes\.io/?$"), "legacy"),
    (
        re.compile(
            r"^https://download\.opensuse\.org/repositories/isv:/cri-o:/stable:/v(\d+\.\d+)/deb/$"
        ),
        "isv",
    ),
    (
        re.compile(
            r"^https?://download\.opensuse\.org/repositories/devel:/kubic:/libcontainers:/stable"
            r"(?::/cri-o:/(\d+\.\d+))?/(xUbuntu_\d+\.\d+)/$"
        ),
        "kubic",
    ),
)


def repo_at(base: str) -> Repo | None:
    """The repository whose base URL (a `deb` line's URI) is `base`; None: 404 / no such host."""
    for pattern, kind in _PATTERNS:
        m = pattern.match(base)
        if not m:
            continue
        if kind == "pkgs":
            return _pkgs_k8s(m.group(1))
        if kind == "legacy":
            return _legacy_k8s()
        if kind == "isv":
            return _crio_isv(m.group(1))
        return _kubic(m.group(2), m.group(1))
    return None


KNOWN_HOSTS = ("pkgs.k8s.io", "dl.k8s.io", "apt.kubernetes.io", "download.opensuse.org")


def fetch(url: str) -> tuple[int, str]:
    """What an HTTP GET of `url` answers: (status, body); status 0 = host does not resolve."""
    host = re.sub(r"^https?://([^/]+).*$", r"\1", url)
    if host not in KNOWN_HOSTS:
        return 0, ""
    if url == "https://dl.k8s.io/apt/doc/apt-key.gpg":
        return 200, _legacy_k8s().key
    if url.endswith("/Release.key"):
        repo = repo_at(url.removesuffix("Release.key"))
        if repo is not None:
            return 200, repo.key
    return 404, ""


def ubuntu_archive(release_packages: dict[str, str], apt_version: str) -> Repo:
    return _ubuntu(release_packages, apt_version)
