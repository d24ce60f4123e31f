"""The bootstrap plan against verbatim outputs of real Ubuntu 20.04, 22.04 and 24.04 userlands
(tests/fixtures/ubuntu/, recorded by capture.sh: debootstrap minbase from Ubuntu's archive, the
plan's own commands run as the login user `ubuntu`). The twin's nodes are Debian; these are the
Ubuntu facts the plan depends on (issue 18)."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from bgplb.bootstrap import BootstrapPlan
from bgplb.bootstrap.releases import release
from bgplb.bootstrap.steps import (
    APT_PREREQUISITES,
    MODULES_FILE,
    SWAPON,
    SYSCTL,
    _installed,
    mkdir_for,
)
from tests.fixtures.ubuntu import captures
from tests.fixtures.ubuntu.plan_commands import APPLIED, lines, plan_for

OSES = list(captures.RELEASES)


def _met(plan: BootstrapPlan, stage: str, os_name: str) -> dict[str, bool]:
    by_name = {c.name: c for c in captures.stage(os_name, stage)}
    return {s.name: s.expect.met(by_name[s.name].stdout, by_name[s.name].rc) for s in plan.steps}


@pytest.mark.parametrize("os_name", OSES)
def test_captures_ran_the_plans_own_commands(os_name: str) -> None:
    # a plan change makes the captures stale: re-record them (capture.sh)
    plan = plan_for(os_name)
    checks = [(s.name, s.check) for s in plan.steps]
    for stage in ("before", "after"):
        assert [(c.name, c.command) for c in captures.stage(os_name, stage)] == checks
    applies = [tuple(x.split("\t", 1)) for x in lines(os_name, "applies")]
    assert [(c.name, c.command) for c in captures.stage(os_name, "apply")] == applies


@pytest.mark.parametrize("os_name", OSES)
def test_fresh_ubuntu_needs_every_step_the_capture_applies(os_name: str) -> None:
    met = _met(plan_for(os_name), "before", os_name)
    # minbase has no curl or gpg (the apt sources' key commands need both), no
    # /etc/modules-load.d, no /etc/sysctl.d/k8s.conf, /swap.img in fstab as the cloud image
    assert {n: met[n] for n in APPLIED if n in met} == {n: False for n in APPLIED if n in met}


@pytest.mark.parametrize("os_name", OSES)
def test_applied_steps_are_done_on_real_ubuntu(os_name: str) -> None:
    applied = captures.stage(os_name, "apply")
    assert [(c.name, c.rc) for c in applied if c.rc != 0] == []
    met = _met(plan_for(os_name), "after", os_name)
    assert {n: met[n] for n in APPLIED if n in met} == {n: True for n in APPLIED if n in met}
    # what the capture could not apply (third-party sources, no init) is still undone
    assert not met["kubernetes-packages"]
    assert not met["kubernetes-hold"]


@pytest.mark.parametrize("os_name", OSES)
def test_keyrings_step_exactly_where_ubuntu_lacks_the_directory(os_name: str) -> None:
    present = captures.fact(os_name, "keyrings-dir").rc == 0
    assert release(os_name).has_keyrings_dir == present
    assert ("apt-keyrings" in [s.name for s in plan_for(os_name).steps]) == (not present)
    assert present == (os_name != "ubuntu-20.04")


@pytest.mark.parametrize("os_name", OSES)
def test_sbin_tools_by_absolute_path(os_name: str) -> None:
    listing = captures.fact(os_name, "sbin-by-path")
    assert listing.rc == 0
    paths = {line.split()[-1] for line in listing.stdout.splitlines()}
    assert {SWAPON, SYSCTL} <= paths
    assert "/sbin -> usr/sbin" in captures.fact(os_name, "sbin-links").stdout
    before = {c.name: c for c in captures.stage(os_name, "before")}
    # found and run (127 would be "command not found")
    assert (before["swap-off"].rc, before["sysctl-live"].rc) == (0, 0)


@pytest.mark.parametrize("os_name", OSES)
def test_prerequisites_are_in_main_and_apt_transport_https_is_not(os_name: str) -> None:
    show = captures.fact(os_name, "apt-transport-https-show").stdout
    assert "\nSection: universe/admin\n" in show
    assert "transitional package" in show
    assert "apt-transport-https" not in APT_PREREQUISITES
    policy = captures.policy_blocks(os_name)
    assert "/universe amd64 Packages" in policy["apt-transport-https"]
    assert "/main amd64 Packages" not in policy["apt-transport-https"]
    for name in APT_PREREQUISITES:
        assert "/main amd64 Packages" in policy[name], name


@pytest.mark.parametrize("os_name", OSES)
def test_dpkg_query_sorts_by_name_and_the_plans_expect_takes_it(os_name: str) -> None:
    cap = captures.fact(os_name, "dpkg-query-order")
    names = [line.split()[0] for line in cap.stdout.splitlines()]
    assert names == ["bash", "coreutils", "sed"]  # asked: sed bash coreutils
    asked = ("sed", "bash", "coreutils")
    assert _installed(asked, dict.fromkeys(asked, r"\S+")).met(cap.stdout, cap.rc)
    held = captures.fact(os_name, "dpkg-query-held")
    assert "bash hold ok installed " in held.stdout
    assert _installed(("sed", "bash"), {"sed": r"\S+", "bash": r"\S+"}).met(held.stdout, held.rc)


@pytest.mark.parametrize("os_name", OSES)
def test_showhold_lists_one_name_per_line(os_name: str) -> None:
    assert (captures.fact(os_name, "showhold-none").stdout, 0) == ("", 0)
    assert captures.fact(os_name, "showhold-two").stdout == "bash\nsed\n"
    hold = next(s for s in plan_for(os_name).steps if s.name == "kubernetes-hold")
    real = captures.fact(os_name, "showhold-two").stdout
    assert not hold.expect.met(real, 0)
    assert hold.expect.met(real + "kubeadm\nkubectl\nkubelet\n", 0)


def _runc_options(dump: dict[str, Any]) -> dict[str, Any]:
    plugins = dump["plugins"]
    if dump["version"] == 2:
        cri = plugins["io.containerd.grpc.v1.cri"]
    else:  # containerd 2.x: version 3, the CRI runtime plugin split out
        cri = plugins["io.containerd.cri.v1.runtime"]
    options: dict[str, Any] = cri["containerd"]["runtimes"]["runc"]["options"]
    return options


@pytest.mark.parametrize(
    ("os_name", "major", "version"), [("ubuntu-22.04", "2.2", 3), ("ubuntu-24.04", "2.2", 3)]
)
def test_containerd_reads_the_plans_config_as_systemd_cgroup(
    os_name: str, major: str, version: int
) -> None:
    # Ubuntu's archive moved 22.04 and 24.04 to containerd 2.2: it migrates the plan's
    # version-2 file to version 3 and keeps SystemdCgroup on runc
    version_line = captures.one(os_name, "post", "containerd-version").stdout
    pattern = rf"containerd github.com/containerd/containerd\S* {major}\.\d+ \n"
    assert re.fullmatch(pattern, version_line)
    dump = captures.one(os_name, "post", "containerd-config-dump")
    assert dump.rc == 0
    parsed = tomllib.loads(dump.stdout)
    assert parsed["version"] == version
    assert _runc_options(parsed)["SystemdCgroup"] is True


@pytest.mark.parametrize("os_name", OSES)
def test_minimal_ubuntu_lacks_modules_load_d_and_the_plan_makes_it(os_name: str) -> None:
    listing = captures.fact(os_name, "modules-load-dir")
    assert listing.rc == 2
    assert "cannot access '/etc/modules-load.d': No such file or directory" in listing.stderr
    persist = next(s for s in plan_for(os_name).steps if s.name == "modules-persist")
    assert persist.apply[0] == mkdir_for(MODULES_FILE)


def test_reference_lab_plan_on_focal_runs_crio_and_legacy_sources() -> None:
    names = [c.name for c in captures.stage("ubuntu-20.04", "before")]
    assert "cri-o-packages" in names
    assert "containerd-packages" not in names
    assert "containerd-packages" in [c.name for c in captures.stage("ubuntu-24.04", "before")]


@pytest.mark.parametrize("os_name", OSES)
def test_apt_key_commands_write_keyrings_gpg_reads(os_name: str) -> None:
    # the plan's key commands, their URL a local copy of Ubuntu's archive key: curl, gpg
    # --dearmor (or the binary key as is) through sudo -n, into /etc/apt/keyrings (which the
    # plan made on 20.04)
    post = captures.stage(os_name, "post")
    keys = [c for c in post if c.name.startswith("apt-source-")]
    assert keys
    assert [(c.command, c.rc) for c in keys if c.rc != 0] == []
    shown = [c for c in post if c.name == "keyring-show"]
    sources = [s for s in plan_for(os_name).steps if s.name.startswith("apt-source-")]
    assert len(shown) == len(sources)
    for c in shown:
        assert c.rc == 0, c.command
        assert "F6ECB3762474EDA9D21B7022871920D1991BC93C" in c.stdout


@pytest.mark.parametrize("os_name", OSES)
def test_fstab_and_hosts_as_the_plan_left_them(os_name: str) -> None:
    fstab = captures.one(os_name, "post", "fstab").stdout
    assert fstab.endswith("#/swap.img\tnone\tswap\tsw\t0\t0\n")
    hosts = captures.one(os_name, "post", "hosts").stdout.splitlines()
    assert hosts[0] == "127.0.1.1 worker01 worker01"
    assert hosts[-1] == "198.18.30.50 k8s-cluster.example.com"
