"""Upstream VyOS CLI grammars read from the reference files, as one tree shape.

- vyos-1x `interface-definitions/*.xml.in`, with `#include <...>` expanded textually as the
  vyos-1x build does (an include missing from the reference dir is recorded, not guessed);
- 1.3 vyatta-cfg-quagga `templates/.../node.def` directories (`node.tag/` holds the children
  of a tag node).

`check_path` answers, for one set-path (words with values), whether the grammar accepts it:
valid, invalid (and where), or unknown (a missing include or a validator this module does not
implement). Value checks follow the XML `<constraint>` (any item may match; regexes must match
the whole value) and the node.def `type:` and `syntax:expression:` lines that can be read
without running VyOS's scripts; vyatta-bgp.pl's checks are restated from its source.
"""

from __future__ import annotations

import ipaddress
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Kind(StrEnum):
    NODE = "node"
    TAG = "tag"
    LEAF = "leaf"
    MULTI = "multi"
    VALUELESS = "valueless"


class Verdict(StrEnum):
    OK = "ok"
    BAD = "bad"
    UNKNOWN = "unknown"


# A value check: OK, BAD, or UNKNOWN when this module cannot decide.
Check = Callable[[str], Verdict]


@dataclass
class GNode:
    name: str
    kind: Kind
    children: dict[str, GNode] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)  # any OK passes
    missing_includes: list[str] = field(default_factory=list)

    @property
    def takes_value(self) -> bool:
        return self.kind in (Kind.TAG, Kind.LEAF, Kind.MULTI)

    def check_value(self, value: str) -> Verdict:
        if not self.checks:
            return Verdict.OK
        results = [c(value) for c in self.checks]
        if Verdict.OK in results:
            return Verdict.OK
        return Verdict.UNKNOWN if Verdict.UNKNOWN in results else Verdict.BAD


@dataclass(frozen=True)
class PathCheck:
    verdict: Verdict
    reason: str = ""


def check_path(root: GNode, words: list[str]) -> PathCheck:
    """Walk `words` (`protocols bgp neighbor 192.0.2.1 remote-as 65001`) through the grammar."""
    cur = root
    i = 0
    while i < len(words):
        word = words[i]
        child = cur.children.get(word)
        if child is None:
            if cur.missing_includes:
                return PathCheck(
                    Verdict.UNKNOWN,
                    f"`{' '.join(words[: i + 1])}`: under an include missing from the "
                    f"reference dir ({', '.join(cur.missing_includes)})",
                )
            return PathCheck(Verdict.BAD, f"`{' '.join(words[: i + 1])}` is not in the grammar")
        i += 1
        if child.takes_value:
            if i >= len(words):
                if child.kind is Kind.TAG:
                    return PathCheck(Verdict.OK)  # `set ... peer-group` lists the tag node
                return PathCheck(Verdict.BAD, f"`{' '.join(words)}` requires a value")
            value = words[i]
            verdict = child.check_value(value)
            if verdict is not Verdict.OK:
                where = " ".join(words[:i])
                return PathCheck(verdict, f"value {value!r} of `{where}`: {verdict.value}")
            i += 1
            if child.kind is not Kind.TAG and i < len(words):
                return PathCheck(Verdict.BAD, f"`{' '.join(words)}`: words after a leaf value")
        elif child.kind is Kind.VALUELESS and i < len(words):
            return PathCheck(Verdict.BAD, f"`{' '.join(words[:i])}` takes no value")
        cur = child
    return PathCheck(Verdict.OK)


# --- value checks -----------------------------------------------------------------------------


def _regex(pattern: str) -> Check:
    compiled = re.compile(pattern)
    return lambda v: Verdict.OK if compiled.fullmatch(v) else Verdict.BAD


def _numeric(argument: str) -> Check:
    ranges = re.findall(r"--range (\d+)-(\d+)", argument)

    def check(v: str) -> Verdict:
        if not v.isdigit():
            return Verdict.BAD
        if not ranges:
            return Verdict.OK
        return Verdict.OK if any(int(a) <= int(v) <= int(b) for a, b in ranges) else Verdict.BAD

    return check


def _ip(kind: str) -> Check:
    def check(v: str) -> Verdict:
        try:
            if kind in ("ipv4-address", "ipv4"):
                ipaddress.IPv4Address(v)
            elif kind == "ipv6-address":
                ipaddress.IPv6Address(v)
            elif kind == "ip-address":
                ipaddress.ip_address(v)
            elif kind in ("ipv4-prefix", "ipv4net-strict"):
                if "/" not in v:
                    return Verdict.BAD
                ipaddress.IPv4Network(v, strict=True)
            elif kind == "ipv4net":
                if "/" not in v:
                    return Verdict.BAD
                ipaddress.IPv4Interface(v)
            elif kind == "ipv6-prefix":
                if "/" not in v:
                    return Verdict.BAD
                ipaddress.IPv6Network(v, strict=True)
            elif kind == "ipv6net":
                if "/" not in v:
                    return Verdict.BAD
                ipaddress.IPv6Interface(v)
            else:
                return Verdict.UNKNOWN
        except ValueError:
            return Verdict.BAD
        return Verdict.OK

    return check


