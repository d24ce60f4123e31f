"""The runbooks' shared command-line rules: a --limit or --tags that selects nothing is bad
input (exit 2, a message, nothing contacted), validate honours --limit, and argparse's own
usage errors under --json still print one JSON error document."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from nornir.core.task import Result, Task

from runbooks import audit, deploy, lab, validate
from tasks.phases import PHASES
from tests.conftest import REPO

INVENTORY = str(REPO / "inventory")
TWIN = str(REPO / "inventory" / "lab")


@pytest.fixture
def contacted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Every phase task replaced by one that records the host it would contact (HOME and the
    working directory in tmp_path: the site's state and nornir.log land there)."""
    calls: list[str] = []
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)

    def record(task: Task, site: Any, dry_run: bool) -> Result:
        calls.append(task.host.name)
        return Result(host=task.host)

    monkeypatch.setattr(deploy, "PHASES", PHASES.with_tasks(dict.fromkeys(PHASES.names, record)))
    monkeypatch.setenv("BGPLB_ROUTER_PASSWORD", "not-used")
    return calls


def bad_input(
    main: Callable[[list[str]], int], argv: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[str, str]:
    """Run a runbook expecting exit 2; its JSON error message (stdout) and its stderr."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["ok"] is False and doc["error"] == "bad input"
    (problem,) = doc["problems"]
    return str(problem["message"]), captured.err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--tags", ""], "--tags '': no phase named"),
        (["--tags", " , "], "--tags ' , ': no phase named"),
        (["--skip-tags", ",".join(PHASES.names)], "skips every selected phase"),
        (["--tags", "router", "--skip-tags", "router"], "skips every selected phase (router)"),
        (["--limit", ""], "--limit '': no host or group named"),
        (["--limit", "clients"], "nothing to do: --limit selects none of the hosts"),
        (["--tags", "vms", "--limit", "router"], "of the phase(s) vms (vyos selected)"),
    ],
)
def test_deploy_selecting_nothing_is_bad_input(
    options: list[str], message: str, contacted: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text, _ = bad_input(deploy.main, ["--inventory", INVENTORY, "--json", *options], capsys)
    assert message in text
    assert contacted == []


def test_deploy_limit_of_an_empty_group_is_bad_input(
    tmp_path: Path, contacted: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("groups", "defaults"):
        (tmp_path / f"{name}.yaml").write_text((REPO / "inventory" / f"{name}.yaml").read_text())
    hosts = yaml.safe_load((REPO / "inventory" / "hosts.yaml").read_text())
    del hosts["kvm"]  # no hypervisor: its group selects nobody
    (tmp_path / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    argv = ["--inventory", str(tmp_path), "--json", "--limit", "hypervisor"]
    text, _ = bad_input(deploy.main, argv, capsys)
    assert text == "--limit 'hypervisor' selects no host (its groups are empty)"
    assert contacted == []


def test_deploy_limit_that_selects_work_still_runs(
    contacted: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = deploy.main(["--inventory", INVENTORY, "--json", "--tags", "join", "--limit", "workers"])
    assert code == 0
    assert sorted(contacted) == ["worker01", "worker02"]
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_validate_honours_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.main(["--inventory", INVENTORY, "--json", "--limit", "workers,c01"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["selected"] == ["c01", "worker01", "worker02"]
    assert [h["name"] for h in doc["hosts"]] == ["worker01", "worker02", "c01"]
    assert validate.main(["--inventory", INVENTORY, "--limit", "router"]) == 0
    out = capsys.readouterr().out
    hosts_table = out.split("Router BGP")[0]
    assert "Hosts (--limit: 1 of 8)" in hosts_table
    assert "│ vyos │ router │" in hosts_table and "master01" not in hosts_table


def test_validate_without_limit_lists_every_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.main(["--inventory", INVENTORY, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["selected"]) == 8
    assert len(doc["hosts"]) == 6  # nodes and clients; the router has its own section


@pytest.mark.parametrize(
    ("limit", "message"),
    [("nosuch", "--limit: unknown host or group 'nosuch'"), ("", "no host or group named")],
)
def test_validate_bad_limit_is_bad_input(
    limit: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text, _ = bad_input(
        validate.main, ["--inventory", INVENTORY, "--json", "--limit", limit], capsys
    )
    assert message in text


@pytest.mark.parametrize(
    "options", [["--limit", "workers"], ["--limit", "clients", "--no-probe"], ["--limit", ""]]
)
def test_audit_selecting_nothing_is_bad_input(
    options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[object] = []

    def gather(*args: object) -> Any:
        calls.append(args)
        raise AssertionError("gathered")

    argv = ["--inventory", TWIN, "--json", *options]
    with pytest.raises(SystemExit) as exc:
        audit.main(argv, gather=gather)
    assert exc.value.code == 2 and calls == []
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False


@pytest.mark.parametrize(
    ("main", "argv", "message"),
    [
        (deploy.main, ["--json", "--bogus"], "unrecognized arguments: --bogus"),
        (deploy.main, ["--js", "--bogus"], "unrecognized arguments: --bogus"),
        (validate.main, ["--json", "--limit"], "argument --limit: expected one argument"),
        (audit.main, ["--json", "--flows", "-3"], "argument --flows: must be 0 or more"),
        (lab.main, ["--json"], "the following arguments are required: action"),
        (lab.main, ["up", "--json", "--bogus"], "unrecognized arguments: --bogus"),
        (lab.main, ["--json", "exec"], "python -m runbooks.lab exec: error:"),
    ],
)
def test_usage_errors_under_json_print_a_json_error(
    main: Callable[[list[str]], int],
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text, err = bad_input(main, argv, capsys)
    assert message.replace(" error:", "") in text
    assert "usage:" in err


def test_usage_errors_without_json_are_argparse_s(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        deploy.main(["--bogus", "--", "--json"])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "error: unrecognized arguments: --bogus" in captured.err
