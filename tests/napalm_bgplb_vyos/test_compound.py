"""One line, many commands: the bash list the driver sends and how its output is split."""

from __future__ import annotations

import pytest

from bgplb.errors import InputError, ParseError
from napalm_bgplb_vyos.compound import compound_line, in_config_mode, split_outputs

from .fake_netmiko import compound_text


def test_line_and_split_round_trip() -> None:
    commands = ["show version", "cat /proc/uptime | awk '{print $1}'", "ip route get 1.2.3.4"]
    line = compound_line(commands)
    assert line == (
        'show version; echo @@bgplb""-end-0@@; '
        "cat /proc/uptime | awk '{print $1}'; echo @@bgplb\"\"-end-1@@; "
        'ip route get 1.2.3.4; echo @@bgplb""-end-2@@'
    )
    text = compound_text(["Version: VyOS 1.4\n\nCopyright", "12.5", ""])
    assert split_outputs(text, commands) == ["Version: VyOS 1.4\n\nCopyright", "12.5", ""]


def test_an_unstripped_echo_is_dropped_and_never_mistaken_for_a_marker() -> None:
    commands = ["echo a", "echo b"]
    text = compound_line(commands) + "\n" + compound_text(["a", "b"])
    assert split_outputs(text, commands) == ["a", "b"]


def test_missing_or_reordered_markers_are_parse_errors() -> None:
    with pytest.raises(ParseError, match=r"expected 2 end markers in order, found \[0\]"):
        split_outputs(compound_text(["a"]), ["x", "y"])
    with pytest.raises(ParseError, match=r"found \[1, 0\]"):
        split_outputs("@@bgplb-end-1@@\n@@bgplb-end-0@@\n", ["x", "y"])


def test_refusals_and_config_mode_typing() -> None:
    with pytest.raises(InputError):
        compound_line([])
    with pytest.raises(InputError, match="refusing"):
        compound_line(["show version\nreboot"])
    assert in_config_mode("show ip bgp summary") == "run show ip bgp summary"
    assert in_config_mode("vtysh -c 'show bgp summary json'") == "vtysh -c 'show bgp summary json'"
