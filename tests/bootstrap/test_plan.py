from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from bgplb.bootstrap import LegacyReposRefused, plan_bootstrap
from bgplb.bootstrap.steps import Expect
from bgplb.model import Site, load_site
from bgplb.model.specs import KubernetesSpec
from tests.conftest import REPO


def _site(version: str, os_name: str = "ubuntu-20.04") -> Site:
    site = load_site(REPO / "inventory" / "lab")
    k8s = site.kubernetes.model_copy(update={"version": version})
    nodes = tuple(dataclasses.replace(n, os=os_name) for n in site.nodes)
    return dataclasses.replace(site, kubernetes=k8s, nodes=nodes)


def test_write_up_version_is_refused_without_legacy_opt_in() -> None:
    site = _site("1.21.1")
    with pytest.raises(LegacyReposRefused, match=r"apt\.kubernetes\.io.*removed"):
        plan_bootstrap(site, site.nodes[0], allow_legacy=False)


def test_legacy_opt_in_uses_legacy_sources_and_says_so() -> None:
    site = _site("1.21.1")
    plan = plan_bootstrap(site, site.nodes[0], allow_legacy=True)
    names = [s.name for s in plan.steps]
    assert "apt-source-libcontainers" in names
    pkgs = next(s for s in plan.steps if s.name == "kubernetes-packages")
    assert "kubelet=1.21.1-00" in pkgs.apply[-1]
    assert len(plan.notes) == 2
    assert any("apt.kubernetes.io" in n for n in plan.notes)


@pytest.mark.parametrize(
    ("os_name", "keyrings_step"), [("ubuntu-20.04", True), ("ubuntu-22.04", False)]
)
def test_current_version_per_release(os_name: str, keyrings_step: bool) -> None:
    site = _site("1.30.2", os_name)
    plan = plan_bootstrap(site, site.nodes[0])
    assert plan.notes == ()
    by_name = {s.name: s for s in plan.steps}
    assert ("apt-keyrings" in by_name) is keyrings_step
    k8s_src = by_name["apt-source-kubernetes"].apply[-1]
    assert "https://pkgs.k8s.io/core:/stable:/v1.30/deb/ /" in k8s_src
    crio_src = by_name["apt-source-cri-o"].apply[-1]
    assert "isv:/cri-o:/stable:/v1.30/deb/" in crio_src
    assert (
        by_name["kubernetes-packages"]
        .apply[-1]
        .endswith("kubelet=1.30.2-1.1 kubeadm=1.30.2-1.1 kubectl=1.30.2-1.1")
    )
    assert all(
        c.startswith(("sudo -n ", "echo ", "printf ", "curl ")) for s in plan.steps for c in s.apply
    )


def test_legacy_crio_names_the_release() -> None:
    site = _site("1.21.1", "ubuntu-22.04")
    plan = plan_bootstrap(site, site.nodes[0], allow_legacy=True)
    src = next(s for s in plan.steps if s.name == "apt-source-cri-o")
    assert "xUbuntu_22.04" in src.apply[-1]


def test_expect_matches_output_and_status() -> None:
    assert Expect("0", rc=1).met("0\n", 1)
    assert not Expect("0", rc=1).met("0\n", 0)
    assert not Expect("enabled").met("enabled\nextra", 0)


def _containerd(site: Site) -> Site:
    nodes = tuple(dataclasses.replace(n, container_runtime="containerd") for n in site.nodes)
    return dataclasses.replace(site, nodes=nodes)


def test_containerd_on_noble_from_the_ubuntu_archive_with_systemd_cgroups() -> None:
    site = _containerd(_site("1.33.1", "ubuntu-24.04"))
    plan = plan_bootstrap(site, site.nodes[0])
    names = [s.name for s in plan.steps]
    assert plan.notes == ()
    assert "apt-source-cri-o" not in names and "crio-service" not in names
    assert "apt-keyrings" not in names  # 24.04 has /etc/apt/keyrings
    assert names.index("containerd-packages") < names.index("containerd-config")
    assert names.index("containerd-config") < names.index("containerd-service")
    by_name = {s.name: s for s in plan.steps}
    assert by_name["containerd-packages"].apply[-1] == "sudo -n apt-get install -y containerd"
    config = by_name["containerd-config"]
    assert config.check == "cat /etc/containerd/config.toml"
    assert config.apply[0] == "sudo -n mkdir -p -m 755 /etc/containerd"
    assert "SystemdCgroup = true" in config.apply[1]
    assert config.apply[-1] == "sudo -n systemctl restart containerd"
    done = "version = 2\n" + (
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n'
        "  SystemdCgroup = true\n"
    )
    assert config.expect.met(done, 0)
    assert not config.expect.met(done.replace("true", "false"), 0)
    k8s_src = by_name["apt-source-kubernetes"].apply[-1]
    assert "https://pkgs.k8s.io/core:/stable:/v1.33/deb/ /" in k8s_src


def test_containerd_with_legacy_kubernetes_needs_no_kubic() -> None:
    site = _containerd(_site("1.23.4", "ubuntu-22.04"))
    plan = plan_bootstrap(site, site.nodes[0], allow_legacy=True)
    names = [s.name for s in plan.steps]
    assert "apt-source-libcontainers" not in names and "apt-source-cri-o" not in names
    assert [n for n in plan.notes if "apt.kubernetes.io" in n] == list(plan.notes)


def test_package_mirror_points_every_source_and_key_at_the_mirror() -> None:
    site = _site("1.30.2", "ubuntu-22.04")
    k8s = site.kubernetes.model_copy(update={"package_mirror": "https://mirror.example.net/apt"})
    plan = plan_bootstrap(dataclasses.replace(site, kubernetes=k8s), site.nodes[0])
    by_name = {s.name: s for s in plan.steps}
    src = by_name["apt-source-kubernetes"]
    assert "https://mirror.example.net/apt/pkgs.k8s.io/core:/stable:/v1.30/deb/ /" in src.apply[-1]
    assert src.apply[1].startswith(
        "curl -fsSL https://mirror.example.net/apt/pkgs.k8s.io/core:/stable:/v1.30/deb/Release.key"
    )
    assert (
        "mirror.example.net/apt/download.opensuse.org/repositories/isv:/cri-o:"
        in (by_name["apt-source-cri-o"].apply[-1])
    )
    everything = " ".join(c for s in plan.steps for c in (s.check, *s.apply))
    assert "https://pkgs.k8s.io" not in everything
    assert "https://download.opensuse.org" not in everything
    assert "signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg" in src.apply[-1]


@pytest.mark.parametrize(
    "bad", ["ftp://mirror.example.net/", "https://mirror.example.net/$(reboot)", "mirror.example"]
)
def test_package_mirror_must_be_a_plain_http_url(bad: str) -> None:
    with pytest.raises(ValidationError, match="package_mirror"):
        KubernetesSpec.model_validate(
            {**_site("1.30.2").kubernetes.model_dump(), "package_mirror": bad}
        )
