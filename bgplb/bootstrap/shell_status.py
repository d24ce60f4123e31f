"""Exit status over an SSH shell that returns output only: a marker line carries `$?` (pure).

The marker is the one bgplb.k8s.kubeadm uses, so one emulated node serves both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bgplb.errors import ParseError

STATUS_MARKER = "BGPLB_EXIT_STATUS="


def with_status(command: str) -> str:
    return f"{command}; echo {STATUS_MARKER}$?"


def split_status(text: str, what: str) -> tuple[str, int]:
    """(output without the marker line, exit status); no marker is a ParseError."""
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        if line.startswith(STATUS_MARKER) and line[len(STATUS_MARKER) :].isdigit():
            return "\n".join(lines[:i]), int(line[len(STATUS_MARKER) :])
    raise ParseError(what, f"no {STATUS_MARKER} line: the command did not finish", text)


# Several read-only checks in one shell line (one round trip): a begin marker, then each
# command followed by a marker line with its index and status. The emulated node and bash both
# run `a; b; c` in order. The line is longer than the terminal is wide (netmiko's 511 columns),
# so its echo comes back wrapped and cannot be matched: it is sent without echo verification
# and everything before the begin marker's output (the echo, however wrapped) is dropped. The
# markers' output carries digits where their echo carries `$?`, so an echo is never taken for
# them.
BEGIN_MARKER = "BGPLB_STEP_BEGIN="
STEP_MARKER = "BGPLB_STEP_STATUS="
MAX_LINE = 3000  # characters per batched line: well under a terminal's 4095-byte line limit
_BEGIN_LINE = re.compile(rf"{BEGIN_MARKER}\d+\s*$")
_STEP_LINE = re.compile(rf"{STEP_MARKER}(\d+):(\d+)\s*$")


def with_statuses(commands: Sequence[str]) -> str:
    """`echo BGPLB_STEP_BEGIN=$?; C0; echo BGPLB_STEP_STATUS=0:$?; C1; ...`"""
    steps = (f"{c}; echo {STEP_MARKER}{i}:$?" for i, c in enumerate(commands))
    return "; ".join([f"echo {BEGIN_MARKER}$?", *steps])


def batches(commands: Sequence[str], limit: int = MAX_LINE) -> list[list[str]]:
    """`commands` in order, grouped so that each group's `with_statuses` line stays within
    `limit` characters (a longer command is a group of its own)."""
    out: list[list[str]] = []
    for command in commands:
        if out and len(with_statuses([*out[-1], command])) <= limit:
            out[-1].append(command)
        else:
            out.append([command])
    return out


def split_statuses(text: str, count: int, what: str) -> list[tuple[str, int]]:
    """[(output, exit status)] of the `count` commands of a `with_statuses` line, in order.
    What precedes the begin marker's output is dropped (the line's echo). Text before a
    marker on its line (output without a final newline) is that command's. A missing,
    repeated or out-of-order marker is a ParseError."""
    results: list[tuple[str, int]] = []
    current: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    begin = next((i for i, line in enumerate(lines) if _BEGIN_LINE.search(line)), None)
    if begin is None:
        raise ParseError(what, f"no {BEGIN_MARKER} line: the commands did not start", text)
    for line in lines[begin + 1 :]:
        found = _STEP_LINE.search(line)
        if found is None:
            current.append(line)
            continue
        index, status = int(found.group(1)), int(found.group(2))
        if index != len(results):
            raise ParseError(what, f"status of command {index} where {len(results)} was due", text)
        prefix = line[: found.start()]
        if prefix.strip():
            current.append(prefix)
        results.append(("\n".join(current).strip("\n"), status))
        current = []
    if len(results) != count:
        raise ParseError(
            what, f"{len(results)} of {count} statuses: the commands did not all finish", text
        )
    return results
