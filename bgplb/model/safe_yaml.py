"""YAML read with hard limits, checked before any Python object is built.

PyYAML's `safe_load` is safe against code execution but not against size: a billion-laughs
document (aliases of aliases) expands exponentially, a 5,000-deep list or a self-referencing
alias ends in RecursionError, a huge file takes minutes, and a duplicate key silently keeps the
last value. Here, in order:

1. the file's size is capped before it is read (`Limits.max_bytes`);
2. nesting is capped while the node graph is composed (`Limits.max_depth`), so the composer
   never recurses deeper than that;
3. the composed graph is measured as it would expand (aliases followed): its node count and
   depth are capped and a cycle (an alias inside its own anchor) is refused, all before
   construction;
4. construction refuses duplicate keys in a mapping (`<<` merge keys may still be overridden);
5. a scalar Python cannot build (a 5,000-digit int, an impossible date) is a refusal too.

Every refusal is a `YamlRefused` with the line and column, never an exception of another kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_depth: int  # nesting of collections, as written and as expanded through aliases
    max_nodes: int  # nodes of one document once every alias is expanded


# An inventory is a few KiB (the reference lab's three files: 5 KiB, ~300 values); the caps
# leave a site of a thousand hosts room and bound the work: composing runs at ~200 KiB/s here.
INVENTORY_LIMITS = Limits(max_bytes=256 * 1024, max_depth=32, max_nodes=50_000)
# Upstream manifests: MetalLB 0.14.9's native manifest is 100 KiB, depth ~25 (CRD schemas).
MANIFEST_LIMITS = Limits(max_bytes=16 * 1024 * 1024, max_depth=64, max_nodes=2_000_000)


class YamlRefused(Exception):
    """The document is malformed or exceeds a limit; `where` is "line L, column C" or ""."""

    def __init__(self, message: str, mark: yaml.Mark | None = None) -> None:
        self.where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        super().__init__(f"{message} at {self.where}" if self.where else message)


class _Limited:
    """Mixed in before a parser, PyYAML's Composer and SafeConstructor: the nesting cap while
    composing, and duplicate keys refused while constructing."""

    limits: Limits = INVENTORY_LIMITS
    _depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        self._depth += 1
        try:
            if self._depth > self.limits.max_depth:
                mark = self.peek_event().start_mark  # type: ignore[attr-defined]
                raise YamlRefused(f"nested deeper than {self.limits.max_depth} levels", mark)
            return super().compose_node(parent, index)  # type: ignore[misc,no-any-return]
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG or not isinstance(key_node, ScalarNode):
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise YamlRefused(f"duplicate key {key_node.value!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc,no-any-return]


class _PyLoader(_Limited, yaml.SafeLoader):
    """Everything in Python (PyYAML without libyaml)."""


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _CLoader(_Limited, Composer, CParser, SafeConstructor, Resolver):
        """libyaml's parser (events only: it does not recurse) under the Python composer:
        three times faster than the pure-Python one, with the same caps."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _LOADER: type[Any] = _CLoader
else:  # pragma: no cover - PyYAML is installed with libyaml here
    _LOADER = _PyLoader


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def measure(root: Node, limits: Limits) -> None:
    """Refuse a graph whose alias expansion is too big or too deep, or that is cyclic.

    Iterative post-order walk with memoised sizes: linear in the composed graph, whatever the
    expansion would be."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_: set[int] = set()  # nodes entered and not finished: the current path
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        nid = id(node)
        kids = _children(node)
        if finished:
            open_.discard(nid)
            size[nid] = 1 + sum(size[id(k)] for k in kids)
            depth[nid] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[nid] > limits.max_nodes:
                message = f"more than {limits.max_nodes} values (each alias counted expanded)"
                raise YamlRefused(message, node.start_mark)
            if depth[nid] > limits.max_depth:
                raise YamlRefused(
                    f"nested deeper than {limits.max_depth} levels once aliases are expanded",
                    node.start_mark,
                )
            continue
        if nid in size:
            continue
        if nid in open_:
            raise YamlRefused("recursive alias (an anchor used inside itself)", node.start_mark)
        open_.add(nid)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in size)


def _documents(text: str, limits: Limits) -> Iterator[Any]:
    loader = _LOADER(text)
    loader.limits = limits
    try:
        while loader.check_node():
            node = loader.get_node()
            measure(node, limits)
            yield loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise YamlRefused(f"malformed YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlRefused(f"malformed YAML: {exc}") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # e.g. an int of more than 4,300 digits, a timestamp for 2021-02-30
        raise YamlRefused(f"a value cannot be read: {exc}") from None
    finally:
        loader.dispose()


def parse_yaml(text: str, limits: Limits = INVENTORY_LIMITS) -> Any:
    """One document (None when empty); several documents are refused."""
    docs = list(_documents(text, limits))
    if len(docs) > 1:
        raise YamlRefused(f"{len(docs)} YAML documents where one is expected")
    return docs[0] if docs else None


def parse_yaml_all(text: str, limits: Limits = MANIFEST_LIMITS) -> list[Any]:
    if len(text) > limits.max_bytes:
        raise YamlRefused(f"larger than {limits.max_bytes} bytes")
    return list(_documents(text, limits))


def read_limited(path: Path, max_bytes: int) -> bytes:
    """At most `max_bytes` of a regular file; larger is refused before it is read."""
    if path.stat().st_size > max_bytes:
        raise YamlRefused(f"larger than {max_bytes} bytes")
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew between stat and read
        raise YamlRefused(f"larger than {max_bytes} bytes")
    return data


def load_yaml_file(path: Path, limits: Limits = INVENTORY_LIMITS) -> Any:
    """Read and parse one file under `limits` (OSError and UnicodeDecodeError pass through)."""
    return parse_yaml(read_limited(path, limits.max_bytes).decode("utf-8"), limits)
