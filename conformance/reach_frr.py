"""(c) No accept-and-drop: every leaf the emulator accepts under `protocols bgp` changes what
the router applies (FRR config or sysctls) when committed, unless the upstream template of
that build renders nothing for it either (listed below with the line that says so)."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.grammar_checks import PROBES
from lab.vyos import schema as emu
from lab.vyos.config_tree import load_commands, set_path
from lab.vyos.frr_translate import translate
from lab.vyos.versions import AsnSyntax, RouterVersion, router_version

# Paths (under the BGP instance, values as `*`) that upstream itself renders to nothing.
UPSTREAM_RENDERS_NOTHING: dict[AsnSyntax, dict[str, str]] = {
    AsnSyntax.TAG: {
        "neighbor * description *": "vyatta-bgp.pl %qcom has no `neighbor var description`",
        "peer-group * description *": "vyatta-bgp.pl %qcom has no `peer-group var description`",
    },
}
# Leaves that only render together (template: `if keepalive and holdtime`; 1.3 %qcom
# `timers @keepalive @holdtime`).
PAIRS = {"keepalive": "holdtime", "holdtime": "keepalive"}


@dataclass
class ReachFindings:
    checked: int = 0
    dropped: list[str] = field(default_factory=list)


def _instance_prefix(router: RouterVersion) -> tuple[list[str], list[str]]:
    """(path prefix of the BGP instance, set lines of a minimal instance)."""
    if router.asn_syntax is AsnSyntax.TAG:
        return ["protocols", "bgp", "64501"], [
            "set protocols bgp 64501 parameters router-id 1.1.1.1"
        ]
    word = "local-as" if router.asn_syntax is AsnSyntax.LOCAL_AS else "system-as"
    return ["protocols", "bgp"], [f"set protocols bgp {word} 64501"]


def _leaf_paths(node: emu.SchemaNode, path: list[str]) -> list[tuple[list[str], emu.SchemaNode]]:
    out: list[tuple[list[str], emu.SchemaNode]] = []
    for name, child in node.children.items():
        if child.kind is emu.Kind.TAG:
            value = next(p for p in PROBES if child.validator is None or child.validator(p))
            if name == "peer-group":
                value = "PG"
            elif name == "neighbor":
                value = "198.18.7.2"
            sub = [*path, name, value]
            out.append((sub, child))
            out += _leaf_paths(emu.SchemaNode(emu.Kind.NODE, child.children), sub)
        elif child.kind is emu.Kind.NODE:
            out.append(([*path, name], child))
            out += _leaf_paths(child, [*path, name])
        else:
            out.append(([*path, name], child))
    return out


def _with_value(path: list[str], node: emu.SchemaNode) -> list[str]:
    if node.kind in (emu.Kind.LEAF, emu.Kind.MULTI):
        value = next(p for p in ("3", "30", "64500", "198.18.7.1", "PG", "text")
                     if node.validator is None or node.validator(p))  # fmt: skip
        return [*path, value]
    return path


def _pattern(rel: list[str], node: emu.SchemaNode) -> str:
    words = list(rel)
    for i in range(1, len(words)):
        if words[i - 1] in ("neighbor", "peer-group", "network"):
            words[i] = "*"
    if node.kind in (emu.Kind.LEAF, emu.Kind.MULTI):
        words.append("*")
    return " ".join(words)


def check_reach(versions: tuple[str, ...]) -> ReachFindings:
    out = ReachFindings()
    for version in versions:
        router = router_version(version)
        schema = emu.schema_for(router)
        prefix, base_lines = _instance_prefix(router)
        # the group members need: a neighbor in peer group PG with a remote-as
        base_lines = [
            *base_lines,
            f"set {' '.join(prefix)} peer-group PG remote-as 64500",
            f"set {' '.join(prefix)} neighbor 198.18.7.2 peer-group PG",
        ]
        base = load_commands(schema, base_lines)
        before = translate(base, router)
        instance = schema.children["protocols"].children["bgp"]
        if router.asn_syntax is AsnSyntax.TAG:
            instance = emu.SchemaNode(emu.Kind.NODE, instance.children)
        for rel, node in _leaf_paths(instance, []):
            if node.kind in (emu.Kind.NODE, emu.Kind.TAG) and node.children:
                continue  # containers are covered by their leaves
            words = [*prefix, *_with_value(rel, node)]
            pattern = _pattern(rel, node)
            if pattern in UPSTREAM_RENDERS_NOTHING.get(router.asn_syntax, {}):
                continue
            tree = base.clone()
            if not set_path(tree, schema, words).ok:
                out.dropped.append(f"{version}: `{' '.join(words)}` refused on its own")
                continue
            if rel[-1] in PAIRS:
                partner = [*words[:-2], PAIRS[rel[-1]], "30"]
                set_path(tree, schema, partner)
            out.checked += 1
            if translate(tree, router) == before:
                out.dropped.append(f"{version}: `set {' '.join(words)}` never reaches FRR")
    return out
