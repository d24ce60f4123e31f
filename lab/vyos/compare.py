"""`compare` in config mode, in the two formats VyOS has used.

OLD (1.3, 1.4-rolling before 2023-02): vyatta-cfg cnode-algorithm.cpp context diff,
`[edit <path>]` then `+line` / `-line` / `>line`. The same walk without context is
config-mode `show` (one diff-marker column before every line).
NEW (1.4 LTS, 1.5): vyos1x-config Config_diff.unified_diff at the sagitta commit the
transcripts were made with: `[<parent path>]` headers, `+ ` / `- ` lines, values
double-quoted; children in the left tree's order, then those only on the right.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.vyos.config_tree import ConfigNode
from lab.vyos.render import INDENT, quote_if_needed
from lab.vyos.schema import Kind
from lab.vyos.sorting import vyos_sorted
from lab.vyos.versions import CompareFormat, RouterVersion

_LEAVES = (Kind.LEAF, Kind.MULTI)


# --- OLD: vyatta-cfg context diff -------------------------------------------------------


@dataclass
class _OldDiff:
    context: bool
    lines: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    last_ctx: list[str] | None = None

    def ctx(self) -> None:
        if self.last_ctx != self.path:
            self.last_ctx = list(self.path)
            self.lines.append("[edit" + "".join(f" {p}" for p in self.path) + "]")

    def line(self, pfx: str, level: int, text: str) -> None:
        self.lines.append(pfx + INDENT * level + text)


def _union(a: ConfigNode | None, b: ConfigNode | None) -> list[str]:
    keys = set(a.children if a else ()) | set(b.children if b else ())
    return vyos_sorted(keys)


def _multi_diff(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    """cnode-algorithm.cpp `_cmp_multi_values`: (prefix, value) pairs."""
    out = [("-", v) for v in old if v not in new]
    for i, v in enumerate(new):
        if v not in old:
            out.append(("+", v))
        elif i < len(old) and old[i] == v:
            out.append((" ", v))
        else:
            out.append((">", v))
    return out


def _old_leaf(
    d: _OldDiff, c1: ConfigNode | None, c2: ConfigNode | None, name: str, lvl: int
) -> None:
    cfg = c2 if c1 is None else c1
    assert cfg is not None
    force = "+" if c1 is None else "-" if c2 is None else None
    if force is not None:
        if d.context:
            d.ctx()
        for v in cfg.values:
            d.line(force, lvl, f"{name} {quote_if_needed(v)}")
        return
    assert c1 is not None
    assert c2 is not None
    if cfg.kind is Kind.MULTI:
        pairs = _multi_diff(c1.values, c2.values)
        changed = any(p != " " for p, _ in pairs)
        for pfx, v in pairs:
            if d.context and (pfx == " " or not changed):
                continue
            if d.context:
                d.ctx()
            d.line(pfx, lvl, f"{name} {quote_if_needed(v)}")
        return
    pfx = " " if c1.values == c2.values else ">"
    if not d.context or pfx != " ":
        if d.context:
            d.ctx()
        d.line(pfx, lvl, f"{name} {quote_if_needed(c2.values[0])}")


def _old_walk(
    d: _OldDiff,
    c1: ConfigNode | None,
    c2: ConfigNode | None,
    name: str,
    value: str | None,
    level: int,
) -> None:
    cfg = c2 if c1 is None else c1
    assert cfg is not None
    if d.context:
        level = 0
    if cfg.kind in _LEAVES:
        _old_leaf(d, c1, c2, name, max(level, 0))
        return
    pfx = "+" if c1 is None else "-" if c2 is None else " "
    orig = d.context
    is_tag = cfg.kind is Kind.TAG
    print_this = not is_tag and level >= 0 and name != ""
    next_level = level + 1
    if print_this:
        if orig and pfx != " ":
            d.context = False
        if not orig or pfx != " ":
            if orig:
                d.ctx()
            text = f"{name} {value}" if value is not None else name
            d.line(pfx, level, text + ("" if cfg.kind is Kind.VALUELESS else " {"))
        d.path.append(name)
        if value is not None:
            d.path.append(value)
    else:
        next_level = max(level, 0)
    for key in _union(c1, c2):
        k1 = c1.children.get(key) if c1 else None
        k2 = c2.children.get(key) if c2 else None
        if is_tag:
            _old_walk(d, k1, k2, name, key, next_level)
        else:
            _old_walk(d, k1, k2, key, None, next_level)
    if print_this:
        del d.path[-(2 if value is not None else 1) :]
        if (not orig or pfx != " ") and cfg.kind is not Kind.VALUELESS:
            d.line(pfx, level, "}")
    d.context = orig


def compare_old(active: ConfigNode, working: ConfigNode) -> str:
    """`compare` text of 1.3 / 1.4-rolling-2021 ("" when nothing changed)."""
    d = _OldDiff(context=True)
    _old_walk(d, active, working, "", None, -1)
    return "".join(line + "\n" for line in d.lines)


def show_with_markers(
    active: ConfigNode | None, working: ConfigNode | None, name: str = "", value: str | None = None
) -> str:
    """Config-mode `show`: the working config with a diff column (` `, `+`, `-`, `>`)."""
    d = _OldDiff(context=False)
    _old_walk(d, active, working, name, value, -1)
    return "".join(line + "\n" for line in d.lines)


# --- NEW: vyos1x-config unified diff ----------------------------------------------------


def _render_new(name: str, cfg: ConfigNode, level: int) -> list[str]:
    pad = INDENT * level
    if cfg.kind is Kind.TAG:
        out = []
        for value in vyos_sorted(cfg.children):
            out.append(f"{pad}{name} {value} {{")
            out.extend(_render_children_new(cfg.children[value], level + 1))
            out.append(f"{pad}}}")
        return out
    if cfg.kind in _LEAVES:
        return [f'{pad}{name} "{v}"' for v in cfg.values]
    if not cfg.children:
        return [pad + name]
    return [f"{pad}{name} {{", *_render_children_new(cfg, level + 1), f"{pad}}}"]


def _render_children_new(cfg: ConfigNode, level: int) -> list[str]:
    out: list[str] = []
    for key in vyos_sorted(cfg.children):
        out.extend(_render_new(key, cfg.children[key], level))
    return out


def _command_lines(op: str, path: list[str], cfg: ConfigNode) -> list[str]:
    """vyos1x-config render_commands of the subtree at `path` (full paths)."""
    if cfg.kind in _LEAVES:
        return [f"{op} {' '.join(path)} '{v}'" for v in cfg.values]
    if not cfg.children:
        return [f"{op} {' '.join(path)}"]
    out: list[str] = []
    for key in vyos_sorted(cfg.children):
        out.extend(_command_lines(op, [*path, key], cfg.children[key]))
    return out


@dataclass
class _NewDiff:
    commands: bool
    ppath: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)

    def emit(self, mark: str, path: list[str], cfg: ConfigNode) -> None:
        parent = path[:-1]
        if self.commands:
            target = self.deletes if mark == "-" else self.sets
            target.extend(_command_lines("delete" if mark == "-" else "set", path, cfg))
        else:
            if parent != self.ppath:
                self.text.append(f"[{' '.join(parent)}]")
            self.text.extend(f"{mark} {line}" for line in _render_new(path[-1], cfg, 0))
        self.ppath = parent


def _new_children(left: ConfigNode, right: ConfigNode) -> list[str]:
    first = vyos_sorted(left.children)
    return first + vyos_sorted(k for k in right.children if k not in left.children)


def _new_walk(
    d: _NewDiff, path: list[str], left: ConfigNode | None, right: ConfigNode | None
) -> None:
    if right is None:
        assert left is not None
        d.emit("-", path, left)
        return
    if left is None:
        d.emit("+", path, right)
        return
    if left == right:
        return
    if left.values != right.values:
        if len(left.values) == 1 and len(right.values) == 1:
            d.emit("-", path, left)
            d.emit("+", path, right)
            return
        gone = vyos_sorted(v for v in left.values if v not in right.values)
        new = vyos_sorted(v for v in right.values if v not in left.values)
        if gone:
            d.emit("-", path, ConfigNode(left.kind, values=gone))
        if new:
            d.emit("+", path, ConfigNode(right.kind, values=new))
        return
    for key in _new_children(left, right):
        _new_walk(d, [*path, key], left.children.get(key), right.children.get(key))


def compare_new(active: ConfigNode, working: ConfigNode) -> str:
    """`compare` diff text of 1.4 LTS / 1.5 ("" when nothing changed)."""
    d = _NewDiff(commands=False)
    _new_walk(d, [], active, working)
    return "".join(line + "\n" for line in d.text)


def compare_commands(active: ConfigNode, working: ConfigNode) -> str:
    """`compare commands`: deletes, then sets (an empty line first when there are no deletes)."""
    d = _NewDiff(commands=True)
    _new_walk(d, [], active, working)
    return "\n".join(d.deletes) + "\n" + "\n".join(d.sets) + "\n"


def compare_output(
    router: RouterVersion, active: ConfigNode, working: ConfigNode, *, commands: bool = False
) -> str:
    """What config-mode `compare [commands]` prints on this build."""
    if active == working:
        return router.no_changes_text + "\n"
    if commands:
        return compare_commands(active, working) + "\n"
    if router.compare_format is CompareFormat.OLD:
        return compare_old(active, working)
    return compare_new(active, working) + "\n"
