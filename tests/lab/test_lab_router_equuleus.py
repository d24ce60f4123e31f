"""The router phase (tasks.router_bgp) against a twin whose router is an emulated VyOS 1.3
(`vyos_version: 1.3.8`: `protocols bgp <ASN> ...`, vyatta-cfg-quagga's translation), started
without BGP: deploy brings every session and the ECMP route, a re-run changes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bgplb.model import Site, load_site
from lab.lifecycle import down, up
from lab.poll import wait_for
from lab.speaker import speakers
from tests.lab.test_lab_router_task import (
    LB_IP,
    converged,
    deploy,
    established,
    node_addresses,
    running_frr,
    vyos_cli,
)

pytestmark = pytest.mark.twin
REPO = Path(__file__).resolve().parents[2]


def equuleus_inventory(tmp: Path) -> Path:
    """inventory/lab with the router's vyos_version set to 1.3.8, at the same depth so that
    its relative manifest paths (../../lab/...) still resolve."""
    root = tmp / "checkout"
    inv = root / "inventory" / "lab"
    shutil.copytree(REPO / "inventory" / "lab", inv)
    (root / "lab").symlink_to(REPO / "lab")
    hosts = inv / "hosts.yaml"
    text = hosts.read_text()
    assert "vyos_version: 1.4-rolling-202105210417" in text
    hosts.write_text(text.replace("1.4-rolling-202105210417", "1.3.8"))
    return inv


@pytest.fixture(scope="module")
def equuleus(twin: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = load_site(equuleus_inventory(tmp_path_factory.mktemp("equuleus")))
    assert site.router.vyos_version == "1.3.8"
    try:
        down(twin)
        up(site, router_bgp=False)
        for sp in speakers(site):
            sp.announce(LB_IP)
        yield site
    finally:
        down(site)
        up(twin)


def test_deploy_on_a_1_3_router(equuleus: Site) -> None:
    assert established(equuleus) == set()
    cli = vyos_cli(equuleus)
    try:
        assert "VyOS 1.3.8" in cli.send_command("show version")
    finally:
        cli.disconnect()
    result = deploy(equuleus)
    assert not result.failed, result.result
    assert result.changed
    assert wait_for(lambda: converged(equuleus), timeout=60.0), established(equuleus)
    frr_text = running_frr(equuleus)
    assert f"router bgp {equuleus.router.bgp.asn}" in frr_text
    # 1.3 leaves FRR's `bgp default ipv4-unicast` on (vyatta-bgp.pl sets no such line)
    assert "no bgp default ipv4-unicast" not in frr_text
    assert established(equuleus) == node_addresses(equuleus)


def test_a_rerun_on_1_3_changes_nothing(equuleus: Site) -> None:
    result = deploy(equuleus)
    assert not result.failed, result.result
    assert not result.changed
