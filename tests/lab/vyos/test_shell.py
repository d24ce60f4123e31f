"""The interactive CLI driven line by line, as the SSH server and netmiko drive it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from lab.vyos.router_state import RouterState
from lab.vyos.shell import VyosShell
from lab.vyos.versions import router_version

from .conftest import LTS_14, seed_section
from .fake_backend import FakeBackend, ManualScheduler

LTS_BASE = [
    "set system host-name 'vyos'",
    "set system config-management commit-revisions '100'",
    "set protocols bgp system-as '64501'",
]


def make(
    tmp_path: Path,
    version: str = "1.4.0",
    commands: list[str] | None = None,
    backend: FakeBackend | None = None,
    scheduler: ManualScheduler | None = None,
    seconds: float = 60.0,
) -> tuple[VyosShell, RouterState, FakeBackend]:
    be = backend or FakeBackend()
    state = RouterState(
        router_version(version),
        "vyos",
        tmp_path / "config" / "config.boot",
        be,
        seconds,
        initial_commands=LTS_BASE if commands is None else commands,
        scheduler=scheduler or ManualScheduler(),
    )
    return VyosShell(state), state, be


@pytest.fixture
def rolling(tmp_path: Path, seed_commands: str) -> tuple[VyosShell, RouterState, FakeBackend]:
    return make(tmp_path, "1.4-rolling-202105210417", seed_commands.splitlines())


def test_prompts(tmp_path: Path) -> None:
    shell, _, _ = make(tmp_path)
    assert shell.prompt() == "vyos@vyos:~$ "
    assert shell.handle("configure").output == ""
    assert shell.prompt() == "[edit]\nvyos@vyos# "
    assert "#" not in shell.banner()


def test_netmiko_session_sequence_rolling(
    rolling: tuple[VyosShell, RouterState, FakeBackend],
) -> None:
    shell, state, be = rolling
    assert shell.handle("set terminal width 512").output == ""
    assert shell.handle("set terminal length 0").output == ""
    assert shell.handle("configure").output == ""
    assert (
        shell.handle("set protocols bgp neighbor 192.168.30.62 peer-group 'group01'").output == ""
    )
    assert shell.handle("compare").output == (
        "[edit protocols bgp]\n+neighbor 192.168.30.62 {\n+    peer-group group01\n+}\n"
    )
    assert shell.handle("commit").output == ""
    assert "neighbor 192.168.30.62 peer-group group01" in be.applied[-1]
    assert shell.handle("commit").output == "No configuration changes to commit\n"
    assert (
        shell.handle("compare").output == "No changes between working and active configurations\n"
    )
    assert shell.handle("save").output == "Saving configuration to '/config/config.boot'...\nDone\n"
    assert state.config_boot.read_text().startswith("firewall {\n")
    out = shell.handle("exit")
    assert out.output == "exit\n"
    assert shell.prompt() == "vyos@vyos:~$ "


def test_reference_lab_texts(rolling: tuple[VyosShell, RouterState, FakeBackend]) -> None:
    shell, _, _ = rolling
    assert shell.handle("show version").output == seed_section("show version")
    assert shell.handle("show configuration commands").output == seed_section(
        "show configuration commands"
    )


def test_commit_failure_keeps_active(tmp_path: Path) -> None:
    shell, state, be = make(tmp_path)
    before = state.active.clone()
    shell.handle("configure")
    shell.handle("set protocols bgp neighbor 192.0.2.2 address-family ipv4-unicast")
    assert shell.handle("commit").output == (
        '\nNeighbor "192.0.2.2" remote-as must be set!\n\n[[protocols bgp]] failed\nCommit failed\n'
    )
    assert state.active == before
    shell.handle("set protocols bgp neighbor 192.0.2.2 remote-as 64500")
    be.frr_error = "% Unknown command: neighbor"
    out = shell.handle("commit").output
    assert out.endswith("[[protocols bgp]] failed\nCommit failed\n")
    assert "% Unknown command" in out
    assert state.active == before
    assert shell.handle("exit").output == (
        "Cannot exit: configuration modified.\n"
        "Use 'exit discard' to discard the changes and exit.\n"
    )
    assert shell.handle("exit discard").output == "exit\n"


def test_lts_save_prints_nothing_and_exit_warns_when_unsaved(tmp_path: Path) -> None:
    shell, state, _ = make(tmp_path)
    shell.handle("configure")
    shell.handle("set system ip multipath layer4-hashing")
    assert shell.handle("commit").output == ""
    assert state.backend.sysctls["net.ipv4.fib_multipath_hash_policy"] == "1"  # type: ignore[attr-defined]
    assert (
        shell.handle("exit").output == "Warning: configuration changes have not been saved.\nexit\n"
    )
    shell.handle("configure")
    assert shell.handle("save").output == ""
    assert '    host-name "vyos"\n' in state.config_boot.read_text()
    assert shell.handle("exit").output == "exit\n"


def test_warning_on_commit_without_address_family(tmp_path: Path) -> None:
    shell, _, _ = make(tmp_path)
    shell.handle("configure")
    shell.handle("set protocols bgp neighbor 192.0.2.2 remote-as 64500")
    assert shell.handle("commit").output == (
        '\nWARNING: BGP neighbor "192.0.2.2" requires address-family!\n\n'
    )


def test_set_delete_discard_texts(tmp_path: Path) -> None:
    shell, _, _ = make(tmp_path)
    shell.handle("configure")
    assert shell.handle("set protocols bgp local-as 64501").output == (
        "\n  Configuration path: protocols bgp [local-as] is not valid\n  Set failed\n\n"
    )
    assert shell.handle("delete protocols bgp neighbor 192.0.2.9").output == (
        "\n  Nothing to delete (the specified node does not exist)\n\n"
    )
    assert shell.handle("discard").output == "\n  No changes have been discarded\n\n"
    shell.handle("set service ssh")
    assert shell.handle("discard").output == "\n  Changes have been discarded\n\n"
    assert shell.handle("foo").output == "\n  Invalid command: [foo]\n\n"
    assert shell.handle("rollback 1").output == "\n  Invalid command: [rollback 1]\n\n"
    assert shell.handle("commit confirm").output == "Use commit-confirm command\n"
    assert shell.handle("compare").output == (
        "No changes between working and active configurations.\n\n"
    )


def test_config_mode_show(tmp_path: Path) -> None:
    shell, _, _ = make(tmp_path)
    shell.handle("configure")
    shell.handle("set protocols bgp neighbor 192.0.2.2 remote-as 64500")
    assert shell.handle("show protocols bgp").output == (
        "+neighbor 192.0.2.2 {\n+    remote-as 64500\n+}\n system-as 64501\n"
    )
    assert (
        shell.handle("show protocols foo").output == "Specified configuration path is not valid\n"
    )


def test_op_mode_texts(tmp_path: Path) -> None:
    shell, _, be = make(tmp_path)
    assert shell.handle("show foo").output == "\n  Invalid command: show [foo]\n\n"
    assert shell.handle("show ip").output == "\n  Incomplete command: show ip\n\n"
    assert shell.handle("foo").output == "-vbash: foo: command not found\n"
    assert shell.handle("show ip bgp summary json").output == (
        "\n  Invalid command: show ip bgp summary [json]\n\n"
    )
    be.run_output = "IPv4 Unicast Summary (VRF default):\n"
    assert shell.handle("sh ip bgp sum").output == "IPv4 Unicast Summary (VRF default):\n"
    shell.handle("show ip route 192.168.100.10")
    shell.handle("show ip bgp neighbors 192.168.30.50")
    shell.handle("vtysh -c 'show ip bgp summary json'")
    shell.handle("ip r g 192.168.100.10")
    shell.handle("ip -j route show")
    assert be.commands == [
        ["vtysh", "-c", "show ip bgp summary"],
        ["vtysh", "-c", "show ip route 192.168.100.10"],
        ["vtysh", "-c", "show ip bgp neighbors 192.168.30.50"],
        ["vtysh", "-c", "show ip bgp summary json"],
        ["ip", "r", "g", "192.168.100.10"],
        ["ip", "-j", "route", "show"],
    ]
    assert shell.handle("ip link set eth1 down").output == (
        "RTNETLINK answers: Operation not permitted\n"
    )
    assert shell.handle("show arp").output.startswith("Address ")
    assert "#" not in "".join(
        shell.handle(c).output for c in ("show version", "show configuration", "show interfaces")
    )
    reply = shell.handle("exit")
    assert reply.close


def test_show_version_templates(tmp_path: Path) -> None:
    shell, _, _ = make(tmp_path, "1.5-rolling-202410210000")
    out = shell.handle("show version").output
    assert out.startswith(
        "Version:          VyOS 1.5-rolling-202410210000\nRelease train:    circinus\n"
    )
    assert "Secure Boot:      n/a (BIOS)\n" in out
    assert out.endswith("\nCopyright:        VyOS maintainers and contributors\n")


def test_commit_confirm_lts_then_confirm(tmp_path: Path) -> None:
    sched = ManualScheduler()
    shell, state, _ = make(tmp_path, scheduler=sched)
    shell.handle("configure")
    shell.handle("set protocols bgp parameters router-id 192.0.2.1")
    reply = shell.handle("commit-confirm")
    assert reply.expects_answer
    assert reply.output == (
        "\ncommit-confirm will automatically reboot in 10 minutes unless changes\n"
        "are confirmed.\n\nProceed ? [Y/n] "
    )
    assert shell.prompt() == ""
    assert shell.handle("y").output == (
        "Initialized commit-confirm; 10 minutes to confirm before reboot\n"
    )
    assert sched.timers[0].delay == 600.0
    assert shell.handle("confirm").output == "Reboot timer stopped\n"
    assert shell.handle("confirm").output == "No confirm pending\n"
    sched.timers[0].fire()
    assert state.active.value(["protocols", "bgp", "parameters", "router-id"]) == "192.0.2.1"


def test_commit_confirm_old_style_revert(
    rolling: tuple[VyosShell, RouterState, FakeBackend],
) -> None:
    shell, state, be = rolling
    sched = state.scheduler
    assert isinstance(sched, ManualScheduler)
    before = state.active.clone()
    shell.handle("configure")
    shell.handle("delete protocols bgp neighbor 192.168.30.50")
    reply = shell.handle("commit-confirm 2")
    assert reply.output == (
        "commit confirm will be automatically reboot in 2 minutes unless confirmed\n"
        "Proceed? [confirm]"
    )
    assert shell.handle("y").output == ""
    assert not state.active.has(["protocols", "bgp", "neighbor", "192.168.30.50"])
    sched.timers[0].fire()
    assert state.active == before
    assert "neighbor 192.168.30.50 peer-group group01" in be.applied[-1]


def test_commit_confirm_answers(tmp_path: Path) -> None:
    shell, state, _ = make(tmp_path, "1.5-rolling-202410210000")
    shell.handle("configure")
    shell.handle("set service ssh")
    reply = shell.handle("commit-confirm 5")
    assert reply.output == (
        "\ncommit-confirm will automatically reboot in 5 minutes unless changes\n"
        "are confirmed.\nProceed ? [Y/n] "
    )
    again = shell.handle("maybe")
    assert again.expects_answer
    assert again.output.startswith("Please respond with yes/y or no/n\n")
    assert shell.handle("n").output == "commit-confirm canceled\n"
    assert not state.active.has(["service", "ssh"])


def test_commit_confirm_real_timer_reverts(tmp_path: Path) -> None:
    be = FakeBackend()
    state = RouterState(
        LTS_14, "vyos", tmp_path / "config.boot", be, 0.01, initial_commands=LTS_BASE
    )
    shell = VyosShell(state)
    shell.handle("configure")
    shell.handle("set service ssh")
    shell.handle("commit-confirm 1")
    shell.handle("")
    assert state.active.has(["service", "ssh"])
    deadline = time.monotonic() + 2
    while state.active.has(["service", "ssh"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not state.active.has(["service", "ssh"])
    assert threading.active_count() >= 1


def test_config_boot_is_loaded_on_start(tmp_path: Path) -> None:
    shell, state, _ = make(tmp_path)
    shell.handle("configure")
    shell.handle("set service ssh")
    shell.handle("commit")
    shell.handle("save")
    state2 = RouterState(LTS_14, "vyos", state.config_boot, FakeBackend())
    assert state2.active == state.active
    assert state2.apply_active() is None


def test_commit_comment_run_and_json(tmp_path: Path) -> None:
    shell, state, _ = make(tmp_path)
    shell.handle("configure")
    shell.handle("set service ssh")
    assert shell.handle('commit comment "add ssh"').output == ""
    assert state.revisions[0].comment == "add ssh"
    assert shell.handle("run show configuration commands").output == (
        "set protocols bgp system-as '64501'\n"
        "set service ssh\n"
        "set system config-management commit-revisions '100'\n"
        "set system host-name 'vyos'\n"
    )
    assert shell.handle("run vtysh -c 'show run'").output == "\n  Invalid command: [vtysh]\n\n"
    assert shell.handle("run show configuration json").output.startswith(
        '{"protocols":{"bgp":{"system-as":"64501"}},"service":{"ssh":{}}'
    )
