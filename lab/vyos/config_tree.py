"""The VyOS configuration as a tree, and `set` / `delete` on it with VyOS's messages.

A `ConfigNode` is a typeless node, a tag node (children keyed by tag value, each value being
a typeless node), a leaf (one value), a multi-value leaf or a valueless leaf. Kinds come from
the schema, so every mutation goes through `set_path` / `delete_path` with a schema root.
Messages are the texts vyatta-cfg prints (cstore.cpp, vyatta-cfg-run), already wrapped
in VyOS's blank-line + two-space layout.
"""

from __future__ import annotations

import copy
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bgplb.errors import LabError
from lab.vyos.schema import Kind, SchemaNode


class ConfigLoadError(LabError):
    """A configuration (config.boot or set commands) that the schema rejects."""


@dataclass
class ConfigNode:
    kind: Kind = Kind.NODE
    children: dict[str, ConfigNode] = field(default_factory=dict)
    values: list[str] = field(default_factory=list)

    def clone(self) -> ConfigNode:
        return copy.deepcopy(self)

    def get(self, path: Iterable[str]) -> ConfigNode | None:
        """The node at a path of words (tag values included), or None."""
        cur: ConfigNode | None = self
        for word in path:
            if cur is None or cur.kind in (Kind.LEAF, Kind.MULTI, Kind.VALUELESS):
                return None
            cur = cur.children.get(word)
        return cur

    def value(self, path: Iterable[str]) -> str | None:
        found = self.get(path)
        if found is None or not found.values:
            return None
        return found.values[0]

    def has(self, path: Iterable[str]) -> bool:
        return self.get(path) is not None


def message(*lines: str) -> str:
    """VyOS's layout for cstore output: empty line, each line indented by two, empty line."""
    return "\n" + "".join(f"  {line}\n" for line in lines) + "\n"


@dataclass(frozen=True)
class Step:
    """One resolved element of a command path: a schema node and its value, if any."""

    name: str
    schema: SchemaNode
    value: str | None


@dataclass(frozen=True)
class Resolved:
    steps: tuple[Step, ...]
    invalid_at: int | None = None  # index of the first word the template rejects

    @property
    def needs_value(self) -> bool:
        last = self.steps[-1]
        return last.schema.takes_value and last.value is None


def resolve(schema: SchemaNode, words: list[str]) -> Resolved:
    """Walk the template along the words, as vyatta-cfg's validateTmplPath (no value checks)."""
    steps: list[Step] = []
    cur = schema
    i = 0
    while i < len(words):
        child = cur.children.get(words[i]) if cur.kind is Kind.NODE else None
        if child is None:
            return Resolved(tuple(steps), i)
        i += 1
        value = None
        if child.takes_value and i < len(words):
            value = words[i]
            i += 1
        steps.append(Step(words[i - 1 - (value is not None)], child, value))
        if child.kind is Kind.TAG and value is not None:
            cur = SchemaNode(Kind.NODE, child.children)
        elif child.kind is Kind.NODE:
            cur = child
        elif i < len(words):
            return Resolved(tuple(steps), i)
    return Resolved(tuple(steps))


def invalid_path_message(words: list[str], at: int, command: str) -> str:
    prefix = " ".join(words[:at])
    where = f"{prefix} [{words[at]}]" if prefix else f"[{words[at]}]"
    return message(f"Configuration path: {where} is not valid", f"{command} failed")


def _check_values(res: Resolved) -> str | None:
    for step in res.steps:
        validator = step.schema.validator
        if step.value is not None and validator is not None and not validator(step.value):
            return message(validator.message(step.value), "Value validation failed", "Set failed")
    return None


@dataclass(frozen=True)
class EditResult:
    ok: bool
    output: str = ""
    changed: bool = False


