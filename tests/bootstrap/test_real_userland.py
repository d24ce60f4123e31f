"""The bootstrap on nodes that differ from the cloud image as real machines do (issue 18):
dpkg-query's sorted output, modules built into the kernel, directories a minimal system lacks,
a login PATH without sbin. Each converges, and a second run changes nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bgplb.bootstrap import Expect, plan_bootstrap
from bgplb.model import load_site
from bgplb.nornir_init import init_nornir
from lab.ubuntu.node_state import DEBIAN_PATH, Variant
from tasks.bootstrap import bootstrap
from tests.bootstrap.fake_node import attach_emulated_nodes
from tests.conftest import REPO

VARIANTS = {
    # no /proc/modules: lsmod exits 1; overlay and br_netfilter are in the kernel all along
    "builtin-modules": Variant(builtin_modules=("overlay", "br_netfilter"), proc_modules=False),
    "no-modules-load-dir": Variant(missing_dirs=("/etc/modules-load.d", "/etc/sysctl.d")),
    "debian-login-path": Variant(user_path=DEBIAN_PATH),
}


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_bootstrap_converges_on_real_node_variants(tmp_path: Path, variant: Variant) -> None:
    site = load_site(REPO / "inventory" / "lab")
    nr = init_nornir(site, {n.name for n in site.nodes})
    attach_emulated_nodes(nr, tmp_path, variant)
    first = nr.run(task=bootstrap, site=site, allow_legacy=True)
    assert not first.failed, {h: r[0].exception for h, r in first.items()}
    second = nr.run(task=bootstrap, site=site, allow_legacy=True)
    assert not second.failed, {h: r[0].exception for h, r in second.items()}
    assert {h: r[0].diff for h, r in second.items() if r[0].changed} == {}


def _packages_expect(version: str = "1.30.2") -> Expect:
    site = load_site(REPO / "inventory" / "lab")
    k8s = site.kubernetes.model_copy(update={"version": version})
    site = dataclasses.replace(site, kubernetes=k8s)
    plan = plan_bootstrap(site, site.nodes[0])
    return next(s for s in plan.steps if s.name == "kubernetes-packages").expect


def test_package_check_takes_dpkg_order() -> None:
    expect = _packages_expect()
    # dpkg-query -W kubelet kubeadm kubectl prints them sorted by name
    by_name = (
        "kubeadm hold ok installed 1.30.2-1.1\n"
        "kubectl hold ok installed 1.30.2-1.1\n"
        "kubelet hold ok installed 1.30.2-1.1\n"
    )
    assert expect.met(by_name, 0)
    older = by_name.replace("kubectl hold ok installed 1.30.2", "kubectl hold ok installed 1.29.9")
    assert not expect.met(older, 0)
    assert not expect.met(by_name + "kubelet hold ok installed 1.30.2-1.1\n", 0)
    assert not expect.met("kubeadm hold ok installed 1.30.2-1.1\n", 0)
    assert not expect.met(by_name, 1)
