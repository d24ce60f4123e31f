"""How the probe reaches a client: SSH on a real site, the client's namespace on the twin."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bgplb.model import Site
from tasks import audit_probe
from tasks.audit_gather import GatherOptions, probe_transport
from tasks.audit_probe import LabNetnsConnection, LabShell

from . import replay


def real_site() -> Site:
    return dataclasses.replace(replay.site_for("healthy"), lab=None)


def test_auto_is_lab_on_the_twin_and_ssh_elsewhere() -> None:
    assert probe_transport(replay.site_for("healthy"), GatherOptions()) == "lab"
    assert probe_transport(real_site(), GatherOptions()) == "ssh"
    assert probe_transport(real_site(), GatherOptions(probe_via="lab")) == "lab"
    assert probe_transport(replay.site_for("healthy"), GatherOptions(probe_via="ssh")) == "ssh"


def test_only_lab_namespaces() -> None:
    with pytest.raises(ValueError, match="not bgplab-"):
        LabShell("c01")


def test_a_missing_namespace_is_a_connection_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_probe, "NETNS_DIR", tmp_path)
    conn = LabNetnsConnection()
    with pytest.raises(ConnectionError, match="bgplab-c01 does not exist"):
        conn.open(None, None, None, None, None, extras={"host_name": "c01"})
    (tmp_path / "bgplab-c01").touch()
    conn.open(None, None, None, None, None, extras={"host_name": "c01"})
    assert conn.connection.namespace == "bgplab-c01"
    conn.close()
    with pytest.raises(ConnectionError):
        _ = conn.connection
