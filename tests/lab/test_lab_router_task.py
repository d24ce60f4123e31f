"""The router phase (tasks.router_bgp through init_nornir and the bgplb_vyos driver) against
the twin, its router started without BGP: deploy, re-run, dry run after a manual change, and
a session-breaking commit reverted by the router's own commit-confirm timer, and a killed
deploy's pending commit-confirm found and confirmed by the next run.

The tests of this module run in order on one bare router (module fixture `bare`)."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest
from netmiko import ConnectHandler

from bgplb.model import Site
from bgplb.nornir_init import init_nornir
from bgplb.pending_confirm import load_record
from lab import frr
from lab.credentials import router_password
from lab.lifecycle import Lab, down, up
from lab.observe import nexthops_of, router_sessions
from lab.poll import wait_for
from lab.speaker import speakers
from lab.state import LabPaths
from lab.topology import ns_name
from tasks import router_bgp as router_task

pytestmark = pytest.mark.twin
LB_IP = IPv4Address("198.18.100.10")
LB_NET = IPv4Network(f"{LB_IP}/32")
CONFIRM_ENV = "BGPLB_LAB_CONFIRM_SECONDS_PER_MINUTE"
SECONDS_PER_MINUTE = 2.0  # the router's commit-confirm minute, for these tests


@pytest.fixture(scope="module")
def bare(twin: Site) -> Iterator[Site]:
    """The twin rebuilt with a router that has no BGP configuration (nodes peer at boot) and
    a fast commit-confirm clock; the usual twin is rebuilt afterwards for the other tests."""
    saved = os.environ.get(CONFIRM_ENV)
    os.environ[CONFIRM_ENV] = str(SECONDS_PER_MINUTE)
    try:
        down(twin)
        up(twin, router_bgp=False)
        for sp in speakers(twin):
            sp.announce(LB_IP)
        yield twin
    finally:
        if saved is None:
            os.environ.pop(CONFIRM_ENV, None)
        else:
            os.environ[CONFIRM_ENV] = saved
        down(twin)
        up(twin)


def established(site: Site) -> set[str]:
    sessions = router_sessions(Lab.of(site).router_inst)
    return {str(s.peer) for s in sessions if s.state == "Established"}


def ecmp(site: Site) -> set[str]:
    return {str(h) for h in nexthops_of(ns_name(site.router.name), LB_NET)}


def node_addresses(site: Site) -> set[str]:
    return {str(n.address) for n in site.nodes}


def converged(site: Site) -> bool:
    return established(site) == node_addresses(site) and ecmp(site) == node_addresses(site)


def running_frr(site: Site) -> str:
    return frr.vtysh(Lab.of(site).router_inst, "show running-config")


def deploy(site: Site, **kwargs: Any) -> Any:
    nr = init_nornir(site, {site.router.name})
    try:
        result = nr.run(task=router_task.router_bgp, site=site, **kwargs)
    finally:
        nr.close_connections(on_good=True, on_failed=True)
    return result[site.router.name][0]


def vyos_cli(site: Site) -> Any:
    paths = LabPaths.of(site)
    return ConnectHandler(
        device_type="vyos",
        host=str(site.router.login.address),
        username="vyos",
        password=router_password(paths),
        ssh_strict=True,
        system_host_keys=False,
        alt_host_keys=True,
        alt_key_file=str(paths.known_hosts),
        allow_agent=False,
        use_keys=False,
    )


def test_deploy_brings_the_sessions_and_the_ecmp_route(bare: Site) -> None:
    assert established(bare) == set() and ecmp(bare) == set()
    result = deploy(bare)
    assert not result.failed, result.result
    assert result.changed and "local-as 64501" in result.diff
    assert result.result == "committed, confirmed, saved"
    assert wait_for(lambda: converged(bare), timeout=20.0), (established(bare), ecmp(bare))
    boot = (LabPaths.of(bare).vyos_dir / "config.boot").read_text()
    assert "local-as 64501" in boot and "maximum-paths" in boot


def test_a_rerun_changes_nothing(bare: Site) -> None:
    before = running_frr(bare)
    result = deploy(bare)
    assert (result.failed, result.changed, result.diff) == (False, False, "")
    assert running_frr(bare) == before


def remove_line(site: Site, path: str) -> None:
    """An operator's manual `delete`, committed and saved."""
    conn = vyos_cli(site)
    try:
        conn.send_config_set([f"delete {path}"], exit_config_mode=False)
        conn.commit()
        conn.save_config()
        conn.exit_config_mode()
    finally:
        conn.disconnect()


def test_dry_run_after_a_manual_delete_shows_exactly_that_line(bare: Site) -> None:
    remove_line(bare, "protocols bgp address-family ipv4-unicast maximum-paths ebgp")
    manual = running_frr(bare)
    assert " maximum-paths 8\n" not in manual and " maximum-paths ibgp 8\n" in manual

    result = deploy(bare, dry_run=True)
    assert not result.failed, result.result
    assert result.changed
    changes = [x for x in result.diff.splitlines() if x.startswith(("+", "-", ">"))]
    assert changes == ["+ebgp 8"], result.diff
    assert "maximum-paths" in result.diff
    assert running_frr(bare) == manual

    fixed = deploy(bare)
    assert (fixed.failed, fixed.changed) == (False, True)
    assert " maximum-paths 8\n" in running_frr(bare)
    assert wait_for(lambda: converged(bare), timeout=20.0)


class ToolkitDied(BaseException):
    """Stands for the toolkit's process dying right after its commit-confirm."""


def wrong_remote_as(site: Site) -> Site:
    bgp = site.router.bgp
    groups = [g.model_copy(update={"remote_as": 64599}) for g in bgp.peer_groups]
    router = dataclasses.replace(site.router, bgp=bgp.model_copy(update={"peer_groups": groups}))
    return dataclasses.replace(site, router=router)


