"""netmiko's VyOS connection without its fixed silence waits at login.

netmiko's `VyOSSSH.session_preparation` sleeps 1 s, then reads until 2 s of silence
(`_test_channel_read`), then sleeps 0.3 s: about 2.5 s per login against a router that
answers at once. This subclass reads until the op-mode prompt instead; everything else
(`set terminal width 512`, `set terminal length 0`, base prompt) is netmiko's own.
"""

from __future__ import annotations

from typing import Any

from netmiko.vyos.vyos_ssh import VyOSSSH

# `user@host:~$ ` (the working directory may differ): the end of the login banner.
LOGIN_PROMPT = r"[\w.-]+@[\w.-]+:[^\r\n]*\$\s*$"


class FastVyosSSH(VyOSSSH):
    def session_preparation(self) -> None:
        self._test_channel_read(pattern=LOGIN_PROMPT)
        self.set_base_prompt()
        self.set_terminal_width(command="set terminal width 512", pattern="terminal")
        self.disable_paging(command="set terminal length 0")


def connect_vyos(**kwargs: Any) -> FastVyosSSH:
    """ConnectHandler(device_type="vyos", ...) with the fast login."""
    kwargs.setdefault("device_type", "vyos")
    return FastVyosSSH(**kwargs)
