"""VyOS `set` command lines as data: parse and render in `show configuration commands` form."""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from bgplb.errors import ParseError

Path = tuple[str, ...]


def parse_commands(text: str) -> list[Path]:
    """`set a b 'c'` lines (as `show configuration commands` prints them) -> paths."""
    paths: list[Path] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            words = shlex.split(stripped)
        except ValueError as exc:
            raise ParseError("VyOS configuration commands", f"line {number}: {exc}", text) from exc
        if words[0] != "set":
            raise ParseError(
                "VyOS configuration commands", f"line {number} is not a set command", text
            )
        paths.append(tuple(words[1:]))
    return paths


def render_set(path: Path, value: str | None = None) -> str:
    """A set line with the value single-quoted, as `show configuration commands` prints it."""
    words = " ".join(path)
    return f"set {words} '{value}'" if value is not None else f"set {words}"


def render_delete(path: Path) -> str:
    return "delete " + " ".join(shlex.quote(word) for word in path)


def under(paths: Iterable[Path], prefix: Path) -> list[Path]:
    n = len(prefix)
    return [p for p in paths if p[:n] == prefix]
