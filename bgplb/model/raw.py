"""Reading the three SimpleInventory files: YAML, shape, secrets, group graph."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bgplb.model.problems import Problem
from bgplb.model.safe_yaml import INVENTORY_LIMITS, YamlRefused, load_yaml_file
from bgplb.model.specs import INLINE_KEY, KEY_KEY, SECRET_KEY, RawDefaults, RawEntry
from bgplb.model.types import GROUP_NAME, HOST_NAME

FILES = ("hosts.yaml", "groups.yaml", "defaults.yaml")
MAX_ERRORS_PER_OBJECT = 20  # a list of 10,000 bad items is reported, not printed 10,000 times
M = TypeVar("M", bound=BaseModel)


@dataclass
class RawInventory:
    directory: Path
    hosts: dict[str, RawEntry] = field(default_factory=dict)
    groups: dict[str, RawEntry] = field(default_factory=dict)
    defaults: RawDefaults = field(default_factory=RawDefaults)
    problems: list[Problem] = field(default_factory=list)
    complete: bool = False  # all three files were read and parsed

    def file(self, name: str) -> str:
        return str(self.directory / name)


def read_yaml(path: Path, problems: list[Problem]) -> Mapping[str, Any] | None:
    """Load one file under INVENTORY_LIMITS; any failure is a problem, never an exception."""
    if not path.is_file():
        problems.append(Problem(str(path), "", "", "file not found"))
        return None
    try:
        loaded = load_yaml_file(path, INVENTORY_LIMITS)
    except YamlRefused as exc:
        problems.append(Problem(str(path), "", "", str(exc)))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), "", "", f"cannot read: {exc}"))
        return None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        problems.append(
            Problem(str(path), "", "", f"must be a mapping, got {type(loaded).__name__}")
        )
        return None
    return loaded


def walk(value: object, prefix: str = "") -> Iterator[tuple[str, object]]:
    """Every (dotted key, value) pair below a mapping, lists included by index."""
    if isinstance(value, Mapping):
        for key, sub in value.items():
            dotted = f"{prefix}.{key}" if prefix else str(key)
            yield dotted, sub
            yield from walk(sub, dotted)
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from walk(sub, f"{prefix}[{index}]")


def inline_secrets(file: str, obj: str, entry: Mapping[str, Any]) -> list[Problem]:
    """Inline secret values are refused: only NAME_env references and key paths are allowed."""
    found = []
    for dotted, value in walk(entry):
        last = dotted.rsplit(".", 1)[-1].split("[", 1)[0]
        if value is None or value == "":
            continue
        scalar = not isinstance(value, Mapping | list)
        inline_key = scalar and KEY_KEY.search(last) and INLINE_KEY.search(str(value))
        if SECRET_KEY.search(last) or inline_key:
            found.append(
                Problem(
                    file,
                    obj,
                    dotted,
                    "secrets must not be written in the inventory: reference an environment "
                    f"variable ({last}_env: VARIABLE_NAME under data.credentials) or an SSH key "
                    "(ssh_key: PATH)",
                )
            )
    return found


# Control characters (NUL, ESC, CR, newline, C1) and invisible Unicode format characters
# (bidirectional overrides, zero-width): never part of a name, an address or a path, and each
# could end a command line or rewrite a terminal.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def control_characters(file: str, obj: str, entry: Mapping[str, Any]) -> list[Problem]:
    """Every key and string value holding a control or invisible format character."""
    found = []
    for dotted, value in walk(entry):
        key = dotted.rsplit(".", 1)[-1]
        for what, text in (("key", key), ("value", value)):
            if isinstance(text, str) and CONTROL.search(text):
                shown = ascii(text)[:60]
                found.append(Problem(file, obj, dotted, f"control character in the {what} {shown}"))
    return found


def pydantic_problems(exc: ValidationError, file: str, obj: str, prefix: str = "") -> list[Problem]:
    """One Problem per pydantic error, with the dotted key; secret-looking input not echoed."""
    out: list[Problem] = []
    errors = exc.errors()
    for err in errors[:MAX_ERRORS_PER_OBJECT]:
        key = dotted_key(err["loc"])
        key = f"{prefix}.{key}" if prefix and key else (prefix or key)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
        elif err["type"] == "missing":
            msg = "required key missing"
        elif not key.endswith("_env") and isinstance(err.get("input"), str | int | float):
            shown = repr(err["input"])
            msg = f"{msg} (got {shown[:60]})"
        out.append(Problem(file, obj, key, msg))
    if len(errors) > MAX_ERRORS_PER_OBJECT:
        more = len(errors) - MAX_ERRORS_PER_OBJECT
        out.append(Problem(file, obj, prefix, f"... and {more} more error(s) like these"))
    return out


def dotted_key(loc: tuple[int | str, ...]) -> str:
    """('bgp', 'neighbors', 3, 'address') -> 'bgp.neighbors[3].address'."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def validate_as(
    model: type[M], data: object, file: str, obj: str, prefix: str, problems: list[Problem]
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, file, obj, prefix))
        return None


