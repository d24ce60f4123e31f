"""The emulator's Ubuntu release data (lab/ubuntu/releases.py, node_state.py) and its tools held
to verbatim outputs of real Ubuntu 20.04, 22.04 and 24.04 userlands (tests/fixtures/ubuntu/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.k8s.kubeadm_cluster import LocalCluster
from lab.node_userland import VOLATILE_NAMES
from lab.ubuntu.node_state import SECURE_PATH, UBUNTU_PATH, NodeStore
from lab.ubuntu.releases import RELEASES
from lab.ubuntu.shell import UbuntuShell
from tests.fixtures.ubuntu import captures

OSES = list(captures.RELEASES)


def _shell(tmp_path: Path, os_name: str) -> UbuntuShell:
    store = NodeStore(tmp_path / "worker01.json", "worker01", os_name)
    return UbuntuShell(store, LocalCluster(tmp_path / "cluster.json"), "198.18.30.60")


@pytest.mark.parametrize("os_name", OSES)
def test_os_release_fields(os_name: str) -> None:
    real = captures.os_release(os_name)
    emulated = captures.parse_os_release(RELEASES[os_name].files["/etc/os-release"])
    keys = ("NAME", "ID", "VERSION_ID", "VERSION_CODENAME")
    assert {k: emulated[k] for k in keys} == {k: real[k] for k in keys}


@pytest.mark.parametrize("os_name", OSES)
def test_keyrings_directory(os_name: str) -> None:
    present = captures.fact(os_name, "keyrings-dir").rc == 0
    assert ("/etc/apt/keyrings" in RELEASES[os_name].dirs) == present


@pytest.mark.parametrize("os_name", OSES)
def test_archive_versions_of_containerd_and_runc(os_name: str) -> None:
    real = captures.candidates(os_name)
    assert RELEASES[os_name].archive == {n: real[n] for n in ("containerd", "runc")}


@pytest.mark.parametrize("os_name", OSES)
def test_login_path(os_name: str) -> None:
    real = captures.fact(os_name, "path").stdout.strip()
    assert f'PATH="{real}"' in captures.fact(os_name, "etc-environment").stdout
    # /snap/bin: 22.04's and 24.04's /etc/environment; on 20.04 snapd's profile.d adds it
    # (cloud images have snapd, minbase has not)
    assert real.removesuffix(":/snap/bin") == UBUNTU_PATH.removesuffix(":/snap/bin")


@pytest.mark.parametrize("os_name", OSES)
def test_sudo_secure_path(os_name: str) -> None:
    assert captures.fact(os_name, "sudo-secure-path").stdout == SECURE_PATH + "\n"


@pytest.mark.parametrize("os_name", OSES)
def test_dpkg_query_like_ubuntu(tmp_path: Path, os_name: str) -> None:
    sh = _shell(tmp_path, os_name)
    for name in ("dpkg-query-order", "dpkg-query-missing"):
        real = captures.fact(os_name, name)
        reply = sh.handle(real.command)
        got = [line.split()[:4] for line in reply.output.splitlines()]
        want = [line.split()[:4] for line in (real.stdout + real.stderr).splitlines()]
        assert (got, reply.status) == (want, real.rc), name


@pytest.mark.parametrize("os_name", OSES)
def test_apt_mark_hold_and_showhold_like_ubuntu(tmp_path: Path, os_name: str) -> None:
    sh = _shell(tmp_path, os_name)
    for name in ("showhold-none", "hold-sed-bash", "showhold-two", "unhold-sed-bash"):
        real = captures.fact(os_name, name)
        reply = sh.handle(real.command)
        assert (reply.output, reply.status) == (real.stdout + real.stderr, real.rc), name


@pytest.mark.parametrize("os_name", OSES)
def test_sudo_leaves_a_file_the_node_comparison_ignores(os_name: str) -> None:
    # Ubuntu's sudo writes it for a member of group sudo (as Debian's does on the twin)
    home = captures.one(os_name, "post", "home").stdout.splitlines()
    assert ".sudo_as_admin_successful" in home
    assert ".sudo_as_admin_successful" in VOLATILE_NAMES
