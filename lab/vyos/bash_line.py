"""The bash around VyOS's CLI: `;` lists, `|` pipelines, and the few Linux tools clients use.

VyOS's op mode and config mode are both bash (vbash): `show version; show ip route` runs
both, `cat /proc/uptime | awk '{print $1}'` is a real pipeline (napalm-vyos get_facts sends
it), and plain commands (`echo`, `cat`, `vtysh`, `ip`, `vmstat`, `free`) run as on any Linux.
This module is pure: it splits lines and runs the text-only tools; the shell decides what
every list element does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Commands that are Linux programs (or bash builtins) on VyOS, not CLI words. In config mode
# they run as in op mode; any other unknown first word is `Invalid command` there.
PROGRAMS = ("vtysh", "ip", "echo", "cat", "awk", "vmstat", "free", "true", "false")


class BashSyntaxError(ValueError):
    """An empty list element or pipeline stage: bash's `syntax error near unexpected token`."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


@dataclass(frozen=True)
class Pipeline:
    """One element of a `;` list: its stages, each the raw text of one simple command."""

    stages: tuple[str, ...]


def split_list(line: str) -> list[Pipeline]:
    """`a | b; c` -> [Pipeline((a, b)), Pipeline((c,))], honouring quotes and backslashes.

    Raises BashSyntaxError on an empty list element or pipeline stage (`a | | b`, `; a`),
    ValueError on an unterminated quote (bash: `unexpected EOF while looking for matching
    quote`).
    """
    pipelines: list[Pipeline] = []
    stages: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote is not None:
            current.append(ch)
            if ch == quote:
                quote = None
            elif ch == "\\" and quote == '"' and i + 1 < len(line):
                current.append(line[i + 1])
                i += 1
        elif ch in "'\"":
            quote = ch
            current.append(ch)
        elif ch == "\\" and i + 1 < len(line):
            current.append(ch + line[i + 1])
            i += 1
        elif ch in ";|":
            stage = "".join(current).strip()
            if not stage:
                raise BashSyntaxError(ch)
            stages.append(stage)
            current = []
            if ch == ";":
                pipelines.append(Pipeline(tuple(stages)))
                stages = []
        else:
            current.append(ch)
        i += 1
    if quote is not None:
        raise ValueError("unterminated quote")
    stage = "".join(current).strip()
    if stage:
        stages.append(stage)
    elif stages:  # `a |` at the end of the line
        raise BashSyntaxError("|")
    if stages:
        pipelines.append(Pipeline(tuple(stages)))
    return pipelines


def syntax_error(token: str) -> str:
    """bash's own text for BashSyntaxError."""
    return f"-vbash: syntax error near unexpected token `{token}'\n"


# ---- text tools (stdin -> stdout) ------------------------------------------------------------

_AWK_PRINT = re.compile(r"^\{\s*print\s+(\$\d+(?:\s*,\s*\$\d+)*)\s*;?\s*\}$")


def awk(args: list[str], stdin: str) -> str:
    """`awk '{print $N[, $M ...]}'`: the only awk program the twin's clients use.

    Fields split on runs of blanks as awk's default FS does; `$0` is the whole line.
    """
    match = _AWK_PRINT.match(args[0].strip()) if len(args) == 1 else None
    if match is None:
        program = " ".join(args)
        return f"awk: the twin's router runs only '{{print $N}}' programs, not {program!r}\n"
    indexes = [int(f.strip()[1:]) for f in match.group(1).split(",")]
    out = []
    for line in stdin.splitlines():
        fields = line.split()
        picked = [line if n == 0 else (fields[n - 1] if n <= len(fields) else "") for n in indexes]
        out.append(" ".join(picked))
    return "".join(f"{x}\n" for x in out)


def echo(args: list[str]) -> str:
    if args and args[0] == "-n":
        return " ".join(args[1:])
    return " ".join(args) + "\n"
