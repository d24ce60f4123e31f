"""The support matrix, as data: which node OS, Kubernetes, container runtime, Calico, MetalLB
and VyOS versions bgplb deploys, and which combinations of them. Validation
(bgplb/model/checks.py `check_support`) refuses anything outside it with the reason;
README.md "Support matrix" shows it.

Sources of each fact:
- Kubernetes package sources: pkgs.k8s.io `core:/stable:/v1.X` exists from v1.24; the legacy
  apt.kubernetes.io was frozen on 2023-09-13 (last minor 1.27 here) and removed in 2024
  (bgplb/bootstrap/repos.py). CRI-O: isv:/cri-o from v1.28, the legacy openSUSE kubic project
  below, which published no xUbuntu_24.04.
- kubeadm defaults the kubelet's cgroup driver to systemd from v1.22; CRI-O uses systemd,
  containerd is configured with `SystemdCgroup = true` (bgplb/bootstrap/steps.py).
- Calico: the Kubernetes versions each Calico minor is tested against, as its own docs publish
  them ("We test Calico vX against the following Kubernetes versions"): projectcalico/calico
  tags v3.19.1, v3.20.0, v3.21.0, v3.22.0, v3.23.0
  (`[calico/]getting-started/kubernetes/requirements.md`); tigera/docs
  `calico_versioned_docs/version-3.X/` for 3.24 (ff76eea9, 2023-01-16), 3.25 (cd3b45c0),
  3.26 (4be19e59), 3.27 (1cbc40ac), 3.28 (6f8ea13d), and 3.29-3.32 at f2a27624 (2026-08-21,
  `_includes/partials/_system-requirements.mdx`).
- MetalLB: the ConfigMap up to 0.12, CRDs from 0.13 (bgplb/model/specs.py); upstream's 0.9.6
  manifest holds two policy/v1beta1 PodSecurityPolicies, an API Kubernetes removed in 1.25,
  and 0.14.9's and 0.16.1's hold none (../shared/manifests); FRR mode ships as
  `metallb-frr.yaml` from 0.13 in bgplb (before 0.13 it was experimental and configured through
  the ConfigMap: not supported here).
- VyOS: bgplb/vyos/dialects.py.
"""

from __future__ import annotations

from dataclasses import dataclass

Minor = tuple[int, int]


def minor_str(minor: Minor) -> str:
    return f"{minor[0]}.{minor[1]}"


# Node OS: the inventory's `os` values (the bootstrap's data per release: bootstrap/releases.py).
UBUNTU = ("ubuntu-20.04", "ubuntu-22.04", "ubuntu-24.04")

# Kubernetes: from the reference lab's 1.21 to the newest minor Calico tests (3.32: 1.36).
KUBERNETES_FIRST: Minor = (1, 21)
KUBERNETES_LAST: Minor = (1, 36)
PKGS_K8S_FIRST: Minor = (1, 24)  # pkgs.k8s.io
LEGACY_K8S_LAST: Minor = (1, 27)  # apt.kubernetes.io (removed upstream: needs a mirror)


@dataclass(frozen=True)
class Runtime:
    """A container runtime: where it comes from, its CRI socket and what kubeadm needs."""

    name: str  # the inventory's `container_runtime`
    socket: str  # kubeadm's criSocket / --cri-socket
    service: str  # the systemd unit
    packages: str  # what apt installs, from where
    kubeadm: str  # the settings kubeadm and the kubelet need for it
    current_repos_from: Minor  # first minor with a package source upstream still serves
    kubernetes_from: Minor  # first Kubernetes minor bgplb deploys it with
    legacy_ubuntu: tuple[str, ...]  # releases its legacy source has packages for

    @property
    def socket_spellings(self) -> frozenset[str]:
        """The socket as a path or unix:// URL, under /run or its alias /var/run."""
        path = self.socket.removeprefix("unix://")
        paths = {path, "/var" + path if path.startswith("/run/") else path.removeprefix("/var")}
        return frozenset(paths | {"unix://" + p for p in paths})


