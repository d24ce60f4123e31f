"""A VyOS 1.3 (equuleus) router over the CLI: `protocols bgp <ASN> ...` as vyatta-cfg-quagga's
templates define it, vyatta-bgp.pl's checks and vtysh commands, 1.3 texts (transcripts)."""

from __future__ import annotations

from pathlib import Path

from lab.vyos.router_state import RouterState
from lab.vyos.shell import VyosShell

from .conftest import EQUULEUS_13, LTS_14
from .fake_backend import FakeBackend, ManualScheduler

BASE = [
    "set system host-name 'r13'",
    "set system config-management commit-revisions '10'",
    "set interfaces ethernet eth1 address '198.18.30.254/24'",
]


def session(tmp_path: Path) -> tuple[VyosShell, RouterState, FakeBackend]:
    be = FakeBackend()
    state = RouterState(
        EQUULEUS_13,
        "r13",
        tmp_path / "config.boot",
        be,
        initial_commands=BASE,
        scheduler=ManualScheduler(),
    )
    return VyosShell(state), state, be


def test_tag_asn_session_commits_the_quagga_translation(tmp_path: Path) -> None:
    shell, state, be = session(tmp_path)
    assert "VyOS 1.3.8" in shell.handle("show version").output
    assert "Release Train:    equuleus" in shell.handle("show version").output
    shell.handle("configure")
    for line in (
        "set protocols bgp 64501 parameters router-id '198.18.30.254'",
        "set protocols bgp 64501 address-family ipv4-unicast network '198.18.100.0/24'",
        "set protocols bgp 64501 address-family ipv4-unicast maximum-paths ebgp '8'",
        "set protocols bgp 64501 peer-group group01 remote-as '64500'",
        "set protocols bgp 64501 peer-group group01 update-source '198.18.30.254'",
        "set protocols bgp 64501 peer-group group01 address-family ipv4-unicast "
        "soft-reconfiguration inbound",
        "set protocols bgp 64501 neighbor 198.18.30.50 peer-group 'group01'",
        "set protocols bgp 64501 neighbor 198.18.30.50 description 'node one'",
    ):
        assert shell.handle(line).output == "", line
    assert shell.handle("compare").output.startswith("[edit]\n+protocols {\n+    bgp 64501 {\n")
    assert shell.handle("commit").output == ""
    assert be.applied[-1] == (
        "router bgp 64501\n"
        " no bgp ebgp-requires-policy\n"
        " no bgp network import-check\n"
        " bgp router-id 198.18.30.254\n"
        " neighbor group01 peer-group\n"
        " neighbor group01 remote-as 64500\n"
        " neighbor group01 update-source 198.18.30.254\n"
        " neighbor 198.18.30.50 peer-group group01\n"
        " !\n"
        " address-family ipv4 unicast\n"
        "  maximum-paths 8\n"
        "  network 198.18.100.0/24\n"
        "  neighbor group01 activate\n"
        "  neighbor group01 soft-reconfiguration inbound\n"
        " exit-address-family\n"
        "exit\n"
        "!\n"
    )  # 1.3 has no vtysh command for a neighbor's description: it never reaches FRR
    assert "set protocols bgp 64501 neighbor 198.18.30.50 peer-group 'group01'" in (
        shell.handle("run show configuration commands").output
    )
    assert shell.handle("compare").output == (
        "No changes between working and active configurations\n"
    )
    assert shell.handle("save").output == "Saving configuration to '/config/config.boot'...\nDone\n"
    assert "bgp 64501 {" in state.config_boot.read_text()


def test_1_3_refuses_what_its_templates_refuse(tmp_path: Path) -> None:
    shell, _, _ = session(tmp_path)
    shell.handle("configure")
    assert shell.handle("set protocols bgp local-as 64501").output == (
        "\n  Configuration path: protocols bgp local-as [64501] is not valid\n  Set failed\n\n"
    )
    assert shell.handle("set protocols bgp 4294967295").output == (
        "\n  AS number must be between 1 and 4294967294\n  Value validation failed\n"
        "  Set failed\n\n"
    )
    assert shell.handle("set protocols bgp 64501 peer-group group-01").output == (
        "\n  malformed peer-group name group-01\n  Value validation failed\n  Set failed\n\n"
    )
    assert shell.handle("set protocols bgp 64501 neighbor 198.18.0.2 remote-as x").output == (
        "\n  remote-as must be between 1 and 4294967294 or external or internal at "
        "/opt/vyatta/sbin/vyatta-bgp.pl line 1353.\n  Value validation failed\n  Set failed\n\n"
    )
    assert shell.handle("set protocols bgp 64501 timers holdtime 3").output == (
        "\n  hold-time interval must be 0 or between 4 and 65535\n  Value validation failed\n"
        "  Set failed\n\n"
    )
    assert shell.handle("set protocols bgp 64501 timers holdtime abc").output == (
        '\n  "abc" is not a valid value of type "u32"\n  Value validation failed\n  Set failed\n\n'
    )
    assert shell.handle("set protocols bgp 64501 parameters router-id 198.18.0.1").output == ""
    assert shell.handle("set protocols bgp 64502 parameters router-id 198.18.0.1").output == (
        '\n  Cannot set node "64502": number of values exceeds limit(1 allowed)\n  Set failed\n\n'
    )


