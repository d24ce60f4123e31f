"""A netmiko stand-in that replays recorded VyOS answers and counts round trips.

Each step is (command the driver must send, raw device text after the echo, ending with the
prompt). Like netmiko's send_command, the fake requires `expect_string` to match the end of
that text (so the driver's prompt patterns are checked against real prompts) and, with
strip_prompt, drops the last line (when it holds the base prompt; `[edit]` stays, as with netmiko).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

OP_PROMPT = "vyos@vyos:~$ "
CONFIG_PROMPT = "[edit]\nvyos@vyos# "


def op_reply(output: str) -> str:
    """Op-mode output as the device prints it: the text, then the op prompt."""
    return output.rstrip("\n") + "\n" + OP_PROMPT if output else OP_PROMPT


def config_reply(output: str) -> str:
    """Config-mode output: the text, then `[edit]` and the config prompt."""
    return output + CONFIG_PROMPT


@dataclass
class FakeNetmiko:
    steps: list[tuple[str, str]]
    base_prompt: str = "vyos@vyos"
    calls: Counter[str] = field(default_factory=Counter)
    sent: list[str] = field(default_factory=list)
    connect_kwargs: dict[str, Any] = field(default_factory=dict)
    alive: bool = True

    def send_command(
        self,
        command_string: str,
        expect_string: str | None = None,
        read_timeout: float = 10.0,
        strip_prompt: bool = True,
        strip_command: bool = True,
    ) -> str:
        self.calls["send_command"] += 1
        self.sent.append(command_string)
        assert self.steps, f"unexpected command {command_string!r}: script exhausted"
        expected, raw = self.steps.pop(0)
        assert command_string == expected, f"sent {command_string!r}, script expects {expected!r}"
        assert expect_string is not None, f"{command_string!r} sent without an expect_string"
        assert re.search(expect_string, raw), (
            f"pattern {expect_string!r} never matches the answer to {command_string!r}"
        )
        lines = raw.split("\n")
        if strip_prompt and self.base_prompt in lines[-1]:  # netmiko's strip_prompt rule
            return "\n".join(lines[:-1])
        return raw

    def write_channel(self, out_data: str) -> None:
        self.calls["write_channel"] += 1
        raise AssertionError(f"driver wrote raw channel data {out_data!r}")

    def disconnect(self) -> None:
        self.calls["disconnect"] += 1
        self.alive = False

    def is_alive(self) -> bool:
        return self.alive

    @property
    def round_trips(self) -> int:
        return self.calls["send_command"] + self.calls["write_channel"]


def compound_text(outputs: list[str]) -> str:
    """What bash prints for compound_line(commands): each output, then its end marker."""
    return "".join(
        (out.rstrip("\n") + "\n" if out else "") + f"@@bgplb-end-{i}@@\n"
        for i, out in enumerate(outputs)
    )
