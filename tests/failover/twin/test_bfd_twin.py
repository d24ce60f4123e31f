"""BFD end to end on a fresh twin: MetalLB 0.16.1 in FRR mode with `metallb.bfd` (300 ms x 3),
the router given `protocols bfd peer <node>` and the neighbors' `bfd` by the deploy, real
bfdd on the router and the nodes. A converged re-run changes nothing; BFD is up on both sides;
with one node's link cut (its BGP session left open, FRR's 180 s hold running), the router
drops the node because BFD went down: its BFD peer is down, the BGP session was closed with
a CEASE "BFD Down" notification (not by the hold timer), and the next hop is gone. Restored,
BFD and the 3-way route come back. Asserts protocol state, not wall-clock figures (bench/failover.py
measures those)."""

from __future__ import annotations

import json
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

from bgplb.model import Site, load_site
from lab import frr
from lab.instances import router_instance
from lab.poll import wait_for
from lab.speaker import Speaker, frr_bfd_peers
from runbooks.failover import main as failover_main
from tests.deploy.twin.conftest import (
    REPO,
    copy_inventory,
    deploy,
    ecmp_next_hops,
    fresh_twin,
    router_exec,
)

NODE = "worker02"
FRR_MANIFEST = REPO / "lab" / "manifests" / "metallb-v0.16.1" / "metallb-frr.yaml"
HOLD_S = 180  # FRR's default hold (MetalLB FRR mode renders no timers line)


def frr_mode_bfd(_hosts: dict[str, Any], site: dict[str, Any]) -> None:
    m = site["metallb"]
    m["version"] = "0.16.1"
    m["implementation"] = "frr"
    m["manifests"] = [str(FRR_MANIFEST)]
    m["bfd"] = {}  # 300 ms x 3
    m.pop("memberlist_secret_env", None)


def router_bfd(site: Site) -> dict[str, str]:
    """The router's bfdd: {peer address: status}."""
    return {str(p.get("peer")): str(p.get("status")) for p in frr_bfd_peers(router_instance(site))}


def router_neighbor(site: Site, address: IPv4Address) -> dict[str, Any]:
    data = frr.vtysh_json(router_instance(site), f"show bgp neighbors {address} json")
    peer = data.get(str(address))
    assert isinstance(peer, dict), data
    return peer


def test_bfd_deploys_converges_and_drops_a_cut_node_before_the_hold_time(
    twin_session: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    del twin_session
    inventory = copy_inventory(tmp_path / "inv", frr_mode_bfd)
    site = load_site(inventory)
    nodes = {str(n.address) for n in site.nodes}
    with fresh_twin(site):
        run = deploy(inventory, "--json", cwd=tmp_path)
        assert run.code == 0, run.describe()
        shown = router_exec(site, "show configuration commands")
        for address in nodes:
            assert f"set protocols bfd peer {address} interval multiplier '3'" in shown, shown
            assert f"set protocols bgp neighbor {address} bfd" in shown, shown
        again = deploy(inventory, "--json", cwd=tmp_path)
        assert again.code == 0 and again.doc["changed"] == 0, again.describe()

        assert wait_for(
            lambda: router_bfd(site) == dict.fromkeys(nodes, "up"), timeout=30, interval=0.5
        )
        # the audit shows BFD up per peer (the driver's liveness: FRR's peerBfdInfo)
        audit = deploy(inventory, "--json", "--no-probe", cwd=tmp_path, runbook="runbooks.audit")
        assert audit.code == 0, audit.describe()
        assert {s["peer"]: s["bfd"] for s in audit.doc["sessions"]} == dict.fromkeys(nodes, "Up")
        node = site.node(NODE)
        sp = Speaker(site, NODE)
        assert sp.bfd_status() == "up"
        assert router_neighbor(site, node.address)["bgpTimerHoldTimeMsecs"] == HOLD_S * 1000

        sp.cut_link()
        try:
            # bounded far below the hold time; the assertions below say why it went
            assert wait_for(
                lambda: node.address not in ecmp_next_hops(site), timeout=HOLD_S / 6, interval=0.2
            )
            assert router_bfd(site)[str(node.address)] == "down"
            neighbor = router_neighbor(site, node.address)
            assert neighbor["bgpState"] != "Established"
            # bgpd sends a CEASE "BFD Down" notification when bfdd says the peer is down
            why = {k: v for k, v in neighbor.items() if k.startswith("last")}
            assert why.get("lastNotificationReason") == "Cease/BFD Down", why
        finally:
            sp.restore_link()
        assert wait_for(lambda: ecmp_next_hops(site) == {n.address for n in site.nodes}, 60, 0.5)
        assert wait_for(
            lambda: router_bfd(site) == dict.fromkeys(nodes, "up"), timeout=30, interval=0.5
        )

        # the drill in BFD mode: it reads BFD up from the router, cuts, measures, restores
        capsys.readouterr()
        args = ["--inventory", str(inventory), "--limit", NODE, "--yes", "--json"]
        code = failover_main([*args, "--cut-via", "lab_netns", "--restore-timeout", "120"])
        doc = json.loads(capsys.readouterr().out)
        (drilled,) = doc["nodes"]
        assert code == 0, drilled
        assert drilled["mode"].startswith("BFD up"), drilled
        assert drilled["withdraw_s"] is not None and drilled["restored"] is True, drilled
        assert wait_for(lambda: ecmp_next_hops(site) == {n.address for n in site.nodes}, 60, 0.5)
        assert wait_for(lambda: router_bfd(site) == dict.fromkeys(nodes, "up"), 30, 0.5)
