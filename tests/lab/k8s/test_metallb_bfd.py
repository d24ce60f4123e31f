"""BFD on the emulated MetalLB speakers (FRR mode), as MetalLB v0.16.1 does it:
internal/config/config.go (bfdProfileFromCR, bfdProfilesFor, peersFor) reads the profiles,
frr-templates/frr.tmpl, bfdprofile.tmpl and neighborsession.tmpl render them."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

from lab.frr_config import BfdProfile, bfd_commands, bfd_profile_lines, neighbor_bfd_lines
from lab.k8s.announcer import RecordingAnnouncer
from lab.k8s.controllers.metallb import _bfd
from lab.k8s.metallb_config import NAMESPACE, bfd_profile_from_cr, from_crds
from lab.k8s.store import Store

ROUTER = IPv4Address("198.18.30.254")


def _obj(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "metallb.io/v1beta1",
        "kind": kind,
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": spec,
    }


def test_the_profile_as_the_bgplb_deploy_writes_it_reaches_the_peer() -> None:
    store = Store()
    store.create(
        ("metallb.io", "bfdprofiles"),
        _obj(
            "BFDProfile",
            "bgplb",
            {"receiveInterval": 300, "transmitInterval": 300, "detectMultiplier": 3},
        ),
    )
    spec = {"peerAddress": str(ROUTER), "peerASN": 64501, "myASN": 64500, "bfdProfile": "bgplb"}
    store.create(("metallb.io", "bgppeers"), _obj("BGPPeer", "vyos", spec))
    cfg = from_crds(store)
    assert not cfg.fatal
    key = ("worker01", str(ROUTER), 64501, 64500)
    want = BfdProfile("bgplb", 300, 300, 3)
    assert _bfd(cfg, key, frr_mode=True) == want
    assert _bfd(cfg, key, frr_mode=False) is None  # native mode has no BFD


def test_a_peer_naming_a_missing_profile_refuses_the_whole_configuration() -> None:
    store = Store()
    spec = {"peerAddress": str(ROUTER), "peerASN": 64501, "myASN": 64500, "bfdProfile": "gone"}
    store.create(("metallb.io", "bgppeers"), _obj("BGPPeer", "vyos", spec))
    cfg = from_crds(store)
    assert cfg.fatal
    assert cfg.errors == ("peer vyos referencing non existing bfd profile gone",)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"detectMultiplier": 1}, "invalid detect multiplier value"),
        ({"receiveInterval": 9}, "invalid receive interval value"),
        ({"transmitInterval": 60001}, "invalid transmit interval value"),
        ({"minimumTtl": 255}, "invalid minimum ttl value"),
    ],
)
def test_out_of_range_profiles_are_refused(spec: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        bfd_profile_from_cr(_obj("BFDProfile", "x", spec))


def test_unset_fields_stay_unset_so_frrs_defaults_apply() -> None:
    p = bfd_profile_from_cr(_obj("BFDProfile", "x", {}))
    assert bfd_profile_lines(p) == ["profile x"]


def test_profile_lines_follow_bfdprofile_tmpl() -> None:
    p = BfdProfile("fast", 100, 200, 5, echo_interval=50, echo_mode=True, passive_mode=True)
    assert bfd_profile_lines(p) == [
        "profile fast",
        "receive-interval 100",
        "transmit-interval 200",
        "detect-multiplier 5",
        "echo-mode",
        "echo receive-interval 50",
        "echo transmit-interval 50",
        "passive-mode",
    ]
    assert neighbor_bfd_lines(ROUTER, "fast") == [
        f" neighbor {ROUTER} bfd",
        f" neighbor {ROUTER} bfd profile fast",
    ]


def test_vtysh_commands_enter_bfd_then_bgp() -> None:
    class Node:
        asn = 64500

    cmds = bfd_commands(Node(), ROUTER, BfdProfile("bgplb", 300, 300, 3))  # type: ignore[arg-type]
    assert cmds == [
        "configure terminal",
        "bfd",
        "profile bgplb",
        "receive-interval 300",
        "transmit-interval 300",
        "detect-multiplier 3",
        "exit",
        "exit",
        "router bgp 64500",
        f"neighbor {ROUTER} bfd",
        f"neighbor {ROUTER} bfd profile bgplb",
    ]
    off = bfd_commands(Node(), ROUTER, None)  # type: ignore[arg-type]
    assert off[-1] == f"no neighbor {ROUTER} bfd"


def test_recording_keeps_the_bfd_profile(tmp_path: Path) -> None:
    rec = RecordingAnnouncer(tmp_path / "a.json")
    rec.peer("worker01", ROUTER, 64501, 64500, bfd=BfdProfile("bgplb"))
    rec.peer("worker02", ROUTER, 64501, 64500)
    assert rec._read()["bfd"] == [["worker01", str(ROUTER), "bgplb"], ["worker02", str(ROUTER)]]
