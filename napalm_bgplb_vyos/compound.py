"""Several commands in one SSH round trip: one bash list line, split back by echo markers.

VyOS's op mode and config mode are both bash, so `A; echo M1; B; echo M2` runs A and B in
order on one line. Each marker is written as `@@bgplb""-end-N@@`: bash prints
`@@bgplb-end-N@@`, which the echo of the typed line can never contain, so the split is exact
even when the echo is not stripped. In config mode op-mode commands are prefixed with `run`
(Linux programs such as vtysh or ip run as typed: `run vtysh` is an invalid op command).
"""

from __future__ import annotations

import re

from bgplb.errors import InputError, ParseError

# First words that are Linux programs on VyOS (not op-mode CLI words).
PROGRAMS = ("vtysh", "ip", "cat", "echo", "awk", "vmstat", "free")
_MARKER = re.compile(r"^@@bgplb-end-(\d+)@@\r?$", re.M)


def is_program(command: str) -> bool:
    words = command.split(maxsplit=1)
    return bool(words) and words[0] in PROGRAMS


def in_config_mode(command: str) -> str:
    """How an op-mode command is typed at the config prompt."""
    return command if is_program(command) else f"run {command}"


def _typed_marker(index: int) -> str:
    return f'echo @@bgplb""-end-{index}@@'


def compound_line(commands: list[str]) -> str:
    """`A; echo M0; B; echo M1`: each command followed by its end marker.

    A command may be a pipeline or hold quoted `;` (bash parses it as typed alone); an
    empty command or one with a line break is refused (it would end the line early).
    """
    if not commands:
        raise InputError("no commands to send")
    for command in commands:
        if not command.strip() or "\n" in command or "\r" in command:
            raise InputError(f"refusing to chain command {command!r}")
    return "; ".join(f"{c}; {_typed_marker(i)}" for i, c in enumerate(commands))


def split_outputs(text: str, commands: list[str]) -> list[str]:
    """The output of each command of compound_line(commands), in order.

    Text before the first command's output (an unstripped echo of the typed line) is
    dropped; a missing, extra or out-of-order marker is a ParseError.
    """
    outputs: list[str] = []
    pos = 0
    found = list(_MARKER.finditer(text))
    indexes = [int(m.group(1)) for m in found]
    if indexes != list(range(len(commands))):
        raise ParseError(
            "; ".join(commands)[:200],
            f"expected {len(commands)} end markers in order, found {indexes}",
            text[-500:],
        )
    for match in found:
        chunk = text[pos : match.start()]
        pos = match.end() + 1
        outputs.append(chunk.removesuffix("\n").removesuffix("\r"))
    if outputs:
        outputs[0] = _drop_echo(outputs[0])
    return outputs


def _drop_echo(first: str) -> str:
    lines = first.split("\n")
    if lines and '@@bgplb""-end-0@@' in lines[0]:
        return "\n".join(lines[1:])
    return first
