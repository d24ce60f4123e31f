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
