"""runbooks.audit wiring: options, one JSON document, exit codes; gathering replaced by fakes."""

from __future__ import annotations

import json
from collections.abc import Collection

import pytest
from rich.console import Console

from bgplb.audit.observations import Observations
from bgplb.errors import InputError
from bgplb.model import Site
from runbooks import audit
from tasks.audit_gather import GatherOptions

from . import replay

TWIN = str(replay.TWIN)


class FakeGather:
    def __init__(self, scenario: str) -> None:
        self.scenario = scenario
        self.calls: list[tuple[set[str], GatherOptions]] = []

    def __call__(
        self, site: Site, hosts: Collection[str], options: GatherOptions, console: Console
    ) -> Observations:
        self.calls.append((set(hosts), options))
        return replay.observations(self.scenario, replay.site_for(self.scenario))


def test_healthy_json_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeGather("healthy")
    code = audit.main(["--inventory", TWIN, "--json", "--flows", "12", "--no-probe"], gather=fake)
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["ok"] is True
    assert set(doc) >= {"ok", "findings", "services", "sessions"}
    (hosts, options) = fake.calls[0]
    assert "vyos" in hosts and "c01" in hosts
    assert (options.flows, options.probe, options.requests) == (12, False, 30)


@pytest.mark.parametrize("scenario", ["node_down", "policy_state", "ungatherable_router"])
def test_error_findings_exit_1(scenario: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = audit.main(["--inventory", TWIN, "--json"], gather=FakeGather(scenario))
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["ok"] is False
    assert any(f["severity"] == "error" for f in doc["findings"])


def test_text_report_goes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code = audit.main(["--inventory", TWIN], gather=FakeGather("master_excluded_0_14"))
    out = capsys.readouterr().out
    assert code == 0
    assert "audit passed" in out and "master01 not an announcer" in out


def test_limit_reaches_the_gather(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeGather("healthy")
    audit.main(["--inventory", TWIN, "--json", "--limit", "router,control_plane"], gather=fake)
    capsys.readouterr()
    assert fake.calls[0][0] == {"vyos", "master01"}


def test_bad_limit_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeGather("healthy")
    with pytest.raises(SystemExit) as exc:
        audit.main(["--inventory", TWIN, "--json", "--limit", "nosuchhost"], gather=fake)
    assert exc.value.code == 2 and not fake.calls
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_missing_inventory_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        audit.main(["--inventory", "/nonexistent", "--json"], gather=FakeGather("healthy"))
    assert exc.value.code == 2
    capsys.readouterr()


def test_missing_secret_during_gather_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    def gather(*_: object) -> Observations:
        raise InputError("host vyos: environment variable BGPLB_LAB_PASSWORD is not set")

    with pytest.raises(SystemExit) as exc:
        audit.main(["--inventory", TWIN, "--json"], gather=gather)
    assert exc.value.code == 2
    assert "BGPLB_LAB_PASSWORD" in capsys.readouterr().out


def test_negative_flows_is_rejected() -> None:
    with pytest.raises(SystemExit) as exc:
        audit.main(["--inventory", TWIN, "--flows", "-1"], gather=FakeGather("healthy"))
    assert exc.value.code == 2
