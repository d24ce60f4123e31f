"""The project's own copies of upstream data, checked against upstream (`make conformance`).

A clone has no ../shared, so the twin applies the project's stand-ins of MetalLB's manifests
(lab/manifests/) and the tests read verbatim excerpts of the reference write-up
(tests/fixtures/write_up/). Here both are compared with the files they come from:

- each MetalLB stand-in holds exactly upstream's objects (kind, name, namespace, in order), and
  each object is upstream's with only the `description` texts of CRD schemas left out: same
  webhooks, same CRD versions and fields, same workloads, images and arguments;
- each write-up excerpt is exactly the lines of the write-up its README names;
- the reference inventory's MetalLB pins (inventory/defaults.yaml) are the sha256 of
  upstream's files.

`python -m conformance.standalone --write` (re)writes the MetalLB stand-ins from upstream.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
STAND_INS = REPO / "lab" / "manifests"
EXCERPTS = REPO / "tests" / "fixtures" / "write_up"
WRITE_UP = Path("seed") / "000_d49ef959e28c536f.txt"

# stand-in (relative to lab/manifests) -> upstream file (relative to the shared dir's manifests/)
METALLB_STAND_INS = (
    "metallb-v0.9.6/namespace.yaml",
    "metallb-v0.9.6/metallb.yaml",
    "metallb-v0.14.9/metallb-native.yaml",
    "metallb-v0.16.1/metallb-native.yaml",
    "metallb-v0.16.1/metallb-frr.yaml",
)

HEADER = """\
# Stand-in for MetalLB {version}'s {name}
# (https://raw.githubusercontent.com/metallb/metallb/{tag}/config/manifests/{name},
# the same file as ../shared/manifests/{rel}),
# so that the twin and the tests need nothing beside the checkout. It keeps every object of
# upstream, in upstream's order, with upstream's kinds, names, namespaces, labels, RBAC,
# webhooks, workloads, images, arguments and CRD schemas (every version and field); it leaves
# out only the `description` texts of the CRD schemas, which are documentation (about 40% of
# upstream's bytes) and which neither the toolkit nor the twin reads. `make conformance`
# checks exactly that (conformance/standalone.py); `python -m conformance.standalone --write`
# rewrites it.
# Real sites apply upstream's URL pinned by sha256 (inventory/defaults.yaml).
"""

HEADER_096 = """\
# Stand-in for MetalLB v0.9.6's {name}
# (https://raw.githubusercontent.com/metallb/metallb/v0.9.6/manifests/{name},
# the same file as ../shared/manifests/{rel}),
# so that the twin and the tests need nothing beside the checkout. It keeps every object of
# upstream whole, in upstream's order: the file is small and has no CRDs, and the twin runs
# MetalLB as these objects say (images, arguments, RBAC, PSP).
# `make conformance` checks that it parses to upstream's documents (conformance/standalone.py);
# `python -m conformance.standalone --write` rewrites it.
# Real sites apply upstream's URL pinned by sha256 (inventory/defaults.yaml).
"""


def shared_dir(upstream: Path) -> Path:
    """The reference dir is ../shared/upstream; the manifests and the write-up sit beside it."""
    return upstream.parent


def load_docs(text: str) -> list[Any]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def without_descriptions(node: Any, in_schema: bool = False) -> Any:
    """`node` with every `description` key under a CRD's openAPIV3Schema left out."""
    if isinstance(node, dict):
        return {
            k: without_descriptions(v, in_schema or k == "openAPIV3Schema")
            for k, v in node.items()
            if not (in_schema and k == "description" and isinstance(v, str))
        }
    if isinstance(node, list):
        return [without_descriptions(v, in_schema) for v in node]
    return node


def stand_in_docs(upstream_docs: list[Any]) -> list[Any]:
    return [without_descriptions(d) for d in upstream_docs]


def render_stand_in(rel: str, upstream_text: str) -> str:
    folder, name = rel.split("/")
    version = folder.removeprefix("metallb-")
    shared_rel = f"metallb-{version}/{name}"
    if version == "v0.9.6":
        return HEADER_096.format(name=name, rel=shared_rel) + upstream_text
    header = HEADER.format(version=version, name=name, tag=version, rel=shared_rel)
    body = yaml.safe_dump_all(
        stand_in_docs(load_docs(upstream_text)), sort_keys=False, width=100, allow_unicode=True
    )
    return header + body


