"""Split the output of one `vtysh -c A -c B ...` invocation into one JSON document per command.

vtysh prints each command's JSON one after the other with nothing in between, so a single
SSH round trip can carry several answers. Anything that is not JSON (an FRR error such as
`% Unknown command`, a VyOS `Invalid command`) is a ParseError naming the command.
"""

from __future__ import annotations

import json
from typing import Any

from bgplb.errors import ParseError

_DECODER = json.JSONDecoder()


def split_json_documents(text: str, commands: list[str]) -> list[Any]:
    """Return one decoded JSON value per command, in order; raise ParseError otherwise."""
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
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ParseError(command, f"not JSON at offset {pos}: {exc.msg}", text[pos:]) from exc
        docs.append(value)
    rest = text[pos:].strip()
    if rest:
        raise ParseError(commands[-1], "unexpected text after the last JSON document", rest)
    return docs


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
