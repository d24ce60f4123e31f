"""Hostile YAML: size, depth, alias expansion and duplicate keys are refused before any object
is built; every refusal of validate is exit 2 with a JSON error document under --json; what
reaches the terminal is text, never markup or a control sequence."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest
from rich.console import Console

from bgplb.deploy.ledger import Entry, Ledger, Outcome
from bgplb.deploy.report import render_ledger
from bgplb.model import InventoryProblems, load_site
from bgplb.model.safe_yaml import INVENTORY_LIMITS, YamlRefused, parse_yaml
from bgplb.site_report import render_site
from bgplb.terminal import markup_safe, plain
from runbooks import validate
from tasks.phases import PHASES
from tests.model.mutate import copy_inventory


def billion_laughs(depth: int) -> str:
    lines = ['lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, depth + 1):
        lines.append(f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    # 10**9 strings once expanded: 15 s at depth 7 and over 30 s at depth 9 with safe_load
    "billion-laughs-9": (billion_laughs(9), "more than 50000 values"),
    "deep-flow-list": ("x: " + "[" * 5000 + "]" * 5000 + "\n", "nesting depth"),
    "deep-block-list": ("- " * 5000 + "x\n", "nested deeper than 32"),
    "self-alias": ("a: &a [*a]\n", "recursive alias"),
    "self-alias-in-map": ("a: &a {b: {c: *a}}\n", "recursive alias"),
    "alias-depth": (
        f"a: &a {'[' * 20}1{']' * 20}\nb: {'[' * 20}*a{']' * 20}\n",
        "deeper than 32 levels once aliases are expanded",
    ),
    "duplicate-key": ("vyos:\n  hostname: 198.18.1.1\nvyos:\n  groups: []\n", "duplicate key"),
    "duplicate-nested-key": ("a:\n  b: 1\n  c: 2\n  b: 3\n", "duplicate key 'b' at line 4"),
    "huge-int": ("a: " + "9" * 5000 + "\n", "cannot be read"),
    "impossible-date": ("a: 2021-02-30\n", "cannot be read"),
    "python-tag": ("a: !!python/object/apply:os.system ['touch x']\n", "could not determine"),
    "two-documents": ("a: 1\n---\nb: 2\n", "2 YAML documents"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_yaml_is_refused_fast(name: str) -> None:
    text, message = HOSTILE[name]
    start = time.monotonic()
    with pytest.raises(YamlRefused, match=message):
        parse_yaml(text)
    assert time.monotonic() - start < 1.0


def test_merge_keys_and_overrides_are_not_duplicates() -> None:
    text = "base: &b {x: 1, y: 2}\nhost:\n  <<: *b\n  x: 3\n"
    assert parse_yaml(text) == {"base": {"x": 1, "y": 2}, "host": {"x": 3, "y": 2}}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_validate_refuses_hostile_hosts_file_with_exit_2_and_json(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = copy_inventory(tmp_path / "inv")
    (inv / "hosts.yaml").write_text(HOSTILE[name][0])
    with pytest.raises(SystemExit) as info:
        validate.main(["--inventory", str(inv), "--json"])
    assert info.value.code == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    (problem,) = doc["problems"]
    assert problem["file"] == str(inv / "hosts.yaml")
    assert HOSTILE[name][1] in problem["message"]


def test_huge_file_refused_before_reading(tmp_path: Path) -> None:
    inv = copy_inventory(tmp_path / "inv")
    with (inv / "groups.yaml").open("r+b") as fh:
        fh.truncate(40 * 1024 * 1024)  # 40 MB (sparse): over 30 s with safe_load
    start = time.monotonic()
    with pytest.raises(InventoryProblems) as info:
        load_site(inv)
    assert time.monotonic() - start < 1.0
    (problem,) = info.value.problems
    assert problem.file == str(inv / "groups.yaml")
    assert f"larger than {INVENTORY_LIMITS.max_bytes} bytes" in problem.message


def test_manifest_path_of_unknown_user_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = copy_inventory(tmp_path / "inv")
    defaults = (inv / "defaults.yaml").read_text()
    defaults = defaults.replace(
        "manifest: https://raw.githubusercontent.com/projectcalico/calico/v3.19.1/manifests/calico.yaml",
        "manifest: ~nosuchuser-bgplb/calico.yaml",
    )
    (inv / "defaults.yaml").write_text(defaults)
    with pytest.raises(SystemExit) as info:
        validate.main(["--inventory", str(inv), "--json"])
    assert info.value.code == 2
    doc = json.loads(capsys.readouterr().out)
    keys = {p["key"]: p["message"] for p in doc["problems"]}
    assert "unknown user" in keys["data.site.kubernetes.cni.manifest"]


def test_an_unexpected_error_is_still_exit_2_with_a_json_document(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_directory: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("bgplb.cli.load_site", broken)
    with pytest.raises(SystemExit) as info:
        validate.main(["--inventory", "inventory", "--json"])
    assert info.value.code == 2
    doc = json.loads(capsys.readouterr().out)
    assert "could not be validated (RecursionError" in doc["problems"][0]["message"]


# -------------------------------------------------------------- terminal output

HOSTILE_NAME = "x[/]\x1b]0;owned\x07\x1b[2J[bold]\u202e"


def test_plain_escapes_controls_and_keeps_newlines() -> None:
    assert plain("a\x1b[31mb\x00c\u202ed\ne\tf") == "a\\x1b[31mb\\x00c\\u202ed\ne\tf"
    assert markup_safe("x[/]") == "x\\[/]"


def _recorded() -> Console:
    return Console(record=True, width=200, force_terminal=True, color_system=None)


def test_site_report_prints_names_as_text(tmp_path: Path) -> None:
    site = load_site("inventory/lab")
    router = dataclasses.replace(site.router, name=HOSTILE_NAME)
    hostile = dataclasses.replace(site, router=router, inventory_dir=tmp_path / "[red]dir")
    console = _recorded()
    render_site(hostile, console)
    shown = console.export_text()
    assert "x[/]\\x1b]0;owned\\x07\\x1b[2J[bold]\\u202e" in shown
    assert "[red]dir" in shown
    assert "\x1b" not in shown
    assert "\x07" not in shown


def test_deploy_report_prints_hosts_and_details_as_text() -> None:
    site = load_site("inventory/lab")
    ledger = Ledger(site, PHASES)
    ledger.record(Entry("router", HOSTILE_NAME, Outcome.FAILED, detail="bad [/] \x1b[31mred"))
    ledger.record(Entry("router", "vyos", Outcome.CHANGED, diff="+ set x '[/]'\x1b[0m\n"))
    console = _recorded()
    render_ledger(ledger, ("router",), console, dry_run=True)
    shown = console.export_text()
    assert "bad [/] \\x1b[31mred" in shown
    assert "+ set x '[/]'\\x1b[0m" in shown
    assert "\x1b" not in shown


def test_bad_input_messages_print_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = copy_inventory(tmp_path / "inv")
    hosts = (inv / "hosts.yaml").read_text()
    (inv / "hosts.yaml").write_text(
        hosts.replace("\nc01:\n  hostname: 192.168.123.5", '\n"x[/]\\e[2J":\n  hostname: nope')
    )
    with pytest.raises(SystemExit) as info:
        validate.main(["--inventory", str(inv)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "host x[/]\\x1b[2J" in err
    assert "\x1b" not in err