def test_1_3_commit_checks_print_the_perl_texts(tmp_path: Path) -> None:
    shell, state, _ = session(tmp_path)
    before = state.active.clone()
    shell.handle("configure")
    shell.handle("set protocols bgp 64501 neighbor 198.18.0.2 address-family ipv4-unicast")
    assert shell.handle("commit").output == (
        "[ protocols bgp 64501 ]\n"
        "[ protocols bgp 64501 neighbor 198.18.0.2 ]\n"
        "  must set remote-as or peer-group with remote-as defined\n"
        "\n[[protocols bgp 64501]] failed\nCommit failed\n"
    )
    assert state.active == before
    shell.handle("set protocols bgp 64501 neighbor 198.18.0.2 remote-as 64500")
    shell.handle("set protocols bgp 64501 timers keepalive 10")
    assert shell.handle("commit").output == (
        "[ protocols bgp 64501 timers ]\nyou must set a holdtime interval\n"
        "\n[[protocols bgp 64501 timers]] failed\nCommit failed\n"
    )
    shell.handle("set protocols bgp 64501 timers holdtime 30")
    assert shell.handle("commit").output == ""


def test_1_3_refuses_timers_on_a_neighbor_in_a_peer_group(tmp_path: Path) -> None:
    """vyatta-bgp.pl (equuleus fa7b0412) checkBannedPeerGroupParameters: a neighbor with
    `peer-group` must not have `timers`; the die text verbatim, nothing committed."""
    shell, state, _ = session(tmp_path)
    before = state.active.clone()
    shell.handle("configure")
    for line in (
        "set protocols bgp 64501 peer-group group01 remote-as '64500'",
        "set protocols bgp 64501 neighbor 198.18.30.50 peer-group 'group01'",
        "set protocols bgp 64501 neighbor 198.18.30.50 timers holdtime '12'",
        "set protocols bgp 64501 neighbor 198.18.30.50 timers keepalive '4'",
    ):
        assert shell.handle(line).output == "", line
    assert shell.handle("commit").output == (
        "[ protocols bgp 64501 ]\n"
        "[ protocols bgp 64501 neighbor 198.18.30.50 ]\n"
        "  parameter timers is incompatible with a neighbor in a peer-group\n"
        "\n[[protocols bgp 64501]] failed\nCommit failed\n"
    )
    assert state.active == before
    # the same timers on a neighbor outside any peer-group, or at the `protocols bgp <ASN>`
    # level (FRR `timers bgp`), commit
    shell.handle("delete protocols bgp 64501 neighbor 198.18.30.50 timers")
    shell.handle("set protocols bgp 64501 timers holdtime '12'")
    shell.handle("set protocols bgp 64501 timers keepalive '4'")
    shell.handle("set protocols bgp 64501 neighbor 198.18.30.51 remote-as '64500'")
    shell.handle("set protocols bgp 64501 neighbor 198.18.30.51 timers holdtime '30'")
    shell.handle("set protocols bgp 64501 neighbor 198.18.30.51 timers keepalive '10'")
    assert shell.handle("commit").output == ""
    assert "set protocols bgp 64501 timers holdtime '12'" in (
        shell.handle("run show configuration commands").output
    )


def test_1_4_takes_timers_on_a_neighbor_in_a_peer_group(tmp_path: Path) -> None:
    """The ban is 1.3's Perl only: the same neighbor on a later build commits."""
    be = FakeBackend()
    state = RouterState(
        LTS_14,
        "r14",
        tmp_path / "config.boot",
        be,
        initial_commands=BASE,
        scheduler=ManualScheduler(),
    )
    shell = VyosShell(state)
    shell.handle("configure")
    for line in (
        "set protocols bgp system-as '64501'",
        "set protocols bgp peer-group group01 remote-as '64500'",
        "set protocols bgp peer-group group01 address-family ipv4-unicast",
        "set protocols bgp neighbor 198.18.30.50 peer-group 'group01'",
        "set protocols bgp neighbor 198.18.30.50 address-family ipv4-unicast",
        "set protocols bgp neighbor 198.18.30.50 timers holdtime '12'",
        "set protocols bgp neighbor 198.18.30.50 timers keepalive '4'",
    ):
        assert shell.handle(line).output == "", line
    assert shell.handle("commit").output == ""
    assert " neighbor 198.18.30.50 timers 4 12\n" in be.applied[-1]
