"""The twin's stand-in packages and signed repositories (lab/apt_repo.py), without root."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bgplb.errors import LabError
from lab import apt_repo


def test_stand_in_deb_has_real_name_version_and_stanza(tmp_path: Path) -> None:
    deb = apt_repo.build_deb("conmon", "100:2.1.2~0", tmp_path)
    assert deb.name == "conmon_2.1.2~0_amd64.deb"  # the epoch is not in the file name
    stanza = apt_repo.packages_stanza(deb, "pool/" + deb.name)
    fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line)
    assert (fields["Package"], fields["Version"]) == ("conmon", "100:2.1.2~0")
    assert fields["Filename"] == "pool/conmon_2.1.2~0_amd64.deb"
    assert fields["SHA256"] == hashlib.sha256(deb.read_bytes()).hexdigest()
    assert int(fields["Size"]) == deb.stat().st_size


def test_release_hashes_its_index_and_names_the_suite() -> None:
    text = apt_repo.release_text(
        {"main/binary-amd64/Packages": b"Package: x\n"}, "kubernetes-xenial"
    )
    digest = hashlib.sha256(b"Package: x\n").hexdigest()
    assert f" {digest} 11 main/binary-amd64/Packages" in text
    assert "Suite: kubernetes-xenial" in text and "Components: main" in text
    flat = apt_repo.release_text({"Packages": b""}, None)
    assert "Suite:" not in flat and "Date: " in flat


def test_sources_follow_what_upstream_publishes() -> None:
    (legacy,) = apt_repo.sources_for(["https://apt.kubernetes.io/"], {"kubelet": ["1.21.1-00"]})
    assert legacy.suite == "kubernetes-xenial"
    assert legacy.packages["kubelet"] == ["1.21.1-00"]
    with pytest.raises(LabError, match=r"v1\.21"):  # pkgs.k8s.io starts at v1.24
        apt_repo.sources_for(["https://pkgs.k8s.io/core:/stable:/v1.21/deb/"])


def test_server_serves_only_upstream_hosts_inside_its_tree(tmp_path: Path) -> None:
    handler = apt_repo._Handler.__new__(apt_repo._Handler)
    handler.served = tmp_path
    handler.headers = {"Host": "pkgs.k8s.io"}  # type: ignore[assignment]
    assert handler.translate_path("/core:/stable:/v1.30/deb/InRelease") == str(
        (tmp_path / "pkgs.k8s.io/core:/stable:/v1.30/deb/InRelease").resolve()
    )
    assert handler.translate_path("/../../etc/passwd").endswith("nonexistent")
    handler.headers = {"Host": "example.com"}  # type: ignore[assignment]
    assert handler.translate_path("/x").endswith("nonexistent")


def _control(deb: Path) -> dict[str, str]:
    text = apt_repo._run(["dpkg-deb", "-f", str(deb)]).decode()
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def test_stand_ins_declare_the_real_packages_dependencies(tmp_path: Path) -> None:
    kubelet = _control(apt_repo.build_deb("kubelet", "1.21.1-00", tmp_path))
    deps = {d.split()[0] for d in kubelet["Depends"].split(", ")}
    assert {"conntrack", "socat", "ebtables", "ethtool", "iptables", "kubernetes-cni"} <= deps
    kubeadm = _control(apt_repo.build_deb("kubeadm", "1.33.1-1.1", tmp_path))
    assert kubeadm["Depends"].startswith("kubelet (>= 1.19.0), kubectl")
    kubic = _control(apt_repo.build_deb("cri-o", "1.21.0~2", tmp_path))
    assert kubic["Depends"] == "conmon, cri-o-runc | runc (>= 1.0.0)"
    isv = _control(apt_repo.build_deb("cri-o", "1.33.0-1.1", tmp_path))
    assert "Depends" not in isv  # isv:/cri-o bundles conmon and its runtime
    assert (
        _control(apt_repo.build_deb("containerd", "1.7.27-0ubuntu1~24.04.1", tmp_path))["Depends"]
        == "runc (>= 1.1.0)"
    )


def test_site_bases_are_the_repositories_upstream_publishes_for_the_minor() -> None:
    legacy = apt_repo.site_bases("1.21", ["20.04"])
    assert legacy[0] == "https://apt.kubernetes.io/"
    assert not any("pkgs.k8s.io" in b or "isv:" in b for b in legacy)  # none for 1.21
    assert any(b.endswith(":/cri-o:/1.21/xUbuntu_20.04/") for b in legacy)
    current = apt_repo.site_bases("1.33", ["24.04"])
    assert "https://pkgs.k8s.io/core:/stable:/v1.33/deb/" in current
    assert not any("kubic" in b for b in current)  # kubic never built 24.04


def test_the_stand_in_kubeadm_is_a_bash_script_that_calls_the_twin(tmp_path: Path) -> None:
    script = apt_repo.kubeadm_script("1.21.1-00")
    assert "https://twin.bgplab.invalid/kubeadm" in script and "V=1.21.1-00" in script
    path = tmp_path / "kubeadm"
    path.write_text(script)
    assert apt_repo._run(["bash", "-n", str(path)]) == b""  # parses
    # `version` needs no cluster: answered by the script itself, from its package's version
    assert apt_repo._run(["bash", str(path), "version", "-o", "short"]) == b"v1.21.1\n"
    long = apt_repo._run(["bash", str(path), "version"]).decode()
    assert long == 'kubeadm version: &version.Info{Major:"1", GitVersion:"v1.21.1"}\n'
