"""runbooks.vyos_dialect against a recorded router (a stand-in device answering get_facts and
`show configuration commands` from the renderer's golden files): dry run, the inventory's
version checked against the router's, passwords masked, --yes commits only what is planned."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runbooks import vyos_dialect
from tests.model.mutate import mutated

GOLDEN = Path(__file__).parent / "golden"
PASSWORD = "router-only-password-77"


class Router:
    """What the runbook asks of the bgplb_vyos driver, answered from text. Its BGP sessions:
    `up` before a commit, `up_after` once committed (None: the same)."""

    def __init__(
        self,
        version: str,
        commands: str,
        up: tuple[str, ...] = ("10.0.0.1",),
        up_after: tuple[str, ...] | None = None,
    ) -> None:
        self.version, self.commands = version, commands
        self.loaded: list[str] = []
        self.committed = False
        self.calls: list[str] = []
        self.up, self.up_after = up, up_after

    def get_bgp_neighbors(self) -> dict[str, Any]:
        up = self.up_after if self.committed and self.up_after is not None else self.up
        return {"global": {"peers": {a: {"is_up": True} for a in up}}}

    def confirm_commit(self) -> None:
        self.calls.append("confirm")

    def rollback(self) -> None:
        self.calls.append("rollback")
        self.committed = False

    def get_facts(self) -> dict[str, Any]:
        return {"os_version": self.version}

    def cli(self, commands: list[str]) -> dict[str, str]:
        assert commands == ["show configuration commands"]
        return {commands[0]: self.commands}

    def load_merge_candidate(self, config: str) -> None:
        self.loaded.append(config)

    def compare_config(self) -> str:
        return "\n".join(f"+ {line}" for line in self.loaded[-1].splitlines())

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        self.calls.append(f"commit-confirm {revert_in}")
        self.committed = True


@pytest.fixture(autouse=True)
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The commit-confirm records (bgplb/pending_confirm.py) go to tmp_path, not the twin's."""
    where = tmp_path / "state"
    monkeypatch.setattr("bgplb.pending_confirm.state_dir", lambda _site: where)
    return where


def connect_to(router: Router) -> Callable[[Any], tuple[Any, Callable[[], None]]]:
    return lambda _site: (router, lambda: None)


def run(argv: list[str], router: Router, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code = vyos_dialect.main([*argv, "--json"], connect=connect_to(router))
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err
    return code, json.loads(out.out)


def lab_at(tmp_path: Path, version: str) -> Path:
    def edit(files: dict[str, Any]) -> None:
        files["hosts"]["vyos"]["data"]["vyos_version"] = version

    return mutated(tmp_path / version, edit, source="inventory/lab")


def test_after_an_image_upgrade_the_inventory_is_told_and_nothing_is_sent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    router = Router("1.4.3", (GOLDEN / "bgp-1.4-lts.txt").read_text())
    code, doc = run(["--inventory", "inventory/lab", "--yes"], router, capsys)
    assert code == 0, doc
    plan = doc["plan"]
    assert plan["reported"] == {"version": "1.4.3", "dialect": "1.4"}
    assert plan["declared"]["dialect"] == "1.4-rolling-2021"
    assert plan["lines"] == [] and plan["form"] == "system-as"
    assert any("set it to 1.4.3" in n for n in plan["notes"])
    assert router.loaded == [] and not router.committed


def test_yes_is_refused_while_the_inventory_names_another_dialect(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = "set protocols bgp local-as '64501'\nset protocols bgp neighbor 10.0.0.1 remote-as '1'\n"
    router = Router("1.4-rolling-202201010000", text)
    code, doc = run(["--inventory", "inventory/lab", "--yes"], router, capsys)
    assert code == 2 and not doc["ok"]
    assert "data.vyos_version: set it to 1.4-rolling-202201010000 first" in doc["refusals"][-1]
    assert router.loaded == []


def test_yes_commits_the_planned_lines_and_masks_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A router on 1.4.3 running a local-as config (loaded from an old file without the
    migrator), the inventory naming 1.4.3: the lines are bgp/2-to-3's."""
    version = "1.4.3"
    text = (
        "set protocols bgp local-as '64501'\n"
        "set protocols bgp neighbor 10.0.0.1 address-family ipv4-unicast\n"
        "set protocols bgp neighbor 10.0.0.1 remote-as '1'\n"
        f"set protocols bgp neighbor 10.0.0.1 password '{PASSWORD}'\n"
    )
    router = Router(version, text)
    inventory = lab_at(tmp_path, version)
    lines = ["delete protocols bgp local-as", "set protocols bgp system-as 64501"]
    code, doc = run(["--inventory", str(inventory), "--dry-run"], router, capsys)
    assert code == 0 and doc["plan"]["lines"] == lines
    assert router.loaded == []
    code, doc = run(["--inventory", str(inventory), "--yes"], router, capsys)
    assert code == 0 and router.committed
    assert router.loaded == ["\n".join(lines)]
    assert router.calls == ["commit-confirm 300", "confirm"]  # as the deploy commits
    assert not list(tmp_path.glob("state/pending-confirm.*"))


V143_LOCAL_AS = (
    "set protocols bgp local-as '64501'\n"
    "set protocols bgp neighbor 10.0.0.1 address-family ipv4-unicast\n"
    "set protocols bgp neighbor 10.0.0.1 remote-as '1'\n"
)


def test_a_session_that_does_not_come_back_rolls_the_change_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tasks.router_bgp.time.sleep", lambda _s: None)
    router = Router("1.4.3", V143_LOCAL_AS, up_after=())
    inventory = lab_at(tmp_path, "1.4.3")
    monkeypatch.setattr(
        "tasks.router_bgp.time.monotonic", iter(float(i) for i in range(0, 1000, 10)).__next__
    )
    code = vyos_dialect.main(["--inventory", str(inventory), "--yes"], connect=connect_to(router))
    err = capsys.readouterr().err
    assert code == 1
    assert router.calls == ["commit-confirm 300", "rollback"]
    assert "rolled back: session(s) 10.0.0.1 did not come back" in err
    assert not list(tmp_path.glob("state/pending-confirm.*"))


def test_a_commit_confirm_a_killed_deploy_left_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import datetime

    from bgplb.model import load_site
    from bgplb.pending_confirm import new_record, save_record

    inventory = lab_at(tmp_path, "1.4.3")
    site = load_site(inventory)
    save_record(site, new_record("vyos", 4242, datetime.now().astimezone(), 5, "set x"))
    router = Router("1.4.3", V143_LOCAL_AS)
    code, doc = run(["--inventory", str(inventory), "--yes"], router, capsys)
    assert code == 2 and not doc["ok"]
    assert "pid 4242" in doc["refusals"][-1] and "--pending-confirm" in doc["refusals"][-1]
    assert router.loaded == [] and router.calls == []


def test_the_preview_of_an_upgrade_masks_passwords(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "set protocols bgp 64501 neighbor 10.0.0.1 remote-as '1'\n"
        f"set protocols bgp 64501 neighbor 10.0.0.1 password '{PASSWORD}'\n"
    )
    router = Router("1.3.8", text)
    code, doc = run(["--inventory", str(lab_at(tmp_path, "1.4.3")), "--dry-run"], router, capsys)
    assert code == 2
    assert "set protocols bgp neighbor 10.0.0.1 password ********" in doc["plan"]["preview"]
    assert "set protocols bgp system-as 64501" in doc["plan"]["preview"]
