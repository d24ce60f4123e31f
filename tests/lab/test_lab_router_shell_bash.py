"""The emulated VyOS shell is bash: `;` lists, pipelines, and the Linux tools clients send
(napalm-vyos get_facts' `cat /proc/uptime | awk '{print $1}'`, vtysh with several -c).
Pure: a recording backend, no namespace, no root."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.vyos.bash_line import BashSyntaxError, Pipeline, awk, split_list
from lab.vyos.router_state import RouterState
from lab.vyos.shell import VyosShell
from lab.vyos.versions import router_version
from tests.lab.vyos.fake_backend import FakeBackend, ManualScheduler

BASE = ["set system host-name 'vyos'", "set protocols bgp local-as '64501'"]


def shell(tmp_path: Path, run_output: str = "") -> tuple[VyosShell, FakeBackend]:
    backend = FakeBackend(run_output=run_output)
    state = RouterState(
        router_version("1.4-rolling-202105210417"),
        "vyos",
        tmp_path / "config.boot",
        backend,
        initial_commands=BASE,
        scheduler=ManualScheduler(),
    )
    return VyosShell(state), backend


def test_split_list_honours_quotes_and_backslashes() -> None:
    assert split_list("a | b 'x;y|z'; c \\; d;") == [
        Pipeline(("a", "b 'x;y|z'")),
        Pipeline(("c \\; d",)),
    ]
    assert split_list("   ") == []
    for bad in ("; a", "a | | b", "a |", "a;;b"):
        with pytest.raises(BashSyntaxError):
            split_list(bad)
    with pytest.raises(ValueError, match="unterminated quote"):
        split_list("echo 'open")


def test_awk_prints_fields_as_awk_does() -> None:
    assert awk(["{print $1}"], "1234.56 9999.00\n") == "1234.56\n"
    assert awk(["{ print $2, $1 }"], "a  b\nc\n") == "b a\n c\n"
    assert "only '{print $N}'" in awk(["/x/ {print}"], "x\n")


def test_napalm_vyos_uptime_pipeline(tmp_path: Path) -> None:
    sh, backend = shell(tmp_path, run_output="86520.41 340012.93\n")
    assert sh.handle("cat /proc/uptime | awk '{print $1}'").output == "86520.41\n"
    assert backend.commands == [["cat", "/proc/uptime"]]


def test_list_runs_every_element_in_order_and_errors_do_not_stop_it(tmp_path: Path) -> None:
    sh, backend = shell(tmp_path, run_output="{}\n")
    out = sh.handle("vtysh -c 'show ip bgp summary json'; echo @@m\"\"1@@; show foo; echo end")
    assert out.output == "{}\n@@m1@@\n\n  Invalid command: show [foo]\n\nend\n"
    assert backend.commands == [["vtysh", "-c", "show ip bgp summary json"]]


def test_vtysh_with_several_commands_is_one_invocation(tmp_path: Path) -> None:
    sh, backend = shell(tmp_path, run_output="{}\n{}\n")
    assert sh.handle("vtysh -c 'show ip route json' -c 'show bgp summary json'").output == (
        "{}\n{}\n"
    )
    assert backend.commands == [
        ["vtysh", "-c", "show ip route json", "-c", "show bgp summary json"]
    ]


def test_config_mode_lists_run_show_version_and_programs(tmp_path: Path) -> None:
    sh, _ = shell(tmp_path)
    sh.handle("configure")
    out = sh.handle(
        "set protocols bgp neighbor 198.18.30.50 remote-as '64500'; "
        "set protocols bgp parameters router-id '198.18.30.254'; echo done"
    )
    assert out.output == "done\n"
    assert "[edit protocols bgp]\n+neighbor 198.18.30.50 {\n" in sh.handle("compare").output
    assert "Version:          VyOS 1.4-rolling-202105210417" in (
        sh.handle("run show version").output
    )
    assert sh.handle("run vtysh -c 'show version'").output == "\n  Invalid command: [vtysh]\n\n"
    assert sh.handle("frobnicate").output == "\n  Invalid command: [frobnicate]\n\n"


def test_a_refused_element_does_not_hide_the_others(tmp_path: Path) -> None:
    sh, _ = shell(tmp_path)
    sh.handle("configure")
    out = sh.handle("set protocols bgp system-as 64501; set system host-name 'r2'").output
    assert "Configuration path: protocols bgp [system-as] is not valid" in out
    assert "Set failed" in out
    assert "[edit system]\n>host-name r2" in sh.handle("compare").output


def test_unknown_files_and_programs_are_errors_not_silence(tmp_path: Path) -> None:
    sh, _ = shell(tmp_path)
    assert sh.handle("cat /etc/shadow").output == "cat: /etc/shadow: No such file or directory\n"
    assert sh.handle("rm -rf /").output == "-vbash: rm: command not found\n"
    assert sh.handle("cat /config/config.boot").output.startswith("cat: ")
    sh.handle("configure")
    sh.handle("save")
    assert "local-as 64501" in sh.handle("cat /config/config.boot").output
