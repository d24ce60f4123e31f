"""Render a config tree as VyOS prints it: `show configuration` (curly braces),
`show configuration commands`, `show configuration json`, and config.boot.

Sources: vyatta-cfg cnode-algorithm.cpp `_print_value_str` (quoting, secret masking) and
vyos1x-config `render_commands` / `render_config` (commands quoting, 1.4+ config.boot).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lab.vyos.config_tree import ConfigNode
from lab.vyos.schema import Kind
from lab.vyos.sorting import vyos_sorted

INDENT = "    "
_SECRET_SUFFIXES = ("passphrase", "password", "pre-shared-secret", "key")
_NEEDS_QUOTES = set("*}{;\t\n\x0b\x0c\r ")


def quote_if_needed(value: str) -> str:
    """vyatta-cfg: quote with `"` only when empty or containing `* } { ;` or whitespace."""
    if value == "" or any(c in _NEEDS_QUOTES for c in value):
        return f'"{value}"'
    return value


def _value_text(name: str, value: str, *, hide_secrets: bool, quote_all: bool) -> str:
    if hide_secrets and name.endswith(_SECRET_SUFFIXES):
        return "****************"
    if quote_all:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return quote_if_needed(value)


def config_lines(
    root: ConfigNode, *, hide_secrets: bool = False, quote_all: bool = False, level: int = 0
) -> Iterator[tuple[int, str]]:
    """(indent level, text) for each line of the children of `root` in braces syntax."""
    for name in vyos_sorted(root.children):
        child = root.children[name]
        if child.kind is Kind.TAG:
            for value in vyos_sorted(child.children):
                yield level, f"{name} {value} {{"
                yield from config_lines(
                    child.children[value],
                    hide_secrets=hide_secrets,
                    quote_all=quote_all,
                    level=level + 1,
                )
                yield level, "}"
        elif child.kind in (Kind.LEAF, Kind.MULTI):
            for value in child.values:
                text = _value_text(name, value, hide_secrets=hide_secrets, quote_all=quote_all)
                yield level, f"{name} {text}"
        elif child.kind is Kind.VALUELESS:
            yield level, name
        else:
            yield level, f"{name} {{"
            yield from config_lines(
                child, hide_secrets=hide_secrets, quote_all=quote_all, level=level + 1
            )
            yield level, "}"


def show_configuration(root: ConfigNode, *, hide_secrets: bool = True) -> str:
    """Op-mode `show configuration` (secrets masked)."""
    return "".join(
        INDENT * lvl + text + "\n" for lvl, text in config_lines(root, hide_secrets=hide_secrets)
    )


def command_paths(root: ConfigNode, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """Each `set` path of the tree, values single-quoted (vyos1x-config render_commands)."""
    for name in vyos_sorted(root.children):
        child = root.children[name]
        path = (*prefix, name)
        if child.kind is Kind.TAG:
            for value in vyos_sorted(child.children):
                sub = child.children[value]
                if sub.children:
                    yield from command_paths(sub, (*path, value))
                else:
                    yield " ".join((*path, value))
        elif child.kind in (Kind.LEAF, Kind.MULTI):
            for value in child.values:
                yield " ".join(path) + f" '{value}'"
        elif child.kind is Kind.VALUELESS or not child.children:
            yield " ".join(path)
        else:
            yield from command_paths(child, path)


def show_commands(root: ConfigNode, op: str = "set") -> str:
    """`show configuration commands`."""
    return "".join(f"{op} {path}\n" for path in command_paths(root))


def to_json_obj(root: ConfigNode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in vyos_sorted(root.children):
        child = root.children[name]
        if child.kind is Kind.TAG:
            out[name] = {v: to_json_obj(child.children[v]) for v in vyos_sorted(child.children)}
        elif child.kind is Kind.MULTI:
            out[name] = list(child.values)
        elif child.kind is Kind.LEAF:
            out[name] = child.values[0]
        else:
            out[name] = to_json_obj(child)
    return out


def show_json(root: ConfigNode) -> str:
    """`show configuration json` (compact, as Yojson.Safe.to_string prints it)."""
    return json.dumps(to_json_obj(root), separators=(",", ":")) + "\n"
