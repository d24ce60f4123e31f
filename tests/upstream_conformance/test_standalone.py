"""conformance/standalone.py on a made-up ../shared (no real one needed): the stand-ins of
MetalLB's manifests, the write-up excerpts and the reference pins against "upstream"."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance import standalone
from conformance.standalone import (
    METALLB_STAND_INS,
    STAND_INS,
    check_metallb,
    check_reference_pins,
    check_write_up,
    excerpt_ranges,
    load_docs,
    without_descriptions,
)


def with_descriptions(node: Any, in_schema: bool = False) -> Any:
    """Upstream-like: a description beside every `type` of a CRD's openAPIV3Schema."""
    if isinstance(node, dict):
        out = {
            k: with_descriptions(v, in_schema or k == "openAPIV3Schema") for k, v in node.items()
        }
        if in_schema and isinstance(out.get("type"), str):
            out["description"] = "documentation only"
        return out
    if isinstance(node, list):
        return [with_descriptions(v, in_schema) for v in node]
    return node


def fake_upstream(shared: Path, change: Any = None) -> None:
    """../shared/manifests made from the stand-ins, with CRD descriptions put back."""
    for rel in METALLB_STAND_INS:
        docs = load_docs((STAND_INS / rel).read_text())
        docs = [
            with_descriptions(d) if d.get("kind") == "CustomResourceDefinition" else d for d in docs
        ]
        if change is not None:
            docs = change(rel, docs)
        target = shared / "manifests" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump_all(docs, sort_keys=False))


def test_descriptions_are_left_out_only_under_a_crd_schema() -> None:
    doc = {
        "description": "kept",
        "spec": {"versions": [{"schema": {"openAPIV3Schema": {"description": "x", "type": "o"}}}]},
    }
    assert without_descriptions(doc) == {
        "description": "kept",
        "spec": {"versions": [{"schema": {"openAPIV3Schema": {"type": "o"}}}]},
    }
    # a property *named* description (a schema under properties) is a field, not a text: kept
    props = {"openAPIV3Schema": {"properties": {"description": {"type": "string"}}}}
    assert without_descriptions(props) == props


def test_stand_ins_agree_with_an_upstream_that_only_adds_descriptions(tmp_path: Path) -> None:
    fake_upstream(tmp_path)
    found = check_metallb(tmp_path)
    assert found.problems == []
    assert found.checked == sum(
        len(load_docs((STAND_INS / rel).read_text())) for rel in METALLB_STAND_INS
    )


def test_a_changed_image_in_upstream_is_named(tmp_path: Path) -> None:
    def bump(rel: str, docs: list[Any]) -> list[Any]:
        if rel == "metallb-v0.16.1/metallb-frr.yaml":
            for d in docs:
                if d["kind"] == "DaemonSet":
                    d["spec"]["template"]["spec"]["containers"][0]["image"] = "x/speaker:v9"
        return docs

    fake_upstream(tmp_path, bump)
    (problem,) = check_metallb(tmp_path).problems
    assert "metallb-v0.16.1/metallb-frr.yaml: DaemonSet/metallb-system/speaker differs" in problem


def test_a_webhook_or_crd_field_missing_from_the_stand_in_is_named(tmp_path: Path) -> None:
    def add(rel: str, docs: list[Any]) -> list[Any]:
        if rel == "metallb-v0.14.9/metallb-native.yaml":
            docs.append({"kind": "ValidatingWebhookConfiguration", "metadata": {"name": "extra"}})
            for d in docs:
                if d["kind"] == "CustomResourceDefinition":
                    schema = d["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
                    schema["properties"]["spec"]["properties"]["newField"] = {"type": "string"}
                    break
        return docs

    fake_upstream(tmp_path, add)
    problems = check_metallb(tmp_path).problems
    assert len(problems) == 1
    assert "missing ['ValidatingWebhookConfiguration/extra']" in problems[0]

    # once the object list agrees, the CRD's new field is what differs
    def only_field(rel: str, docs: list[Any]) -> list[Any]:
        return [d for d in add(rel, docs) if d["metadata"].get("name") != "extra"]

    shutil.rmtree(tmp_path / "manifests")
    fake_upstream(tmp_path, only_field)
    (problem,) = check_metallb(tmp_path).problems
    assert "CustomResourceDefinition/" in problem and "differs from upstream's" in problem


def test_missing_upstream_file_is_a_problem(tmp_path: Path) -> None:
    found = check_metallb(tmp_path)
    assert len(found.problems) == len(METALLB_STAND_INS)
    assert all("upstream file" in p for p in found.problems)


def write_up_from_excerpts(shared: Path, length: int = 400) -> Path:
    """A write-up with each excerpt at its README's lines, filler elsewhere."""
    lines = [f"filler {i}\n" for i in range(1, length + 1)]
    for name, first, last in excerpt_ranges():
        text = (standalone.EXCERPTS / name).read_text().splitlines(keepends=True)
        assert len(text) == last - first + 1, name
        lines[first - 1 : last] = text
    path = shared / standalone.WRITE_UP
    path.parent.mkdir(parents=True)
    path.write_text("".join(lines))
    return path


def test_excerpts_are_the_lines_their_readme_names(tmp_path: Path) -> None:
    write_up = write_up_from_excerpts(tmp_path)
    found = check_write_up(tmp_path)
    assert (found.checked, found.problems) == (5, [])
    text = write_up.read_text().replace("Version:          VyOS 1.4", "Version:          VyOS 1.5")
    write_up.write_text(text)
    (problem,) = check_write_up(tmp_path).problems
    assert "show-version.txt: not lines 228-248" in problem


def test_reference_pins_against_upstream_bytes(tmp_path: Path) -> None:
    folder = tmp_path / "manifests" / "metallb-v0.9.6"
    folder.mkdir(parents=True)
    for name in ("namespace.yaml", "metallb.yaml"):
        (folder / name).write_text("not upstream\n")
    problems = check_reference_pins(tmp_path).problems
    assert len(problems) == 2
    digest = hashlib.sha256(b"not upstream\n").hexdigest()
    assert all(f"is {digest}" in p for p in problems)


@pytest.mark.parametrize("rel", METALLB_STAND_INS)
def test_each_stand_in_has_its_header(rel: str) -> None:
    text = (STAND_INS / rel).read_text()
    assert text.startswith("# Stand-in for MetalLB ")
    assert "It keeps every object of" in text and "make conformance" in text
