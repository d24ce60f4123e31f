"""The timers an emulated MetalLB speaker asks for, as MetalLB of that version and mode would
(../shared/upstream/README.md: native.go's 90 s default hold; FRR mode's template renders no
timers line when none is set, so FRR's 60/180 apply)."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from lab.k8s.announcer import RecordingAnnouncer
from lab.k8s.controllers.metallb import frr_mode_of
from lab.k8s.metallb_config import Peer, asked_timers, go_duration_s

ROUTER = IPv4Address("198.18.30.254")


def peer(hold: int | None = None, keepalive: int | None = None) -> Peer:
    return Peer("p", ROUTER, 64501, 64500, hold_s=hold, keepalive_s=keepalive)


@pytest.mark.parametrize(
    ("hold", "keepalive", "frr", "want"),
    [
        (None, None, False, (30, 90)),  # native: 90 s when unset
        (None, None, True, None),  # FRR mode: no timers line, FRR's 180 s
        (9, None, False, (3, 9)),  # parseTimers: keepalive = hold / 3
        (9, None, True, (3, 9)),
        (None, 5, True, (5, 15)),  # hold = 3 x keepalive
        (30, 5, True, (5, 30)),
    ],
)
def test_asked_timers(
    hold: int | None, keepalive: int | None, frr: bool, want: tuple[int, int] | None
) -> None:
    assert asked_timers(peer(hold, keepalive), frr) == want


def test_go_durations() -> None:
    assert go_duration_s("90s") == 90
    assert go_duration_s("1m30s") == 90
    assert go_duration_s(None) is None
    with pytest.raises(ValueError, match="invalid duration"):
        go_duration_s("ninety")


def test_frr_mode_is_the_frr_container() -> None:
    def ds(*names: str) -> dict[str, object]:
        return {"spec": {"template": {"spec": {"containers": [{"name": n} for n in names]}}}}

    assert frr_mode_of(ds("speaker", "frr", "reloader", "frr-metrics"))
    assert not frr_mode_of(ds("speaker"))


def test_recording_keeps_the_asked_timers(tmp_path: Path) -> None:
    rec = RecordingAnnouncer(tmp_path / "a.json")
    rec.peer("worker01", ROUTER, 64501, 64500, timers=(30, 90))
    rec.peer("worker02", ROUTER, 64501, 64500)
    assert rec._read()["timers"] == [["worker01", str(ROUTER), 30, 90], ["worker02", str(ROUTER)]]
    rec.unpeer("worker01", ROUTER)
    assert rec._read()["timers"] == [["worker02", str(ROUTER)]]