RUNTIMES: dict[str, Runtime] = {
    "cri-o": Runtime(
        name="cri-o",
        socket="unix:///var/run/crio/crio.sock",
        service="crio",
        packages="cri-o from isv:/cri-o:/stable:/v1.X (1.28+); cri-o and cri-o-runc from the "
        "legacy openSUSE kubic project below",
        kubeadm="criSocket unix:///var/run/crio/crio.sock; cgroup driver systemd (CRI-O's)",
        current_repos_from=(1, 28),
        kubernetes_from=KUBERNETES_FIRST,
        legacy_ubuntu=("ubuntu-20.04", "ubuntu-22.04"),
    ),
    "containerd": Runtime(
        name="containerd",
        socket="unix:///run/containerd/containerd.sock",
        service="containerd",
        packages="containerd from the Ubuntu archive",
        kubeadm="criSocket unix:///run/containerd/containerd.sock; /etc/containerd/config.toml "
        "with SystemdCgroup = true (kubeadm's systemd cgroup driver, its default from 1.22)",
        current_repos_from=KUBERNETES_FIRST,  # the Ubuntu archive: every release
        kubernetes_from=(1, 22),
        legacy_ubuntu=UBUNTU,
    ),
}

# Calico minor -> the Kubernetes minors its docs say it is tested against (sources above).
CALICO: dict[Minor, tuple[Minor, ...]] = {
    (3, 19): ((1, 19), (1, 20), (1, 21)),
    (3, 20): ((1, 19), (1, 20), (1, 21)),
    (3, 21): ((1, 20), (1, 21), (1, 22)),
    (3, 22): ((1, 21), (1, 22), (1, 23)),
    (3, 23): ((1, 21), (1, 22), (1, 23)),
    (3, 24): ((1, 22), (1, 23), (1, 24), (1, 25)),
    (3, 25): ((1, 23), (1, 24), (1, 25), (1, 26), (1, 27), (1, 28)),
    (3, 26): ((1, 24), (1, 25), (1, 26), (1, 27), (1, 28)),
    (3, 27): ((1, 27), (1, 28), (1, 29)),
    (3, 28): ((1, 27), (1, 28), (1, 29), (1, 30)),
    (3, 29): ((1, 29), (1, 30), (1, 31), (1, 32)),
    (3, 30): ((1, 31), (1, 32), (1, 33), (1, 34), (1, 35)),
    (3, 31): ((1, 32), (1, 33), (1, 34), (1, 35)),
    (3, 32): ((1, 34), (1, 35), (1, 36)),
}

# MetalLB
METALLB_FIRST: Minor = (0, 9)
METALLB_LAST: Minor = (0, 16)
METALLB_CRDS_FROM: Minor = (0, 13)
METALLB_FRR_FROM: Minor = (0, 13)  # bgplb's FRR mode: metallb-frr.yaml with the CRDs
METALLB_PSP_UNTIL: Minor = (0, 12)  # manifests with PodSecurityPolicy (gone in Kubernetes 1.25)
PSP_REMOVED_IN: Minor = (1, 25)
METALLB_IMPLEMENTATIONS = ("native", "frr")


def calico_minor(version: str) -> Minor:
    """`v3.19.1` -> (3, 19)."""
    major, minor = version.removeprefix("v").split(".")[:2]
    return int(major), int(minor)


def calico_problem(calico: str, kubernetes: Minor) -> str | None:
    """Why this Calico does not go with this Kubernetes minor, or None when it does."""
    minor = calico_minor(calico)
    tested = CALICO.get(minor)
    if tested is None:
        known = ", ".join(f"v{minor_str(m)}" for m in CALICO)
        return f"Calico {calico} is not in the support matrix (Calico minors: {known})"
    if kubernetes not in tested:
        fits = [f"v{minor_str(c)}" for c, ks in CALICO.items() if kubernetes in ks]
        return (
            f"Calico {calico} is tested with Kubernetes "
            f"{', '.join(minor_str(k) for k in tested)}, not {minor_str(kubernetes)} "
            f"(Calico for {minor_str(kubernetes)}: {', '.join(fits) or 'none known'})"
        )
    return None


