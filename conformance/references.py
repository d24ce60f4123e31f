"""The reference dir (../shared/upstream, or BGPLB_UPSTREAM_DIR) and which upstream grammar
decides each emulated build."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conformance.grammar import GNode, Kind, load_nodedef_grammar, load_xml_grammar
from lab.vyos.versions import LTS_14_DATE, AsnSyntax, RouterVersion

REPO = Path(__file__).resolve().parents[1]
ENV = "BGPLB_UPSTREAM_DIR"

# One build per grammar snapshot the reference dir holds, by the version string it reports.
SAMPLE_VERSIONS = (
    "1.3.8",
    "1.4-rolling-202105210417",
    "1.4-rolling-202110050000",
    "1.4-rolling-202208010000",
    "1.4.0",
    "1.5-rolling-202410210000",
)


def upstream_dir() -> Path:
    found = Path(os.environ.get(ENV) or REPO.parent / "shared" / "upstream")
    if not found.is_dir():
        raise SystemExit(
            f"conformance: reference dir {found} not found (set {ENV} to the upstream files)"
        )
    return found


@dataclass(frozen=True)
class Reference:
    name: str  # folder(s) of the reference dir
    root: GNode
    missing_includes: frozenset[str]


def snapshot_for(router: RouterVersion) -> str:
    """The vyos-1x snapshot whose grammar a build follows."""
    if router.asn_syntax is AsnSyntax.TAG:
        return "vyos-1.3-equuleus + vyos-1x-1.3.8"
    if router.asn_syntax is AsnSyntax.LOCAL_AS:
        return "vyos-1x-2021-05-21"
    if router.line == "1.4" or router.build_date < LTS_14_DATE:
        return "vyos-1x-1.4.0"
    return "vyos-1x-2024-10-21"


@cache
def reference(base: Path, name: str) -> Reference:
    if name.startswith("vyos-1.3-equuleus"):
        root, missing = load_xml_grammar(base / "vyos-1x-1.3.8")  # system ip, protocols bfd
        quagga = load_nodedef_grammar(base / "vyos-1.3-equuleus" / "templates")
        protocols = root.children.setdefault("protocols", GNode("protocols", Kind.NODE))
        protocols.children["bgp"] = quagga.children["protocols"].children["bgp"]
        return Reference(name, root, frozenset(missing))
    root, missing = load_xml_grammar(base / name)
    return Reference(name, root, frozenset(missing))
