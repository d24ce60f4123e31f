"""The product's rendered router configuration (tests/vyos/golden/*) commits on the emulated
build it is for: the grammar (`make conformance`) is not enough, a build's commit-time checks
refuse more (1.3: vyatta-bgp.pl checkBannedPeerGroupParameters, no timers on a neighbor in a
peer-group)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.vyos.router_state import RouterState
from lab.vyos.shell import VyosShell
from lab.vyos.versions import router_version

from .fake_backend import FakeBackend, ManualScheduler

GOLDEN = Path(__file__).parents[2] / "vyos" / "golden"
# golden file stem (bgp-<dialect>, bgp-bfd-<dialect>) -> the build the golden is rendered for
# (tests/vyos/test_bgp_config.py); 1.4-rolling-tag-asn (before 2021-03-29) is not emulated:
# lab/vyos/versions.py refuses it, so its goldens are checked by the grammar only.
BUILDS = {
    "1.3": "1.3.8",
    "1.4-rolling-2021": "1.4-rolling-202105210417",
    "1.4-rolling-2021-af": "1.4-rolling-202201100117",
    "1.4-rolling-2022": "1.4-rolling-202208150117",
    "1.4-lts": "1.4.3",
    "1.5": "1.5-rolling-202410210000",
}
GOLDENS = sorted(
    (path.name, BUILDS[dialect])
    for path in GOLDEN.glob("*.txt")
    if (dialect := path.stem.removeprefix("bgp-").removeprefix("bfd-")) in BUILDS
)


def _configure(version: str, tmp_path: Path) -> tuple[VyosShell, RouterState]:
    state = RouterState(
        router_version(version),
        "r",
        tmp_path / "config.boot",
        FakeBackend(),
        initial_commands=[
            "set system host-name 'r'",
            "set interfaces ethernet eth1 address '198.18.30.254/24'",
        ],
        scheduler=ManualScheduler(),
    )
    shell = VyosShell(state)
    shell.handle("configure")
    return shell, state


def test_every_emulated_dialect_has_goldens() -> None:
    assert {version for _, version in GOLDENS} == set(BUILDS.values())
    assert len(GOLDENS) == 2 * len(BUILDS)


@pytest.mark.parametrize(("golden", "version"), GOLDENS)
def test_the_rendering_commits_on_its_build(golden: str, version: str, tmp_path: Path) -> None:
    shell, state = _configure(version, tmp_path)
    for line in (GOLDEN / golden).read_text().splitlines():
        assert shell.handle(line).output == "", line
    assert shell.handle("commit").output == ""
    assert "protocols bgp" in shell.handle("run show configuration commands").output
    if version != "1.3.8":
        return
    # what the renderer put on 1.3 before: the group's timers on a member; refused
    before = state.active.clone()
    shell.handle("set protocols bgp 64501 neighbor 192.168.30.60 timers holdtime '30'")
    shell.handle("set protocols bgp 64501 neighbor 192.168.30.60 timers keepalive '10'")
    assert shell.handle("commit").output == (
        "[ protocols bgp 64501 ]\n"
        "[ protocols bgp 64501 neighbor 192.168.30.60 ]\n"
        "  parameter timers is incompatible with a neighbor in a peer-group\n"
        "\n[[protocols bgp 64501]] failed\nCommit failed\n"
    )
    assert state.active == before