_VALIDATORS = {"ipv4-address", "ipv6-address", "ip-address", "ipv4-prefix", "ipv6-prefix"}


def _validator(name: str, argument: str) -> Check:
    if name == "numeric":
        return _numeric(argument)
    if name in _VALIDATORS:
        return _ip(name)
    return lambda _v: Verdict.UNKNOWN


# --- vyos-1x XML -----------------------------------------------------------------------------

_INCLUDE = re.compile(r"#include <([^>]+)>")


def _expand(text: str, base: Path, missing: set[str], depth: int = 0) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        path = base / name
        if not path.is_file() or depth > 20:
            missing.add(name)
            return f'<missingInclude file="{name}"/>'
        inner = path.read_text()
        inner = re.sub(r"<\?xml[^>]*\?>", "", inner)
        return _expand(inner, base, missing, depth + 1)

    return _INCLUDE.sub(repl, text)


def _xml_node(el: ET.Element) -> GNode:
    props = el.find("properties")
    tag = el.tag
    if tag == "tagNode":
        kind = Kind.TAG
    elif tag == "leafNode":
        if props is not None and props.find("valueless") is not None:
            kind = Kind.VALUELESS
        elif props is not None and props.find("multi") is not None:
            kind = Kind.MULTI
        else:
            kind = Kind.LEAF
    else:
        kind = Kind.NODE
    node = GNode(el.attrib["name"], kind)
    if props is not None:
        constraint = props.find("constraint")
        if constraint is not None:
            for item in constraint:
                if item.tag == "regex" and item.text is not None:
                    node.checks.append(_regex(item.text))
                elif item.tag == "validator":
                    node.checks.append(
                        _validator(item.attrib.get("name", ""), item.attrib.get("argument", ""))
                    )
    children = el.find("children")
    if children is not None:
        _xml_children(node, children)
    return node


def _xml_children(node: GNode, children: ET.Element) -> None:
    for child in children:
        if child.tag == "missingInclude":
            node.missing_includes.append(child.attrib["file"])
        elif child.tag in ("node", "tagNode", "leafNode"):
            new = _xml_node(child)
            old = node.children.get(new.name)
            if old is not None and new.kind is old.kind:
                _merge(old, new)
            else:
                node.children[new.name] = new


def _merge(into: GNode, other: GNode) -> None:
    into.missing_includes += other.missing_includes
    into.checks = into.checks or other.checks
    for name, child in other.children.items():
        if name in into.children and into.children[name].kind is child.kind:
            _merge(into.children[name], child)
        else:
            into.children[name] = child


def load_xml_grammar(version_dir: Path) -> tuple[GNode, set[str]]:
    """The merged grammar of every `interface-definitions/*.xml.in` and the missing includes."""
    base = version_dir / "interface-definitions"
    root = GNode("", Kind.NODE)
    missing: set[str] = set()
    files = sorted(base.glob("*.xml.in"))
    if not files:
        raise FileNotFoundError(f"no interface-definitions/*.xml.in under {version_dir}")
    for path in files:
        text = _expand(path.read_text(), base, missing)
        tree = ET.fromstring(text)
        top = GNode("", Kind.NODE)
        _xml_children(top, tree)
        _merge(root, top)
    return root, missing


# --- 1.3 vyatta-cfg-quagga node.def ---------------------------------------------------------

_U32 = 4294967295


def _nodedef_type(type_name: str) -> Check:
    if type_name == "txt":
        return lambda _v: Verdict.OK
    if type_name == "u32":
        return lambda v: Verdict.OK if v.isdigit() and int(v) <= _U32 else Verdict.BAD
    return _ip(type_name)


_RANGE_EXPR = re.compile(
    r"^\$VAR\(@\)\s*>=\s*(\d+)\s*&&\s*\$VAR\(@\)\s*<=\s*(\d+)\s*;"
    r"|^\$VAR\(@\)\s*==\s*(\d+)\s*\|\|\s*\(\$VAR\(@\)\s*>=\s*(\d+)\s*&&\s*\$VAR\(@\)\s*<=\s*(\d+)\)"
)


