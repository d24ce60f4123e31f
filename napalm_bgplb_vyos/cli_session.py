"""The one SSH session to the router: op mode and config mode, read until the prompt.

netmiko's VyOS driver costs about 2 s per mode check (a newline, then 2 s of silence);
this layer never asks: it tracks the mode itself and every call is one `send_command`
that reads until the prompt of the mode it expects (`user@host:~$ ` in op mode,
`[edit]` + newline + `user@host# ` in config mode). One call = one round trip, and so is
`op_many` / `config_many`: several commands as one bash list line (compound.py).
"""

from __future__ import annotations

import re
from typing import Protocol

from bgplb.errors import DeviceError
from napalm_bgplb_vyos.compound import compound_line, in_config_mode, split_outputs
from napalm_bgplb_vyos.config_text import strip_edit_line

DEFAULT_READ_TIMEOUT = 60.0
COMMIT_READ_TIMEOUT = 300.0


class NetmikoLike(Protocol):
    """The part of netmiko's BaseConnection this driver uses (a fake implements it in tests)."""

    base_prompt: str

    def send_command(
        self,
        command_string: str,
        expect_string: str | None = None,
        read_timeout: float = 10.0,
        strip_prompt: bool = True,
        strip_command: bool = True,
    ) -> str: ...

    def disconnect(self) -> None: ...

    def is_alive(self) -> bool: ...


def op_prompt_pattern(base_prompt: str) -> str:
    return rf"{re.escape(base_prompt)}:[^\r\n]*\$\s*$"


def config_prompt_pattern(base_prompt: str) -> str:
    return rf"\[edit[^\]\r\n]*\][ \t]*\r?\n{re.escape(base_prompt)}#\s*$"


def proceed_pattern() -> str:
    """`Proceed? [confirm]` (1.3 / rolling 2021) and `Proceed ? [Y/n] ` (1.4 LTS, 1.5)."""
    return r"Proceed ?\? \[(?:confirm|Y/n)\]\s*$"


class VyosCli:
    def __init__(self, conn: NetmikoLike) -> None:
        self.conn = conn
        self.in_config = False
        base = conn.base_prompt
        self._op = op_prompt_pattern(base)
        self._cfg = config_prompt_pattern(base)

    @property
    def prompt_host(self) -> str:
        return self.conn.base_prompt.split("@", 1)[-1]

    def op(self, command: str, read_timeout: float = DEFAULT_READ_TIMEOUT) -> str:
        """Run an op-mode command (from config mode via `run`; Linux programs as typed)."""
        if self.in_config:  # without the `[edit]` line of the config prompt
            return strip_edit_line(self.config(in_config_mode(command), read_timeout=read_timeout))
        return self.conn.send_command(command, expect_string=self._op, read_timeout=read_timeout)

    def op_many(self, commands: list[str], read_timeout: float = DEFAULT_READ_TIMEOUT) -> list[str]:
        """Several op-mode commands in one round trip; one output per command, in order."""
        if len(commands) == 1:
            return [self.op(commands[0], read_timeout=read_timeout)]
        typed = [in_config_mode(c) for c in commands] if self.in_config else commands
        line = compound_line(typed)
        if self.in_config:
            text = self.config(line, read_timeout=read_timeout)
        else:
            text = self.conn.send_command(line, expect_string=self._op, read_timeout=read_timeout)
        return split_outputs(text, typed)

    def config_many(
        self, commands: list[str], read_timeout: float = DEFAULT_READ_TIMEOUT
    ) -> list[str]:
        """Several config-mode commands (`set`, `delete` ...) in one round trip."""
        if len(commands) == 1:
            return [self.config(commands[0], read_timeout=read_timeout)]
        line = compound_line(commands)
        return split_outputs(self.config(line, read_timeout=read_timeout), commands)

    def config(
        self, command: str, read_timeout: float = DEFAULT_READ_TIMEOUT, expect: str | None = None
    ) -> str:
        """Run a config-mode command, entering config mode first if needed."""
        self.enter_config()
        return self.conn.send_command(
            command, expect_string=expect or self._cfg, read_timeout=read_timeout
        )

    def enter_config(self) -> None:
        if self.in_config:
            return
        self.conn.send_command(
            "configure", expect_string=self._cfg, read_timeout=DEFAULT_READ_TIMEOUT
        )
        self.in_config = True

    def leave_config(self, discard: bool) -> str:
        """`exit discard` (drop uncommitted changes) or `exit`; back at the op prompt."""
        if not self.in_config:
            return ""
        out = self.conn.send_command(
            "exit discard" if discard else "exit",
            expect_string=f"(?:{self._op})|(?:{self._cfg})",
            read_timeout=DEFAULT_READ_TIMEOUT,
        )
        if "Cannot exit" in out:
            raise DeviceError(f"could not leave config mode: {out.strip()[:200]}")
        self.in_config = False
        return out