def kubernetes_problem(minor: Minor) -> str | None:
    if KUBERNETES_FIRST <= minor <= KUBERNETES_LAST:
        return None
    return (
        f"Kubernetes {minor_str(minor)} is outside the support matrix "
        f"({minor_str(KUBERNETES_FIRST)} to {minor_str(KUBERNETES_LAST)})"
    )


def package_repos_problem(
    minor: Minor, repos: str, runtime: Runtime | None, os_names: tuple[str, ...]
) -> str | None:
    """Whether `package_repos` has packages for this Kubernetes minor, runtime and OS."""
    k = minor_str(minor)
    if repos == "legacy":
        if minor > LEGACY_K8S_LAST:
            return (
                f"Kubernetes {k} has no packages in the legacy apt.kubernetes.io (frozen at "
                f"{minor_str(LEGACY_K8S_LAST)}): set package_repos: current (pkgs.k8s.io)"
            )
        if runtime is not None and minor < runtime.current_repos_from:
            bad = [o for o in os_names if o not in runtime.legacy_ubuntu]
            if bad:
                return (
                    f"{runtime.name} for Kubernetes {k} comes only from its legacy source, "
                    f"which has no packages for {', '.join(bad)} (only "
                    f"{', '.join(runtime.legacy_ubuntu)}): use Kubernetes "
                    f"{minor_str(runtime.current_repos_from)} or later"
                )
        return None
    needs = [("pkgs.k8s.io has Kubernetes", PKGS_K8S_FIRST)]
    if runtime is not None:
        needs.append((f"{runtime.name}'s current source has it", runtime.current_repos_from))
    missing = [(what, first) for what, first in needs if minor < first]
    if missing:
        first = max(f for _, f in missing)
        return (
            f"Kubernetes {k} has no packages in a current source ("
            + "; ".join(f"{what} from {minor_str(f)}" for what, f in missing)
            + "): set package_repos: legacy (apt.kubernetes.io and kubic, removed upstream in "
            f"2024: needs a mirror) or kubernetes.version {minor_str(first)} or later"
        )
    return None


def runtime_problem(name: str, minor: Minor) -> str | None:
    runtime = RUNTIMES.get(name)
    if runtime is None:
        return (
            f"container runtime {name!r} is not in the support matrix "
            f"(supported: {', '.join(RUNTIMES)})"
        )
    if minor < runtime.kubernetes_from:
        return (
            f"{name} is supported from Kubernetes {minor_str(runtime.kubernetes_from)} "
            f"(kubeadm's systemd cgroup driver default), not {minor_str(minor)}"
        )
    return None


def metallb_problems(
    version: tuple[int, int, int], implementation: str, kubernetes: Minor
) -> list[tuple[str, str]]:
    """(key under metallb, reason) for each way this MetalLB is outside the matrix."""
    minor = version[:2]
    v = ".".join(map(str, version))
    out: list[tuple[str, str]] = []
    if not METALLB_FIRST <= minor <= METALLB_LAST:
        out.append(
            (
                "version",
                f"MetalLB {v} is outside the support matrix "
                f"({minor_str(METALLB_FIRST)} to {minor_str(METALLB_LAST)})",
            )
        )
    if implementation == "frr" and minor < METALLB_FRR_FROM:
        out.append(
            (
                "implementation",
                f"MetalLB {v} has no FRR mode bgplb supports (from "
                f"{minor_str(METALLB_FRR_FROM)}, with metallb-frr.yaml): use native",
            )
        )
    if minor <= METALLB_PSP_UNTIL and kubernetes >= PSP_REMOVED_IN:
        out.append(
            (
                "version",
                f"MetalLB {v}'s manifests need PodSecurityPolicy (policy/v1beta1), which "
                f"Kubernetes {minor_str(kubernetes)} no longer serves (removed in "
                f"{minor_str(PSP_REMOVED_IN)}): use MetalLB {minor_str(METALLB_CRDS_FROM)} or "
                "later",
            )
        )
    return out