def read_inventory(directory: Path) -> RawInventory:
    inv = RawInventory(directory)
    loaded = {name: read_yaml(directory / name, inv.problems) for name in FILES}
    hosts, groups, defaults = (loaded[n] for n in FILES)
    if hosts is not None:
        inv.hosts = _entries(inv, "hosts.yaml", "host", hosts)
    if groups is not None:
        inv.groups = _entries(inv, "groups.yaml", "group", groups)
    if defaults is not None:
        file = inv.file("defaults.yaml")
        inv.problems.extend(inline_secrets(file, "defaults", defaults))
        inv.problems.extend(control_characters(file, "defaults", defaults))
        parsed = validate_as(RawDefaults, defaults, file, "defaults", "", inv.problems)
        if parsed:
            inv.defaults = parsed
    inv.complete = all(loaded[n] is not None for n in FILES)
    if inv.complete:
        _check_group_graph(inv)
    return inv


def _entries(
    inv: RawInventory, fname: str, kind: str, raw: Mapping[str, Any]
) -> dict[str, RawEntry]:
    file = inv.file(fname)
    out: dict[str, RawEntry] = {}
    pattern = HOST_NAME if kind == "host" else GROUP_NAME
    for name, body in raw.items():
        obj = f"{kind} {name}"
        if not isinstance(name, str) or not pattern.match(name):
            rule = (
                "an RFC 1123 label: a-z, 0-9 and '-', at most 63, not beginning or ending in '-'"
                if kind == "host"
                else "A-Z, a-z, 0-9, '_' and '-', at most 63"
            )
            inv.problems.append(Problem(file, obj, "", f"{kind} name {name!a} must be {rule}"))
            continue
        if not isinstance(body, dict):
            inv.problems.append(Problem(file, obj, "", "must be a mapping of Nornir fields"))
            continue
        inv.problems.extend(inline_secrets(file, obj, body))
        inv.problems.extend(control_characters(file, obj, body))
        entry = validate_as(RawEntry, body, file, obj, "", inv.problems)
        if entry:
            out[str(name)] = entry
    return out


def _check_group_graph(inv: RawInventory) -> None:
    for kind, fname, entries in (
        ("host", "hosts.yaml", inv.hosts),
        ("group", "groups.yaml", inv.groups),
    ):
        for name, entry in entries.items():
            for index, group in enumerate(entry.groups):
                if group not in inv.groups:
                    inv.problems.append(
                        Problem(
                            inv.file(fname),
                            f"{kind} {name}",
                            f"groups[{index}]",
                            f"unknown group {group!r} (not in groups.yaml)",
                        )
                    )
    for name in inv.groups:
        if name in ancestors(inv, inv.groups[name].groups, seen=()):
            inv.problems.append(
                Problem(inv.file("groups.yaml"), f"group {name}", "groups", "group cycle")
            )


def ancestors(inv: RawInventory, groups: list[str], seen: tuple[str, ...]) -> list[str]:
    """Groups in Nornir's resolution order (each group, then its parents), cycles cut."""
    order: list[str] = []
    for group in groups:
        if group in seen or group not in inv.groups:
            continue
        order.append(group)
        order.extend(ancestors(inv, inv.groups[group].groups, (*seen, group)))
    return order
