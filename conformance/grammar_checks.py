"""(a) The renderer's set lines and the emulator's grammar against the upstream grammar."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance.grammar import GNode, Kind, Verdict, check_path
from conformance.references import REPO, Reference, reference, snapshot_for
from lab.vyos import schema as emu
from lab.vyos.config_tree import split_command
from lab.vyos.versions import router_version

# Values tried on every emulator leaf and tag: the emulator must accept exactly what upstream
# accepts (where upstream's check can be decided here).
PROBES = (
    "0", "1", "3", "4", "8", "255", "256", "257", "65535", "65536", "4294967294", "4294967295",
    "-1", "abc", "a.b", "a-b_C9", "ABCD", "group01", "external", "internal", "192.0.2.1",
    "192.0.2.0/24", "192.0.2.1/24", "2001:db8::1", "eth0", "eth1.10", "lo", "dum0",
    "foo bar", "x" * 81, "x" * 255, "x" * 256,
)  # fmt: skip
SCOPE = (("protocols", "bgp"), ("system", "ip"))


@dataclass
class Findings:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


class _AnySecret(Mapping[str, str]):
    """Every password_env the inventory names resolves to one plain secret."""

    def __getitem__(self, key: str) -> str:
        return "conformance-Secret1"

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _check_lines(ref: Reference, lines: list[str], where: str, out: Findings) -> None:
    for line in lines:
        words = split_command(line)
        if not words or words[0] != "set":
            continue
        out.checked += 1
        result = check_path(ref.root, words[1:])
        if result.verdict is Verdict.BAD:
            out.problems.append(f"{where}: `{line}` against {ref.name}: {result.reason}")
        elif result.verdict is Verdict.UNKNOWN:
            out.unknown.append(f"{where}: `{line}`: {result.reason}")


def check_renderer(base: Path) -> Findings:
    """render_commands for inventory/ and inventory/lab/ under every product dialect, and the
    golden files, each against the grammar of the build they are for."""
    from bgplb.model import load_site
    from bgplb.vyos.bgp_config import render_commands
    from bgplb.vyos.dialects import UnknownVyosVersion, dialect_for

    out = Findings()
    for inv in ("inventory", "inventory/lab"):
        site = load_site(REPO / inv)
        for version in (site.router.vyos_version, *_sample_versions()):
            try:
                dialect = dialect_for(version)
            except UnknownVyosVersion:
                continue  # the product refuses this build: nothing rendered to check
            router = dataclasses.replace(site.router, vyos_version=version, dialect=dialect)
            lines = render_commands(dataclasses.replace(site, router=router), _AnySecret())
            ref = reference(base, snapshot_for(router_version(version)))
            _check_lines(ref, lines, f"{inv} as {version}", out)
    for golden in sorted((REPO / "tests" / "vyos" / "golden").glob("*.txt")):
        lines = golden.read_text().splitlines()
        for ref in _references_for_lines(base, lines):
            _check_lines(ref, lines, f"golden {golden.name}", out)
    return out


def _sample_versions() -> tuple[str, ...]:
    from conformance.references import SAMPLE_VERSIONS

    return SAMPLE_VERSIONS


def _references_for_lines(base: Path, lines: list[str]) -> list[Reference]:
    """Every reference grammar of the ASN syntax the lines use."""
    text = "\n".join(lines)
    if "protocols bgp system-as" in text:
        names = ["vyos-1x-1.4.0", "vyos-1x-2024-10-21"]
    elif "protocols bgp local-as" in text:
        names = ["vyos-1x-2021-05-21"]
    else:
        names = ["vyos-1.3-equuleus + vyos-1x-1.3.8"]
    return [reference(base, n) for n in names]


# --- emulator grammar -----------------------------------------------------------------------


def _sample(node: emu.SchemaNode, up: GNode) -> str | None:
    """A value both grammars accept, to walk below a tag node."""
    for value in PROBES:
        ok = node.validator is None or node.validator(value)
        if ok and up.check_value(value) is Verdict.OK:
            return value
    return None


def _walk(node: emu.SchemaNode, up: GNode, path: list[str], ref: Reference, out: Findings) -> None:
    for name, child in node.children.items():
        where = " ".join([*path, name])
        uchild = up.children.get(name)
        if uchild is None:
            if up.missing_includes:
                out.unknown.append(f"{ref.name}: `{where}` (include missing from reference dir)")
            else:
                out.problems.append(
                    f"{ref.name}: emulator accepts `{where}`, upstream has no such path"
                )
            continue
        out.checked += 1
        kinds = {emu.Kind.VALUELESS: Kind.VALUELESS, emu.Kind.NODE: Kind.NODE}
        expected = kinds.get(child.kind, Kind(child.kind.value))
        if uchild.kind is not expected:
            out.problems.append(
                f"{ref.name}: `{where}` is {child.kind.value} in the emulator, "
                f"{uchild.kind.value} upstream"
            )
            continue
        if child.takes_value:
            _probe(child, uchild, where, ref, out)
        if child.kind is emu.Kind.TAG:
            value = _sample(child, uchild)
            if value is None:
                out.problems.append(f"{ref.name}: `{where}`: no value both grammars accept")
                continue
            _walk(child, uchild, [*path, name, value], ref, out)
        elif child.kind is emu.Kind.NODE:
            _walk(child, uchild, [*path, name], ref, out)


def _probe(node: emu.SchemaNode, up: GNode, where: str, ref: Reference, out: Findings) -> None:
    for value in PROBES:
        verdict = up.check_value(value)
        if verdict is Verdict.UNKNOWN:
            continue
        accepts = node.validator is None or node.validator(value)
        if accepts != (verdict is Verdict.OK):
            side = "accepts" if accepts else "refuses"
            short = value if len(value) < 20 else f"{value[:8]}...({len(value)} chars)"
            out.problems.append(
                f"{ref.name}: `{where} {short}`: emulator {side}, upstream does not"
            )


def check_emulator(base: Path, versions: tuple[str, ...]) -> Findings:
    """Every path the emulator accepts under `protocols bgp` and `system ip`, per build."""
    out = Findings()
    for version in versions:
        router = router_version(version)
        ref = reference(base, snapshot_for(router))
        root = emu.schema_for(router)
        for top, sub in SCOPE:
            node = root.children[top].children[sub]
            unode = ref.root.children[top].children.get(sub)
            if unode is None:
                out.problems.append(f"{ref.name}: no `{top} {sub}` upstream")
                continue
            wrapper = emu.SchemaNode(emu.Kind.NODE, {sub: node})
            _walk(wrapper, GNode("", Kind.NODE, {sub: unode}), [top], ref, out)
    return out
