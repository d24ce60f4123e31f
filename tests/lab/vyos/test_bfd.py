"""`protocols bfd` and the neighbor's `bfd` on the emulated VyOS, per build: what upstream's
grammar takes and refuses (its texts), the commit checks, and the FRR (bfdd/bgpd) text."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.vyos.frr_translate import translate
from lab.vyos.router_state import RouterState
from lab.vyos.shell import VyosShell
from lab.vyos.versions import bfd_facts, router_version

from .fake_backend import FakeBackend, ManualScheduler

BASE_14 = [
    "set system host-name 'vyos'",
    "set protocols bgp system-as '64501'",
    "set protocols bgp neighbor 198.18.30.50 remote-as '64500'",
    "set protocols bgp neighbor 198.18.30.50 address-family ipv4-unicast",
]
BASE_2021 = [
    "set system host-name 'vyos'",
    "set protocols bgp local-as '64501'",
    "set protocols bgp neighbor 198.18.30.50 remote-as '64500'",
]
BASE_13 = [
    "set system host-name 'vyos'",
    "set protocols bgp 64501 neighbor 198.18.30.50 remote-as '64500'",
]
BASES = {
    "1.3.8": (BASE_13, "protocols bgp 64501"),
    "1.4-rolling-202105210417": (BASE_2021, "protocols bgp"),
    "1.4.0": (BASE_14, "protocols bgp"),
    "1.5-rolling-202410210000": (BASE_14, "protocols bgp"),
}


def make(tmp_path: Path, version: str) -> tuple[VyosShell, RouterState, FakeBackend]:
    be = FakeBackend()
    state = RouterState(
        router_version(version),
        "vyos",
        tmp_path / "config.boot",
        be,
        60.0,
        initial_commands=BASES[version][0],
        scheduler=ManualScheduler(),
    )
    shell = VyosShell(state)
    shell.handle("configure")
    return shell, state, be


def bfd_lines(bgp: str) -> list[str]:
    return [
        "set protocols bfd peer 198.18.30.50 interval multiplier '3'",
        "set protocols bfd peer 198.18.30.50 interval receive '300'",
        "set protocols bfd peer 198.18.30.50 interval transmit '300'",
        f"set {bgp} neighbor 198.18.30.50 bfd",
    ]


@pytest.mark.parametrize("version", list(BASES))
def test_the_toolkits_bfd_lines_commit_on_every_build(tmp_path: Path, version: str) -> None:
    shell, _, be = make(tmp_path, version)
    for line in bfd_lines(BASES[version][1]):
        assert shell.handle(line).output == "", line
    assert shell.handle("commit").output == ""
    frr = be.applied[-1]
    assert " neighbor 198.18.30.50 bfd\n" in frr
    assert (
        "bfd\n peer 198.18.30.50\n  detect-multiplier 3\n  receive-interval 300\n"
        "  transmit-interval 300\n  no shutdown\n exit\n !\nexit\n!\n"
    ) in frr
    shown = shell.handle("run show configuration commands").output
    for line in bfd_lines(BASES[version][1]):
        assert line in shown


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("set protocols bfd peer 198.18.30.50 interval receive 9", "Invalid value"),
        ("set protocols bfd peer 198.18.30.50 interval transmit 60001", "Invalid value"),
        ("set protocols bfd peer 198.18.30.50 interval multiplier 1", "Invalid value"),
        ("set protocols bfd peer 198.18.30.50 interval multiplier 256", "Invalid value"),
        ("set protocols bfd peer not-an-address interval multiplier 3", "Invalid value"),
    ],
)
def test_values_outside_upstreams_ranges_are_refused_at_set(
    tmp_path: Path, line: str, error: str
) -> None:
    for version in BASES:
        shell, _, _ = make(tmp_path / version, version)
        out = shell.handle(line).output
        assert error in out and "Set failed" in out, (version, out)


def test_1_3_refuses_a_neighbor_bfd_without_its_bfd_peer(tmp_path: Path) -> None:
    """vyatta-bgp.pl check_bfd_peer; the vyos-1x builds take it (bgpd asks bfdd itself)."""
    shell, state, _ = make(tmp_path, "1.3.8")
    before = state.active.clone()
    shell.handle("set protocols bgp 64501 neighbor 198.18.30.50 bfd")
    out = shell.handle("commit").output
    assert "BFD peer need to be configured for using BFD protocol" in out
    assert "[[protocols bgp 64501 neighbor 198.18.30.50 bfd]] failed" in out
    assert state.active == before
    for version in ("1.4-rolling-202105210417", "1.4.0"):
        shell, _, be = make(tmp_path / version, version)
        shell.handle("set protocols bgp neighbor 198.18.30.50 bfd")
        assert shell.handle("commit").output == ""
        assert " neighbor 198.18.30.50 bfd\n" in be.applied[-1]


def test_1_3_refuses_deleting_a_bfd_peer_bgp_still_uses(tmp_path: Path) -> None:
    shell, _, _ = make(tmp_path, "1.3.8")
    for line in bfd_lines("protocols bgp 64501"):
        shell.handle(line)
    assert shell.handle("commit").output == ""
    shell.handle("delete protocols bfd peer 198.18.30.50")
    out = shell.handle("commit").output
    assert "Cannot delete BFD peer 198.18.30.50: it is used in BGP configuration" in out
    # deleting both in one commit (as the toolkit's plan does) passes
    shell.handle("delete protocols bgp 64501 neighbor 198.18.30.50 bfd")
    assert shell.handle("commit").output == ""


def test_profiles_exist_from_2021_and_must_exist_from_t4054(tmp_path: Path) -> None:
    shell, _, _ = make(tmp_path / "13", "1.3.8")
    out = shell.handle("set protocols bfd profile fast interval multiplier 3").output
    assert "is not valid" in out
    shell, _, _ = make(tmp_path / "2021", "1.4-rolling-202105210417")
    shell.handle("set protocols bfd peer 198.18.30.50 profile nosuch")
    assert shell.handle("commit").output == ""  # no existence check before ef2242e8e
    shell, _, _ = make(tmp_path / "14", "1.4.0")
    shell.handle("set protocols bfd peer 198.18.30.50 profile nosuch")
    out = shell.handle("commit").output
    assert 'BFD profile "nosuch" does not exist!' in out
    assert "[[protocols bfd]] failed" in out


def test_neighbor_bfd_profile_only_from_t4058(tmp_path: Path) -> None:
    shell, _, _ = make(tmp_path / "2021", "1.4-rolling-202105210417")
    assert (
        "is not valid"
        in shell.handle("set protocols bgp neighbor 198.18.30.50 bfd profile p").output
    )
    shell, _, be = make(tmp_path / "14", "1.4.0")
    for line in (
        "set protocols bfd profile p interval receive 100",
        "set protocols bgp neighbor 198.18.30.50 bfd profile p",
        "set protocols bgp neighbor 198.18.30.50 bfd check-control-plane-failure",
    ):
        assert shell.handle(line).output == "", line
    assert shell.handle("commit").output == ""
    frr = be.applied[-1]
    assert " neighbor 198.18.30.50 bfd profile p\n" in frr
    assert " neighbor 198.18.30.50 bfd check-control-plane-failure\n" in frr
    assert " profile p\n  detect-multiplier 3\n  receive-interval 100\n" in frr


def test_ipv6_peer_without_a_source_is_refused_at_commit(tmp_path: Path) -> None:
    shell, _, _ = make(tmp_path, "1.4.0")
    shell.handle("set protocols bfd peer 2001:db8::1 interval multiplier 3")
    out = shell.handle("commit").output
    assert "BFD IPv6 peers require explicit local address setting" in out


def test_outside_the_subset_is_refused_at_set(tmp_path: Path) -> None:
    shell, _, _ = make(tmp_path, "1.4.0")
    out = shell.handle("set protocols bfd peer 198.18.30.50 multihop").output
    assert "is not valid" in out


def test_facts_by_build() -> None:
    assert not bfd_facts(router_version("1.3.8")).profiles
    assert bfd_facts(router_version("1.3.8")).bgp_needs_bfd_peer
    f2021 = bfd_facts(router_version("1.4-rolling-202105210417"))
    assert f2021.profiles and not f2021.passive and not f2021.neighbor_profile
    f14 = bfd_facts(router_version("1.4.0"))
    assert f14.passive and f14.profile_must_exist and f14.neighbor_profile


def test_no_bfd_no_bfd_block(tmp_path: Path) -> None:
    _, state, _ = make(tmp_path, "1.4.0")
    assert "bfd" not in translate(state.active, router_version("1.4.0")).frr_config
