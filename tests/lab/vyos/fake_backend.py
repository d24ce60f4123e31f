"""A RouterBackend that records what the emulator asked for, with canned answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class FakeBackend:
    frr_error: str | None = None
    run_output: str = ""
    applied: list[str] = field(default_factory=list)
    sysctls: dict[str, str] = field(default_factory=dict)
    commands: list[list[str]] = field(default_factory=list)

    def run(self, argv: list[str]) -> tuple[str, int]:
        self.commands.append(list(argv))
        return self.run_output, 0

    def apply_frr(self, frr_config: str) -> str | None:
        if self.frr_error:
            return self.frr_error
        self.applied.append(frr_config)
        return None

    def set_sysctl(self, key: str, value: str) -> None:
        self.sysctls[key] = value

    def show_arp(self) -> str:
        return "Address                  HWtype  HWaddress           Flags Mask            Iface\n"

    def show_interfaces(self) -> str:
        return "Codes: S - State, L - Link, u - Up, D - Down, A - Admin Down\n"


@dataclass
class ManualTimer:
    delay: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True

    def fire(self) -> None:
        if not self.cancelled:
            self.callback()


@dataclass
class ManualScheduler:
    """Scheduler whose timers fire only when a test says so."""

    timers: list[ManualTimer] = field(default_factory=list)

    def __call__(self, delay: float, callback: Callable[[], None]) -> ManualTimer:
        timer = ManualTimer(delay, callback)
        self.timers.append(timer)
        return timer
