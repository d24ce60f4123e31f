"""Split the output of one `vtysh -c A -c B ...` invocation into one JSON document per command.

vtysh prints each command's JSON one after the other with nothing in between, so a single
SSH round trip can carry several answers. vtysh stops at a command FRR refuses (`% Unknown
command: ...`): split_answers returns the answers before it and names it; for
split_json_documents, as for anything else that is not JSON (a VyOS `Invalid command`), that
is a ParseError naming the command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bgplb.errors import ParseError

_DECODER = json.JSONDecoder()


FRR_REFUSAL = "% "  # vtysh's own errors: `% Unknown command: ...`, `% Command incomplete ...`


@dataclass(frozen=True)
class VtyshAnswers:
    """The JSON documents vtysh printed, in command order, up to a command FRR refused.

    vtysh stops at the first command it refuses, printing FRR's message (`% Unknown command:
    ...`) where that command's JSON would be.
    """

    docs: list[Any]
    refused: str | None = None  # the refused command; None when every command answered
    refusal: str = ""  # FRR's message for it


def split_answers(text: str, commands: list[str]) -> VtyshAnswers:
    """One decoded JSON value per command, or the documents before FRR's refusal of one."""
    docs: list[Any] = []
    pos = 0
    length = len(text)
    for command in commands:
        while pos < length and text[pos].isspace():
            pos += 1
        if pos >= length:
            raise ParseError(
                command,
                f"vtysh printed {len(docs)} JSON documents for {len(commands)} commands",
                text,
            )
        if text.startswith(FRR_REFUSAL, pos):
            return VtyshAnswers(docs, command, text[pos:].strip())
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ParseError(command, f"not JSON at offset {pos}: {exc.msg}", text[pos:]) from exc
        docs.append(value)
    rest = text[pos:].strip()
    if rest:
        raise ParseError(commands[-1], "unexpected text after the last JSON document", rest)
    return VtyshAnswers(docs)


def split_json_documents(text: str, commands: list[str]) -> list[Any]:
    """Return one decoded JSON value per command, in order; raise ParseError otherwise."""
    answers = split_answers(text, commands)
    if answers.refused is not None:
        raise ParseError(answers.refused, "FRR refused the command", answers.refusal)
    return answers.docs


def require_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParseError(what, f"expected a JSON object, got {type(value).__name__}", str(value))
    return value


def require_int(obj: dict[str, Any], key: str, what: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParseError(what, f"field {key!r} missing or not an integer (got {value!r})")
    return value


def require_str(obj: dict[str, Any], key: str, what: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise ParseError(what, f"field {key!r} missing or not a string (got {value!r})")
    return value