def _bgp_pl(option: str) -> Check | None:
    """vyatta-bgp.pl checks (scripts/bgp/vyatta-bgp.pl, equuleus fa7b0412)."""
    if option == "--check-remote-as":  # check_remote_as
        return lambda v: (
            Verdict.OK
            if v in ("external", "internal") or (v.isdigit() and 1 <= int(v) <= 4294967294)
            else Verdict.BAD
        )
    if option == "--check-peergroup-name":  # check_peergroup_name

        def check(v: str) -> Verdict:
            try:
                ipaddress.ip_address(v)
                return Verdict.BAD
            except ValueError:
                pass
            if re.search(r"[\s\W]", v) or re.fullmatch(r"[A-Fa-f]{1,4}", v):
                return Verdict.BAD
            return Verdict.OK

        return check
    if option == "--check-neighbor-ip":  # only refuses local addresses (a commit fact)
        return lambda _v: Verdict.OK
    return None


def _syntax(expr: str) -> Check:
    m = _RANGE_EXPR.match(expr)
    if m and m.group(1):
        lo, hi = int(m.group(1)), int(m.group(2))
        return lambda v: Verdict.OK if v.isdigit() and lo <= int(v) <= hi else Verdict.BAD
    if m:
        zero, lo, hi = int(m.group(3)), int(m.group(4)), int(m.group(5))
        return lambda v: (
            Verdict.OK if v.isdigit() and (int(v) == zero or lo <= int(v) <= hi) else Verdict.BAD
        )
    if "vyatta-bgp.pl" in expr:
        opt = re.search(r"(--check-[-a-z]+)", expr)
        found = _bgp_pl(opt.group(1)) if opt else None
        if found is not None:
            return found
    if "ipaddrcheck" in expr and "--is-ipv4-net" in expr:
        return _ip("ipv4-prefix")
    if "-gt 80" in expr and "wc -c" in expr:  # password length
        return lambda v: Verdict.OK if len(v.encode()) <= 80 else Verdict.BAD
    return lambda _v: Verdict.UNKNOWN


def _read_nodedef(path: Path) -> dict[str, list[str]]:
    """`field: value` lines of a node.def (continuation lines joined)."""
    fields: dict[str, list[str]] = {}
    current: str | None = None
    for raw in path.read_text().splitlines():
        m = re.match(r"^([a-z_]+(?::[a-z_]+)?):\s*(.*)$", raw)
        if m and not raw.startswith((" ", "\t")):
            current = m.group(1)
            fields.setdefault(current, []).append(m.group(2))
        elif current is not None and fields[current]:
            fields[current][-1] += " " + raw.strip()
    for values in fields.values():
        for i, v in enumerate(values):
            values[i] = v.replace("\\ ", " ").replace("\\", "").strip()
    return fields


def _nodedef_dir(directory: Path, name: str) -> GNode:
    nodedef = directory / "node.def"
    fields = _read_nodedef(nodedef) if nodedef.is_file() else {}
    type_name = (fields.get("type") or [""])[0].split(",")[0].strip()
    if "tag" in fields:
        kind = Kind.TAG
        child_dir = directory / "node.tag"
    elif type_name:
        kind = Kind.MULTI if "multi" in fields else Kind.LEAF
        child_dir = directory
    else:
        kind = Kind.NODE
        child_dir = directory
    node = GNode(name, kind)
    checks: list[Check] = []
    if type_name:
        checks.append(_nodedef_type(type_name))
    for expr in fields.get("syntax:expression", []):
        checks.append(_syntax(expr))
    if checks:
        # node.def checks are all required (AND), unlike XML constraint items (OR)
        node.checks = [_all_of(tuple(checks))]
    if child_dir.is_dir():
        for sub in sorted(child_dir.iterdir()):
            if sub.is_dir() and sub.name != "node.tag":
                node.children[sub.name] = _nodedef_dir(sub, sub.name)
    if kind is Kind.NODE and not node.children and nodedef.is_file():
        node.kind = Kind.VALUELESS
    return node


def _all_of(checks: tuple[Check, ...]) -> Check:
    def check(value: str) -> Verdict:
        results = [c(value) for c in checks]
        if Verdict.BAD in results:
            return Verdict.BAD
        return Verdict.UNKNOWN if Verdict.UNKNOWN in results else Verdict.OK

    return check


def load_nodedef_grammar(templates: Path) -> GNode:
    """The grammar of a vyatta `templates/` dir (e.g. templates/protocols/bgp/...)."""
    if not templates.is_dir():
        raise FileNotFoundError(f"no node.def templates under {templates}")
    root = GNode("", Kind.NODE)
    for sub in sorted(templates.iterdir()):
        if sub.is_dir():
            root.children[sub.name] = _nodedef_dir(sub, sub.name)
    return root