def set_path(root: ConfigNode, schema: SchemaNode, words: list[str]) -> EditResult:
    """`set <words>` on the tree (in place)."""
    if not words:
        return EditResult(False, message("Configuration path: [] requires a value", "Set failed"))
    res = resolve(schema, words)
    if res.invalid_at is not None:
        return EditResult(False, invalid_path_message(words, res.invalid_at, "Set"))
    if res.needs_value:
        text = f"Configuration path: [{' '.join(words)}] requires a value"
        return EditResult(False, message(text, "Set failed"))
    error = _check_values(res)
    if error:
        return EditResult(False, error)
    cur = root
    created = False
    for step in res.steps:
        kind = step.schema.kind
        child = cur.children.get(step.name)
        if child is None:
            child = cur.children[step.name] = ConfigNode(kind)
            created = True
        if kind is Kind.TAG:
            assert step.value is not None
            value_node = child.children.get(step.value)
            if value_node is None:
                limit = step.schema.limit
                if limit and len(child.children) >= limit:
                    # cstore.cpp add_tag (a new node before it is rolled back is harmless:
                    # `child` exists with other values, so nothing empty is left behind)
                    text = (
                        f'Cannot set node "{step.value}": number of values exceeds limit'
                        f"({limit} allowed)"
                    )
                    return EditResult(False, message(text, "Set failed"))
                value_node = child.children[step.value] = ConfigNode(Kind.NODE)
                created = True
            cur = value_node
        elif kind is Kind.LEAF:
            assert step.value is not None
            if child.values != [step.value]:
                child.values = [step.value]
                created = True
        elif kind is Kind.MULTI:
            assert step.value is not None
            if step.value not in child.values:
                child.values.append(step.value)
                created = True
        else:
            cur = child
    if not created:
        text = f"Configuration path: [{' '.join(words)}] already exists"
        return EditResult(True, message(text))
    return EditResult(True, "", changed=True)


def delete_path(root: ConfigNode, schema: SchemaNode, words: list[str]) -> EditResult:
    """`delete <words>` on the tree (in place); deleting nothing is a success."""
    res = resolve(schema, words) if words else Resolved((), None)
    if res.invalid_at is not None:
        return EditResult(False, invalid_path_message(words, res.invalid_at, "Delete"))
    if not res.steps:
        root.children.clear()
        return EditResult(True, "", changed=True)
    parents: list[tuple[ConfigNode, str]] = []
    cur: ConfigNode | None = root
    for step in res.steps:
        assert cur is not None
        child = cur.children.get(step.name)
        if child is None:
            cur = None
            break
        parents.append((cur, step.name))
        cur = child
        if step.schema.kind is Kind.TAG and step.value is not None:
            value_node = cur.children.get(step.value)
            if value_node is None:
                cur = None
                break
            parents.append((cur, step.value))
            cur = value_node
    last = res.steps[-1]
    is_value = last.value is not None and last.schema.kind in (Kind.LEAF, Kind.MULTI)
    if cur is None or (is_value and last.value not in cur.values):
        what = "value" if is_value else "node"
        return EditResult(True, message(f"Nothing to delete (the specified {what} does not exist)"))
    if is_value and last.schema.kind is Kind.MULTI and len(cur.values) > 1:
        cur.values.remove(str(last.value))
        return EditResult(True, "", changed=True)
    parent, key = parents.pop()
    del parent.children[key]
    # removing the last value of a tag node removes the tag node itself
    if parents and not parent.children and parent.kind is Kind.TAG:
        grand, tag_name = parents.pop()
        del grand.children[tag_name]
    return EditResult(True, "", changed=True)


def split_command(line: str) -> list[str]:
    """Words of a command line with shell quoting ('x', "x", backslashes), as bash splits."""
    return shlex.split(line, comments=False, posix=True)


def iter_set_lines(lines: Iterable[str]) -> Iterator[list[str]]:
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = split_command(line)
        if words[0] != "set":
            raise ConfigLoadError(f"not a set command: {line!r}")
        yield words[1:]


def tree_from_paths(
    schema: SchemaNode, paths: Iterable[list[str]], header: str, prefix: str = ""
) -> ConfigNode:
    """A tree with every path set; all rejected paths reported together under `header`."""
    root = ConfigNode()
    errors: list[str] = []
    for words in paths:
        result = set_path(root, schema, words)
        if not result.ok:
            errors.append(f"{prefix}{' '.join(words)}: {result.output.strip()}")
    if errors:
        raise ConfigLoadError(f"{header}:\n" + "\n".join(errors))
    return root


def load_commands(schema: SchemaNode, lines: Iterable[str]) -> ConfigNode:
    """A tree from `set ...` lines (e.g. `show configuration commands` output)."""
    return tree_from_paths(schema, iter_set_lines(lines), "invalid configuration", "set ")
