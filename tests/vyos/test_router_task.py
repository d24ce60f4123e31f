"""The router task's control flow: idempotency, dry run, commit-confirm, rollback, redaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nornir.core import Nornir

from bgplb.model import Site, load_site
from bgplb.nornir_init import init_nornir
from bgplb.vyos.bgp_config import render_commands
from tasks.router_bgp import router_bgp
from tests.model.mutate import Files, mutated
from tests.vyos.fake_vyos import FakeVyos


class Injected:
    """What Nornir keeps in host.connections: an object with a `.connection`."""

    def __init__(self, device: FakeVyos) -> None:
        self.connection = device

    def close(self) -> None:
        pass


def converged(site: Site, env: dict[str, str] | None = None) -> list[str]:
    return [line.removeprefix("set ") for line in render_commands(site, env or {})]


def run(site: Site, device: FakeVyos, **kwargs: Any) -> Any:
    nr: Nornir = init_nornir(site, {site.router.name})
    nr.inventory.hosts[site.router.name].connections["napalm"] = Injected(device)  # type: ignore[assignment]
    result = nr.run(task=router_bgp, site=site, settle_timeout=0.5, **kwargs)
    return result[site.router.name][0]


@pytest.fixture(autouse=True)
def router_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("BGPLB_ROUTER_PASSWORD", "router-pass-123")
    monkeypatch.setenv("HOME", str(tmp_path))  # the site's state dir (~/.kube/...) lands there
    yield


@pytest.fixture
def site() -> Site:
    return load_site("inventory")


PEERS = ["192.168.30.50", "192.168.30.60", "192.168.30.61"]


def test_converged_router_changes_nothing(site: Site) -> None:
    device = FakeVyos(running=converged(site), peers=PEERS)
    result = run(site, device)
    assert (result.changed, result.diff, result.failed) == (False, "", False)
    assert not any(c.startswith("commit") for c in device.calls)


def test_dry_run_shows_exactly_the_missing_line_and_changes_nothing(site: Site) -> None:
    manual = [x for x in converged(site) if "maximum-paths ebgp" not in x]
    device = FakeVyos(running=list(manual), peers=PEERS)
    result = run(site, device, dry_run=True)
    assert result.changed is True
    assert result.diff == "+protocols bgp address-family ipv4-unicast maximum-paths ebgp '8'"
    assert device.running == manual
    assert "discard_config" in device.calls
    assert not any(c.startswith("commit") for c in device.calls)


def test_commit_confirms_and_a_rerun_changes_nothing(site: Site) -> None:
    device = FakeVyos(running=["service ssh"], peers=PEERS)
    first = run(site, device, revert_in=120)
    assert first.changed and not first.failed
    assert "commit_config revert_in=120" in device.calls
    assert device.calls[-1] == "confirm_commit"
    assert "service ssh" in device.running  # outside what the toolkit manages
    second = run(site, device)
    assert (second.changed, second.diff) == (False, "")


def test_first_deploy_on_a_router_without_bgp_does_not_ask_for_sessions(site: Site) -> None:
    # FRR has no BGP summary to give before the first commit: nothing to keep up either
    device = FakeVyos(running=["service ssh"], peers=PEERS)
    result = run(site, device)
    assert result.changed and not result.failed
    first_commit = next(i for i, c in enumerate(device.calls) if c.startswith("commit_config"))
    assert "get_bgp_neighbors" not in device.calls[:first_commit]
    assert device.calls[-1] == "confirm_commit"


def test_commit_that_drops_sessions_is_rolled_back(site: Site) -> None:
    before = [x for x in converged(site) if "maximum-paths ibgp" not in x]
    device = FakeVyos(running=list(before), peers=PEERS, sessions_break_on_commit=True)
    result = run(site, device)
    assert result.failed
    assert "rolled back" in result.result
    assert "192.168.30.50" in result.result
    assert "confirm_commit" not in device.calls
    assert device.running == before


def _bgp_password(f: Files) -> None:
    f["hosts"]["vyos"]["data"]["bgp"]["peer_groups"][0]["password_env"] = "TEST_BGP_PASSWORD"


def test_bgp_password_is_redacted_from_the_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_BGP_PASSWORD", "bgp-secret-xyz")
    site = load_site(mutated(tmp_path / "inv", _bgp_password))
    device = FakeVyos(running=[], peers=PEERS)
    result = run(site, device, dry_run=True)
    assert "bgp-secret-xyz" not in result.diff
    assert "password '********'" in result.diff


def test_a_converged_router_costs_one_read_and_no_configuration_session(site: Site) -> None:
    device = FakeVyos(running=converged(site), peers=PEERS)
    for dry in (False, True):
        device.calls.clear()
        result = run(site, device, dry_run=dry)
        assert (result.changed, result.diff, result.failed) == (False, "", False)
        assert device.calls == ["get_config"], device.calls


def test_one_line_off_still_goes_through_the_routers_compare(site: Site) -> None:
    running = [x.replace("remote-as '64500'", "remote-as '64999'") for x in converged(site)]
    device = FakeVyos(running=running, peers=PEERS)
    result = run(site, device, dry_run=True)
    assert result.changed and "remote-as '64500'" in result.diff
    assert "load_merge_candidate" in device.calls
