"""The support matrix (bgplb/model/support.py) as validation sees it: combinations accepted,
and combinations refused with the reason, the file and the key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bgplb.model import load_site
from bgplb.model.load import InventoryProblems
from bgplb.model.support import CALICO, RUNTIMES, calico_problem
from tests.model.mutate import Files, mutated

CALICO_URL = "https://raw.githubusercontent.com/projectcalico/calico/v{v}/manifests/calico.yaml"
METALLB_URL = (
    "https://raw.githubusercontent.com/metallb/metallb/v{v}/config/manifests/metallb-{m}.yaml"
)


@dataclass(frozen=True)
class Stack:
    os: str = "ubuntu-20.04"
    runtime: str = "cri-o"
    socket: str | None = None  # the runtime's own when None
    kubernetes: str = "1.21.1"
    repos: str = "legacy"
    calico: str = "3.19.1"
    metallb: str = "0.9.6"
    implementation: str = "native"
    manifest_mode: str | None = None  # the implementation's own when None
    vyos: str | None = None

    def apply(self, f: Files) -> None:
        nodes = f["groups"]["k8s_nodes"]["data"]
        nodes["os"] = self.os
        nodes["container_runtime"] = self.runtime
        site = f["defaults"]["data"]["site"]
        k = site["kubernetes"]
        k["version"] = self.kubernetes
        k["package_repos"] = self.repos
        runtime = RUNTIMES.get(self.runtime)
        k["cri_socket"] = self.socket or (runtime.socket if runtime else "/run/x.sock")
        k["cni"]["version"] = f"v{self.calico}"
        k["cni"]["manifest"] = CALICO_URL.format(v=self.calico)
        m = site["metallb"]
        m["version"] = self.metallb
        m["implementation"] = self.implementation
        if tuple(map(int, self.metallb.split("."))) >= (0, 13, 0):
            mode = self.manifest_mode or self.implementation
            m["manifests"] = [METALLB_URL.format(v=self.metallb, m=mode)]
        if self.vyos:
            f["hosts"]["vyos"]["data"]["vyos_version"] = self.vyos


ACCEPTED = {
    "reference-2021": Stack(),
    "current": Stack(
        os="ubuntu-24.04",
        runtime="containerd",
        kubernetes="1.33.1",
        repos="current",
        calico="3.31.3",
        metallb="0.16.1",
        implementation="frr",
        vyos="1.4.3",
    ),
    "jammy-crio-1.28": Stack(
        os="ubuntu-22.04", kubernetes="1.28.4", repos="current", calico="3.27.3", metallb="0.14.9"
    ),
    "focal-containerd-1.24-current": Stack(
        runtime="containerd",
        kubernetes="1.24.17",
        repos="current",
        calico="3.26.4",
        metallb="0.13.12",
    ),
    "containerd-socket-as-path": Stack(
        os="ubuntu-22.04",
        runtime="containerd",
        socket="/var/run/containerd/containerd.sock",
        kubernetes="1.30.2",
        repos="current",
        calico="3.28.2",
        metallb="0.15.2",
    ),
    "newest-kubernetes": Stack(
        os="ubuntu-24.04",
        runtime="containerd",
        kubernetes="1.36.0",
        repos="current",
        calico="3.32.0",
        metallb="0.16.1",
        vyos="1.5-rolling-202410210000",
    ),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted(name: str, tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", ACCEPTED[name].apply))
    # the only warnings: unpinned https:// manifests
    assert all("has no sha256" in w.message for w in site.warnings), site.warnings


@dataclass(frozen=True)
class Refused:
    stack: Stack
    file: str
    key: str
    reason: str


CURRENT = ACCEPTED["current"]
REFUSED = {
    "calico-3.19-on-1.33": Refused(
        Stack(**{**CURRENT.__dict__, "calico": "3.19.1"}),
        "defaults.yaml",
        "data.site.kubernetes.cni.version",
        "Calico v3.19.1 is tested with Kubernetes 1.19, 1.20, 1.21, not 1.33 "
        "(Calico for 1.33: v3.30, v3.31)",
    ),
    "calico-unknown-minor": Refused(
        Stack(calico="3.18.6"),
        "defaults.yaml",
        "data.site.kubernetes.cni.version",
        "Calico v3.18.6 is not in the support matrix",
    ),
    "ubuntu-18.04": Refused(
        Stack(os="ubuntu-18.04"),
        "groups.yaml",
        "data.os",
        "node OS 'ubuntu-18.04' is not in the support matrix (supported: ubuntu-20.04, "
        "ubuntu-22.04, ubuntu-24.04)",
    ),
    "kubernetes-1.20": Refused(
        Stack(kubernetes="1.20.15", calico="3.20.6"),
        "defaults.yaml",
        "data.site.kubernetes.version",
        "Kubernetes 1.20 is outside the support matrix (1.21 to 1.36)",
    ),
    "kubernetes-1.37": Refused(
        Stack(**{**CURRENT.__dict__, "kubernetes": "1.37.0"}),
        "defaults.yaml",
        "data.site.kubernetes.version",
        "Kubernetes 1.37 is outside the support matrix",
    ),
    "legacy-repos-for-1.30": Refused(
        Stack(os="ubuntu-22.04", kubernetes="1.30.2", calico="3.28.2", metallb="0.14.9"),
        "defaults.yaml",
        "data.site.kubernetes.package_repos",
        "Kubernetes 1.30 has no packages in the legacy apt.kubernetes.io (frozen at 1.27)",
    ),
    "current-repos-crio-1.26": Refused(
        Stack(kubernetes="1.26.3", repos="current", calico="3.26.4", metallb="0.14.9"),
        "defaults.yaml",
        "data.site.kubernetes.package_repos",
        "Kubernetes 1.26 has no packages in a current source (cri-o's current source has it "
        "from 1.28)",
    ),
    "current-repos-1.23": Refused(
        Stack(runtime="containerd", kubernetes="1.23.17", repos="current", calico="3.23.5"),
        "defaults.yaml",
        "data.site.kubernetes.package_repos",
        "(pkgs.k8s.io has Kubernetes from 1.24)",
    ),
    "crio-legacy-on-noble": Refused(
        Stack(os="ubuntu-24.04", kubernetes="1.27.6", calico="3.26.4", metallb="0.14.9"),
        "defaults.yaml",
        "data.site.kubernetes.package_repos",
        "cri-o for Kubernetes 1.27 comes only from its legacy source, which has no packages "
        "for ubuntu-24.04",
    ),
    "containerd-on-1.21": Refused(
        Stack(runtime="containerd"),
        "groups.yaml",
        "data.container_runtime",
        "containerd is supported from Kubernetes 1.22 (kubeadm's systemd cgroup driver "
        "default), not 1.21",
    ),
    "docker": Refused(
        Stack(runtime="docker"),
        "groups.yaml",
        "data.container_runtime",
        "container runtime 'docker' is not in the support matrix (supported: cri-o, containerd)",
    ),
    "containerd-with-crio-socket": Refused(
        Stack(**{**CURRENT.__dict__, "socket": "/var/run/crio/crio.sock"}),
        "defaults.yaml",
        "data.site.kubernetes.cri_socket",
        "/var/run/crio/crio.sock is not containerd's socket (unix:///run/containerd/containerd.sock)",
    ),
    "metallb-0.8": Refused(
        Stack(metallb="0.8.3"),
        "defaults.yaml",
        "data.site.metallb.version",
        "MetalLB 0.8.3 is outside the support matrix (0.9 to 0.16)",
    ),
    "metallb-0.17": Refused(
        Stack(**{**CURRENT.__dict__, "metallb": "0.17.0"}),
        "defaults.yaml",
        "data.site.metallb.version",
        "MetalLB 0.17.0 is outside the support matrix (0.9 to 0.16)",
    ),
    "metallb-0.12-frr": Refused(
        Stack(metallb="0.12.1", implementation="frr"),
        "defaults.yaml",
        "data.site.metallb.implementation",
        "MetalLB 0.12.1 has no FRR mode bgplb supports (from 0.13, with metallb-frr.yaml)",
    ),
    "metallb-0.9-on-1.25": Refused(
        Stack(kubernetes="1.25.16", calico="3.25.2"),
        "defaults.yaml",
        "data.site.metallb.version",
        "MetalLB 0.9.6's manifests need PodSecurityPolicy (policy/v1beta1), which Kubernetes "
        "1.25 no longer serves",
    ),
    "frr-with-native-manifest": Refused(
        Stack(**{**CURRENT.__dict__, "manifest_mode": "native"}),
        "defaults.yaml",
        "data.site.metallb.manifests[0]",
        "metallb-native.yaml is MetalLB's native mode, but metallb.implementation is frr",
    ),
    "vyos-1.2": Refused(
        Stack(vyos="1.2.9"),
        "hosts.yaml",
        "data.vyos_version",
        "1.2.9",
    ),
}


@pytest.mark.parametrize("name", REFUSED)
def test_refused_with_the_reason(name: str, tmp_path: Path) -> None:
    case = REFUSED[name]
    inv = mutated(tmp_path / "inv", case.stack.apply)
    with pytest.raises(InventoryProblems) as info:
        load_site(inv)
    matching = [
        p
        for p in info.value.problems
        if p.file == str(inv / case.file) and p.key == case.key and case.reason in p.message
    ]
    assert matching, "\n".join(str(p) for p in info.value.problems)


def test_every_calico_minor_accepts_its_tested_kubernetes_and_refuses_the_next() -> None:
    for calico, tested in CALICO.items():
        version = f"v{calico[0]}.{calico[1]}.0"
        assert all(calico_problem(version, k) is None for k in tested)
        after = (tested[-1][0], tested[-1][1] + 1)
        assert calico_problem(version, after) is not None