def test_a_session_breaking_commit_is_reverted_by_the_router_alone(
    bare: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert wait_for(lambda: converged(bare), timeout=20.0)
    good = running_frr(bare)
    broken = wrong_remote_as(bare)

    def die(*_: object, **__: object) -> set[str]:
        raise ToolkitDied

    monkeypatch.setattr(router_task, "wait_for_sessions", die)
    nr = init_nornir(broken, {bare.router.name})
    with pytest.raises(ToolkitDied):
        nr.run(task=router_task.router_bgp, site=broken, revert_in=60, raise_on_error=True)
    # the process is gone: its TCP connection drops, nothing more is sent, nobody acts
    napalm = nr.inventory.hosts[bare.router.name].connections.pop("napalm")
    napalm.connection.device.remote_conn_pre.close()
    assert "remote-as 64599" in running_frr(bare)
    assert wait_for(lambda: not established(bare), timeout=10.0), "the bad commit kept sessions"

    # commit-confirm 1 (minute) on a router whose minute lasts SECONDS_PER_MINUTE
    assert wait_for(lambda: running_frr(bare) == good, timeout=15.0), running_frr(bare)
    assert wait_for(lambda: converged(bare), timeout=30.0), (established(bare), ecmp(bare))

    # the next run finds the dead deploy's record, refuses without a choice, and learns from
    # the router itself that nothing is pending any more
    assert load_record(bare, bare.router.name) is not None
    refused = deploy(bare)
    assert refused.failed and "choose --pending-confirm" in refused.result
    resolved = deploy(bare, pending_confirm="confirm")
    assert not resolved.failed, resolved.result
    assert "the router had no confirm pending" in resolved.result.splitlines()[0]
    assert load_record(bare, bare.router.name) is None


def test_a_killed_deploy_s_commit_confirmed_by_the_next_run_stays(
    bare: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between commit-confirm and confirm; the next run confirms it (its choice), and
    the router's timer (5 minutes of SECONDS_PER_MINUTE) no longer reverts it."""
    assert wait_for(lambda: converged(bare), timeout=20.0)
    remove_line(bare, "protocols bgp address-family ipv4-unicast maximum-paths ebgp")
    assert " maximum-paths 8\n" not in running_frr(bare)

    def die(*_: object, **__: object) -> set[str]:
        raise ToolkitDied

    monkeypatch.setattr(router_task, "wait_for_sessions", die)
    nr = init_nornir(bare, {bare.router.name})
    with pytest.raises(ToolkitDied):
        nr.run(task=router_task.router_bgp, site=bare, revert_in=300, raise_on_error=True)
    napalm = nr.inventory.hosts[bare.router.name].connections.pop("napalm")
    napalm.connection.device.remote_conn_pre.close()
    monkeypatch.undo()
    assert " maximum-paths 8\n" in running_frr(bare)

    resolved = deploy(bare, pending_confirm="confirm")
    assert not resolved.failed, resolved.result
    assert resolved.result.splitlines()[0].endswith(": it was still pending")
    time.sleep(5 * SECONDS_PER_MINUTE + 2)  # past the router's own deadline
    assert " maximum-paths 8\n" in running_frr(bare)
    assert load_record(bare, bare.router.name) is None
    assert deploy(bare).changed is False


def test_a_session_breaking_commit_is_rolled_back_by_the_task(bare: Site) -> None:
    assert wait_for(lambda: converged(bare), timeout=20.0)
    good = running_frr(bare)
    result = deploy(wrong_remote_as(bare), settle_timeout=3.0, revert_in=600)
    assert result.failed and result.result.startswith("rolled back: session(s)")
    assert running_frr(bare) == good
    assert wait_for(lambda: converged(bare), timeout=30.0), (established(bare), ecmp(bare))
    assert deploy(bare).changed is False


# owned by the toolkit (starts with "bgplb"), so the re-deploy of the plain site removes it
HOSTILE_DESCRIPTION = "bgplb Bob's node'; touch /tmp/bgplb-PWNED; echo '$(id)`id`"
SPARE_PEER = IPv4Address("198.18.30.99")  # no node there: the session never comes up


def described(site: Site, description: str) -> Site:
    """The site plus a neighbor outside the peer group, carrying `description`."""
    bgp = site.router.bgp
    spare = bgp.neighbors[0].model_copy(
        update={
            "address": SPARE_PEER,
            "peer_group": None,
            "remote_as": 64500,
            "description": description,
        }
    )
    bgp = bgp.model_copy(update={"neighbors": [*bgp.neighbors, spare]})
    return dataclasses.replace(site, router=dataclasses.replace(site.router, bgp=bgp))


def test_a_hostile_description_arrives_literally_and_runs_nothing(bare: Site) -> None:
    canary = "/tmp/bgplb-PWNED"
    assert not os.path.exists(canary)
    site = described(bare, HOSTILE_DESCRIPTION)
    address = SPARE_PEER
    result = deploy(site, revert_in=3000)  # 100 s on this module's fast commit-confirm clock
    assert not result.failed, result.result
    conn = vyos_cli(bare)
    try:
        shown = conn.send_command("show configuration commands")
    finally:
        conn.disconnect()
    assert f"neighbor {address} description '{HOSTILE_DESCRIPTION}'" in shown
    assert f"neighbor {address} description {HOSTILE_DESCRIPTION}\n" in running_frr(bare)
    assert not os.path.exists(canary)
    assert wait_for(lambda: converged(bare), timeout=20.0), (established(bare), ecmp(bare))
    back = deploy(bare, revert_in=3000)
    assert back.changed and not back.failed, back.result
    assert str(SPARE_PEER) not in running_frr(bare)
