"""Pure helpers for VyOS config-mode text: line checks, compare output, rollback commands."""

from __future__ import annotations

import re

from bgplb.errors import InputError
from bgplb.vyos.paths import parse_show_commands, parse_typed, render_command

# Markers of a rejected `set`/`delete` line (vyos-transcripts.md sections 2 and 3).
LINE_ERRORS = (
    "Set failed",
    "Delete failed",
    "is not valid",
    "Invalid command:",
    "Ambiguous command:",
    "Incomplete command:",
    "Value validation failed",
)
_EDIT_LINE = re.compile(r"^\[edit[^\]]*\]\s*$")
_NO_CHANGES = re.compile(r"^No changes between working and active configurations\.?$")


def candidate_lines(text: str) -> list[str]:
    """The `set`/`delete` lines of a candidate, each proven to be words and nothing else.

    Blank lines and `#` comments are dropped. Every other line is read as bash would read it
    (`parse_typed`, which accepts only quoting that bash reads literally), so what reaches the
    router's shell is a `set`/`delete` of plain words. A line that is anything more
    (`commit`, `save`, `;`, `$(...)`, backquotes, curly-brace config ...) refuses the whole
    candidate before a single line is sent.
    """
    lines: list[str] = []
    bad: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            parse_typed(line)
        except InputError as exc:
            bad.append(str(exc))
        else:
            lines.append(line)
    if bad:
        raise InputError("only plain `set` and `delete` lines can be merged; " + "; ".join(bad[:5]))
    return lines


def line_error(output: str) -> str | None:
    """The first error marker in a `set`/`delete` answer, or None when it was accepted."""
    for marker in LINE_ERRORS:
        if marker in output:
            return marker
    return None


def strip_edit_line(output: str) -> str:
    """Drop the `[edit ...]` line that precedes every config-mode prompt (it is the prompt)."""
    lines = output.rstrip().splitlines()
    if lines and _EDIT_LINE.match(lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)


def compare_diff(output: str) -> str:
    """`compare` output -> diff text; "" when VyOS says there is nothing to compare.

    Works for both styles: `[edit protocols bgp]`/`+line` (<= 2023-01) and
    `[protocols bgp]`/`+ line` (1.4 LTS and later); headers inside the diff are kept.
    """
    text = strip_edit_line(output).strip("\n")
    if not text.strip() or _NO_CHANGES.match(text.strip()):
        return ""
    return text


def rollback_commands(previous: str, current: str) -> list[str]:
    """Commands that turn `current` back into `previous` (`show configuration commands` texts).

    Deletes come first, at the shortest path absent from `previous` (so a neighbour that
    was added is deleted as a whole), then every `set` line of `previous` that is missing.
    """
    prev = parse_show_commands(previous)
    cur = parse_show_commands(current)
    prev_set = set(prev)
    prefixes = {p[:k] for p in prev for k in range(1, len(p) + 1)}
    deletes: list[str] = []
    for words in cur:
        if words in prev_set:
            continue
        for k in range(1, len(words) + 1):
            if words[:k] not in prefixes:
                cmd = render_command("delete", words[:k])
                if cmd not in deletes:
                    deletes.append(cmd)
                break
    cur_set = set(cur)
    sets = [render_command("set", p) for p in prev if p not in cur_set]
    return deletes + sets
