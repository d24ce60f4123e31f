"""Pure helpers for VyOS config-mode text: line checks, compare output, rollback commands."""

from __future__ import annotations

import re
import shlex

from bgplb.errors import InputError
from napalm_bgplb_vyos.parse_version import config_words

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
_ALLOWED_VERBS = ("set", "delete")


def candidate_lines(text: str) -> list[str]:
    """The `set`/`delete` lines of a candidate; blank lines and `#` comments are dropped.

    Anything else (`commit`, `save`, shell commands, curly-brace config) is refused before
    a single line reaches the device.
    """
    lines: list[str] = []
    bad: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.split()[0] not in _ALLOWED_VERBS:
            bad.append(line)
        else:
            lines.append(line)
    if bad:
        raise InputError(
            "only `set` and `delete` lines can be merged; refused: " + "; ".join(bad[:5])
        )
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


def _path_words(line: str) -> list[str]:
    words = config_words(line)
    if not words or words[0] != "set":
        raise InputError(f"not a `set` line: {line!r}")
    return words[1:]


def rollback_commands(previous: str, current: str) -> list[str]:
    """Commands that turn `current` back into `previous` (`show configuration commands` texts).

    Deletes come first, at the shortest path absent from `previous` (so a neighbour that
    was added is deleted as a whole), then every `set` line of `previous` that is missing.
    """
    prev = [_path_words(x) for x in previous.splitlines() if x.startswith("set ")]
    cur_lines = [x for x in current.splitlines() if x.startswith("set ")]
    prev_set = {tuple(p) for p in prev}
    prefixes = {tuple(p[:k]) for p in prev for k in range(1, len(p) + 1)}
    deletes: list[str] = []
    for line in cur_lines:
        words = _path_words(line)
        if tuple(words) in prev_set:
            continue
        for k in range(1, len(words) + 1):
            if tuple(words[:k]) not in prefixes:
                cmd = "delete " + shlex.join(words[:k])
                if cmd not in deletes:
                    deletes.append(cmd)
                break
    cur_set = {tuple(_path_words(x)) for x in cur_lines}
    sets = ["set " + shlex.join(p) for p in prev if tuple(p) not in cur_set]
    return deletes + sets
