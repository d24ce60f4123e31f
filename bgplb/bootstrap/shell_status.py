"""Exit status over an SSH shell that returns output only: a marker line carries `$?` (pure).

The marker is the one bgplb.k8s.kubeadm uses, so one emulated node serves both.
"""

from __future__ import annotations

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
