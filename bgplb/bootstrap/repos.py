"""Package sources for Kubernetes and CRI-O per Kubernetes minor, as the upstream docs give them.

- Kubernetes: pkgs.k8s.io `core:/stable:/v1.X` exists from v1.24. Older minors were only on
  apt.kubernetes.io (`kubernetes-xenial main`), frozen on 2023-09-13 and removed in 2024.
- CRI-O: `isv:/cri-o:/stable:/v1.X` on download.opensuse.org from v1.28; older minors were on
  the openSUSE kubic project (`devel:kubic:libcontainers:stable:cri-o:1.X`), which CRI-O no
  longer publishes to.

Sources that upstream no longer serves are "legacy": a plan uses them only when asked to
(`allow_legacy=True`, e.g. against a mirror or archive of them), and says so in its notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bgplb.bootstrap.releases import UbuntuRelease
from bgplb.errors import InputError

KEYRINGS = "/etc/apt/keyrings"
PKGS_K8S_FIRST = (1, 24)
CRIO_ISV_FIRST = (1, 28)
OPENSUSE = "https://download.opensuse.org/repositories"


@dataclass(frozen=True)
class AptSource:
    """One apt source: its list file and line, and the signing key it needs."""

    name: str
    list_file: str
    line: str
    key_url: str
    keyring: str
    dearmor: bool  # the key is ASCII-armoured (Release.key) and must go through gpg --dearmor

    def via(self, mirror: str | None) -> AptSource:
        """This source fetched from a site mirror laid out as <mirror>/<host>/<path>."""
        if mirror is None:
            return self
        return replace(
            self,
            line=_URL.sub(lambda m: mirrored(m.group(0), mirror), self.line),
            key_url=mirrored(self.key_url, mirror),
        )

    def key_command(self) -> str:
        if self.dearmor:
            return f"curl -fsSL {self.key_url} | sudo -n gpg --dearmor --yes -o {self.keyring}"
        return f"sudo -n curl -fsSLo {self.keyring} {self.key_url}"


_URL = re.compile(r"https?://[^\s\]]+")


def mirrored(url: str, mirror: str) -> str:
    """`https://HOST/PATH` as the mirror serves it: `<mirror>/HOST/PATH`."""
    rest = re.sub(r"^https?://", "", url)
    return mirror.rstrip("/") + "/" + rest


@dataclass(frozen=True)
class Packages:
    """Where a component comes from and what apt installs: names pinned as name=version."""

    sources: tuple[AptSource, ...]
    names: tuple[str, ...]
    pinned: tuple[str, ...]  # the names whose installed version must match version_pattern
    version_pattern: str  # regex of the installed version dpkg reports
    pin: str | None  # exact apt version to install, or None for the newest in the source
    legacy_note: str | None

    def via(self, mirror: str | None) -> Packages:
        return replace(self, sources=tuple(s.via(mirror) for s in self.sources))


class LegacyReposRefused(InputError):
    """The Kubernetes minor needs package sources upstream no longer serves."""


def _minor_tuple(minor: str) -> tuple[int, int]:
    major, mnr = minor.split(".")
    return int(major), int(mnr)


def kubernetes_packages(version: str, minor: str) -> Packages:
    if _minor_tuple(minor) >= PKGS_K8S_FIRST:
        base = f"https://pkgs.k8s.io/core:/stable:/v{minor}/deb/"
        keyring = f"{KEYRINGS}/kubernetes-apt-keyring.gpg"
        source = AptSource(
            "kubernetes",
            "/etc/apt/sources.list.d/kubernetes.list",
            f"deb [signed-by={keyring}] {base} /",
            base + "Release.key",
            keyring,
            dearmor=True,
        )
        pin = f"{version}-1.1"
        note = None
    else:
        keyring = f"{KEYRINGS}/kubernetes-archive-keyring.gpg"
        source = AptSource(
            "kubernetes",
            "/etc/apt/sources.list.d/kubernetes.list",
            f"deb [signed-by={keyring}] https://apt.kubernetes.io/ kubernetes-xenial main",
            "https://dl.k8s.io/apt/doc/apt-key.gpg",
            keyring,
            dearmor=False,
        )
        pin = f"{version}-00"
        note = (
            f"Kubernetes {minor} predates pkgs.k8s.io (v{PKGS_K8S_FIRST[0]}.{PKGS_K8S_FIRST[1]}+):"
            " using the legacy apt.kubernetes.io source, which upstream removed in 2024"
        )
    names = ("kubelet", "kubeadm", "kubectl")
    return Packages((source,), names, names, _exact(pin), pin, note)


def crio_packages(minor: str, rel: UbuntuRelease) -> Packages:
    if _minor_tuple(minor) >= CRIO_ISV_FIRST:
        base = f"{OPENSUSE}/isv:/cri-o:/stable:/v{minor}/deb/"
        keyring = f"{KEYRINGS}/cri-o-apt-keyring.gpg"
        source = AptSource(
            "cri-o",
            "/etc/apt/sources.list.d/cri-o.list",
            f"deb [signed-by={keyring}] {base} /",
            base + "Release.key",
            keyring,
            dearmor=True,
        )
        return Packages((source,), ("cri-o",), ("cri-o",), _minor_re(minor), None, None)
    stable = f"{OPENSUSE}/devel:/kubic:/libcontainers:/stable/{rel.kubic_os}/"
    crio = f"{OPENSUSE}/devel:/kubic:/libcontainers:/stable:/cri-o:/{minor}/{rel.kubic_os}/"
    ring_stable = f"{KEYRINGS}/libcontainers-archive-keyring.gpg"
    ring_crio = f"{KEYRINGS}/libcontainers-crio-archive-keyring.gpg"
    sources = (
        AptSource(
            "libcontainers",
            "/etc/apt/sources.list.d/devel:kubic:libcontainers:stable.list",
            f"deb [signed-by={ring_stable}] {stable} /",
            stable + "Release.key",
            ring_stable,
            dearmor=True,
        ),
        AptSource(
            "cri-o",
            f"/etc/apt/sources.list.d/devel:kubic:libcontainers:stable:cri-o:{minor}.list",
            f"deb [signed-by={ring_crio}] {crio} /",
            crio + "Release.key",
            ring_crio,
            dearmor=True,
        ),
    )
    note = (
        f"CRI-O {minor} predates its isv:/cri-o repositories (v{CRIO_ISV_FIRST[0]}."
        f"{CRIO_ISV_FIRST[1]}+): using the legacy openSUSE kubic source for {rel.kubic_os}"
    )
    return Packages(sources, ("cri-o", "cri-o-runc"), ("cri-o",), _minor_re(minor), None, note)


def containerd_packages() -> Packages:
    """containerd from the Ubuntu archive (every supported release has it; no extra source)."""
    return Packages((), ("containerd",), ("containerd",), r"\S+", None, None)  # any version


def _exact(version: str) -> str:
    return version.replace(".", r"\.")


def _minor_re(minor: str) -> str:
    return minor.replace(".", r"\.") + r"\.\S+"


def refuse_legacy(minor: str, notes: list[str]) -> None:
    raise LegacyReposRefused(
        f"kubernetes.version {minor}: no package source upstream still serves for it. "
        + " ".join(n + "." for n in notes)
        + " Set site.kubernetes.version to 1.28 or later, or allow the legacy sources "
        "explicitly (kubernetes.package_repos: legacy) when a mirror or archive of them is "
        "reachable."
    )