def identity(doc: Any) -> str:
    meta = doc.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{doc.get('kind')}/{(ns + '/') if ns else ''}{meta.get('name')}"


@dataclass
class Found:
    checked: int = 0
    problems: list[str] = field(default_factory=list)


def check_metallb(shared: Path) -> Found:
    """Each stand-in against its upstream file: same objects, upstream's minus descriptions."""
    found = Found()
    for rel in METALLB_STAND_INS:
        upstream_file = shared / "manifests" / rel
        stand_in = STAND_INS / rel
        if not upstream_file.is_file():
            found.problems.append(f"{rel}: upstream file {upstream_file} missing")
            continue
        if not stand_in.is_file():
            found.problems.append(f"{rel}: stand-in {stand_in} missing")
            continue
        want = stand_in_docs(load_docs(upstream_file.read_text()))
        have = load_docs(stand_in.read_text())
        found.checked += len(want)
        want_ids = [identity(d) for d in want]
        have_ids = [identity(d) for d in have]
        if want_ids != have_ids:
            missing = sorted(set(want_ids) - set(have_ids))
            extra = sorted(set(have_ids) - set(want_ids))
            found.problems.append(
                f"{stand_in}: objects differ from upstream (missing {missing}, extra {extra}"
                + (", order differs" if not (missing or extra) else "")
                + ")"
            )
            continue
        for oid, w, h in zip(want_ids, want, have, strict=True):
            if w != h:
                found.problems.append(f"{stand_in}: {oid} differs from upstream's")
    return found


_RANGE = re.compile(r"^\| `([^`]+)` \| (\d+)-(\d+) \|", re.M)


def excerpt_ranges() -> list[tuple[str, int, int]]:
    readme = (EXCERPTS / "README.md").read_text()
    return [(m[1], int(m[2]), int(m[3])) for m in _RANGE.finditer(readme)]


def check_write_up(shared: Path) -> Found:
    """Each excerpt is exactly the write-up's lines its README names."""
    found = Found()
    write_up = shared / WRITE_UP
    if not write_up.is_file():
        found.problems.append(f"write-up {write_up} missing")
        return found
    lines = write_up.read_text().splitlines(keepends=True)
    ranges = excerpt_ranges()
    listed = {name for name, _, _ in ranges}
    for path in sorted(EXCERPTS.glob("*.txt")):
        if path.name not in listed:
            found.problems.append(f"{path}: not listed in {EXCERPTS / 'README.md'}")
    for name, first, last in ranges:
        found.checked += 1
        if "".join(lines[first - 1 : last]) != (EXCERPTS / name).read_text():
            found.problems.append(f"{EXCERPTS / name}: not lines {first}-{last} of {write_up}")
    return found


def check_reference_pins(shared: Path) -> Found:
    """inventory/defaults.yaml pins upstream's v0.9.6 files by sha256: the same bytes as
    ../shared/manifests/metallb-v0.9.6/."""
    from bgplb.k8s.manifests import site_manifests
    from bgplb.model import load_site

    found = Found()
    for pinned in site_manifests(load_site(REPO / "inventory"))["metallb"]:
        found.checked += 1
        name = pinned.source.rsplit("/", 1)[1]
        local = shared / "manifests" / "metallb-v0.9.6" / name
        actual = hashlib.sha256(local.read_bytes()).hexdigest() if local.is_file() else None
        if actual != pinned.sha256:
            found.problems.append(
                f"inventory/defaults.yaml: {pinned.source} pinned {pinned.sha256}, "
                f"upstream's {local} is {actual}"
            )
    return found


def check_all(upstream: Path) -> dict[str, Found]:
    shared = shared_dir(upstream)
    return {
        "MetalLB stand-ins (lab/manifests)": check_metallb(shared),
        "write-up excerpts (tests/fixtures/write_up)": check_write_up(shared),
        "reference inventory's MetalLB pins": check_reference_pins(shared),
    }


def write_stand_ins(shared: Path) -> None:
    for rel in METALLB_STAND_INS:
        target = STAND_INS / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_stand_in(rel, (shared / "manifests" / rel).read_text()))
        print(f"wrote {target}")


if __name__ == "__main__":
    from conformance.references import upstream_dir

    if sys.argv[1:] == ["--write"]:
        write_stand_ins(shared_dir(upstream_dir()))
    else:
        sys.exit("usage: python -m conformance.standalone --write")
