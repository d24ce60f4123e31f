"""The audit runbook on the live twin, through its real gather path: the bgplb_vyos NAPALM
driver over SSH to the router, the kubernetes client over TLS to the emulated API server,
the probe from the client namespaces. Each test breaks one thing and restores the lab."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bgplb.model import Site
from runbooks.audit import main

from .conftest import INVENTORY
from .twin import AuditTwin, ecmp_hops, node_addresses, router_changed

pytestmark = pytest.mark.twin

MAXPATHS = "protocols bgp address-family ipv4-unicast maximum-paths ebgp"
LAYER4 = "system ip multipath layer4-hashing"

Finding = dict[str, str]


def audit(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["--inventory", str(INVENTORY), "--json", *extra])
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return code, doc


def errors(doc: dict[str, Any]) -> list[Finding]:
    return [f for f in doc["findings"] if f["severity"] == "error"]


def text(f: Finding) -> str:
    return " | ".join(f[k] for k in ("check", "object", "expected", "actual", "hint"))


def shown(doc: dict[str, Any]) -> str:
    return "\n".join(text(f) for f in errors(doc)) or "(no error finding)"


def label(site: Site, node: str) -> str:
    """How findings name a node: `worker01 (198.18.30.60)`."""
    return f"{node} ({site.node(node).address})"


def test_healthy_twin_passes(healthy: AuditTwin, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = audit(capsys)
    assert code == 0, shown(doc)
    assert doc["ok"] is True
    assert not errors(doc)
    checks = {f["check"] for f in doc["findings"] if f["severity"] == "pass"}
    assert {"session", "announcers", "fib", "maximum-paths", "hash-spread", "probe"} <= checks
    assert [s["ingress_ips"] for s in doc["services"]] == [[str(healthy.lb_ip)]]
    (address,) = doc["services"][0]["addresses"]
    nodes = sorted(str(a) for a in node_addresses(healthy.site))
    assert sorted(address["fib"]) == nodes
    assert sorted(address["flows"]) == nodes  # every next hop got some of the 30 flows
    assert all(s["established"] for s in doc["sessions"])


def test_killed_bgpd_is_a_session_and_a_missing_next_hop(
    healthy: AuditTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    site = healthy.site
    healthy.speaker("worker01").kill_bgpd()
    healthy.wait_ecmp(node_addresses(site) - {site.node("worker01").address})
    code, doc = audit(capsys)
    assert code == 1
    name = label(site, "worker01")
    sessions = [f for f in errors(doc) if f["check"] == "session"]
    assert [f["object"] for f in sessions] == [f"peer {name}"], shown(doc)
    missing = [f for f in errors(doc) if f["check"] in ("announcers", "fib")]
    assert missing, shown(doc)
    assert all(name in f["expected"] and name not in f["actual"] for f in missing), shown(doc)
    assert any(f["check"] == "announcers" for f in missing), shown(doc)
    # nothing else is blamed: the other nodes' sessions pass
    assert {f["object"] for f in doc["findings"] if f["check"] == "session"} == {
        f"peer {label(site, n.name)}" for n in site.nodes
    }


def test_maximum_paths_1_is_caught(healthy: AuditTwin, capsys: pytest.CaptureFixture[str]) -> None:
    site = healthy.site
    with router_changed(site, [f"set {MAXPATHS} 1"], [f"set {MAXPATHS} 8"]) as diff:
        assert "ebgp 1" in diff
        assert healthy.wait_width(1)
        code, doc = audit(capsys)
    assert code == 1
    found = [f for f in errors(doc) if f["check"] == "maximum-paths"]
    assert len(found) == 1, shown(doc)
    assert "1" in found[0]["actual"], shown(doc)
    assert any(f["check"] == "announcers" for f in errors(doc)), shown(doc)


def test_withdrawn_announcement_is_caught(
    healthy: AuditTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    site = healthy.site
    healthy.speaker("worker02").withdraw(healthy.lb_ip)
    healthy.wait_ecmp(node_addresses(site) - {site.node("worker02").address})
    code, doc = audit(capsys)
    assert code == 1
    name = label(site, "worker02")
    found = [f for f in errors(doc) if f["check"] == "announcers"]
    assert len(found) == 1, shown(doc)
    assert str(healthy.lb_ip) in found[0]["object"]
    assert name in found[0]["expected"] and name not in found[0]["actual"], shown(doc)
    # the session itself is fine: only the announcement is missing
    assert not [f for f in errors(doc) if f["check"] == "session"], shown(doc)


def test_layer3_hashing_is_caught(healthy: AuditTwin, capsys: pytest.CaptureFixture[str]) -> None:
    site = healthy.site
    with router_changed(site, [f"delete {LAYER4}"], [f"set {LAYER4}"]) as diff:
        assert "layer4-hashing" in diff
        code, doc = audit(capsys)
    assert code == 1
    found = [f for f in errors(doc) if f["check"] == "hash-spread"]
    assert found, shown(doc)
    assert any("layer-3" in f["actual"] or "layer-4" in f["expected"] for f in found), shown(doc)
    assert ecmp_hops(site, healthy.lb_ip) == node_addresses(site)
