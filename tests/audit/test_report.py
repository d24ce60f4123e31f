"""The rich report (recorded console) and the JSON document."""

from __future__ import annotations

import json

from rich.console import Console

from bgplb.audit.outcome import Outcome, evaluate
from bgplb.audit.report import json_document, render

from . import replay


def outcome(name: str) -> Outcome:
    site = replay.site_for(name)
    return evaluate(site, replay.observations(name, site))


def text(name: str, verbose: int = 0) -> str:
    console = Console(record=True, width=240, color_system=None)
    render(outcome(name), console, verbose)
    return console.export_text()


def test_healthy_report() -> None:
    out = text("healthy")
    lines = out.splitlines()
    assert lines[-1].startswith("audit passed: ")
    # the recorded sessions negotiated FRR's default 180 s hold, no BFD: the failover exposure
    assert "0 error(s), 4 warning(s), 0 skipped" in lines[-1]  # 3 failover, 1 drain
    assert out.count("up to 180 s (hold 180 s / keepalive 60 s, no BFD)") == 3
    assert "198.18.100.10 default/my-service (pool default)" in out
    for node in ("master01 (198.18.30.50)", "worker01 (198.18.30.60)", "worker02 (198.18.30.61)"):
        assert any(f"✔ {node}" in line and "/30 flows" in line for line in lines), node
    assert "✔" not in out.split("Findings")[1]  # passes are hidden without -v


def test_left_out_nodes_are_named_with_their_reason() -> None:
    assert "· master01 not an announcer: labelled node.kubernetes.io/exclude-from-external" in (
        text("master_excluded_0_14")
    )


def test_verbose_shows_passes() -> None:
    assert "Findings" in text("healthy", verbose=1)


def test_truncated_ecmp_report() -> None:
    out = text("maximum_paths_1")
    assert "✘ worker01 (198.18.30.60) missing" in out
    assert "✘ worker02 (198.18.30.61) missing" in out
    assert "maximum-paths" in out and "ebgp 1; truncated: 198.18.100.10" in out
    assert out.splitlines()[-1].startswith("audit FAILED: ")


def test_stale_and_unreachable_router_in_the_tree() -> None:
    assert "198.18.100.20 stale" in text("stale_route")
    assert "router not gathered: NetmikoTimeoutException" in text("ungatherable_router")


def test_json_document_shape() -> None:
    doc = json_document(outcome("node_down"))
    json.dumps(doc)  # serialisable as is
    assert set(doc) == {"ok", "summary", "drained", "findings", "services", "sessions"}
    assert doc["drained"] == []
    assert doc["ok"] is False
    assert set(doc["findings"][0]) == {"severity", "check", "object", "expected", "actual", "hint"}
    down = next(s for s in doc["sessions"] if s["node"] == "worker02")
    assert down == {
        "peer": "198.18.30.61",
        "node": "worker02",
        "local_as": 64501,
        "remote_as": 64500,
        "state": "Active",
        "peer_state": "OK",
        "established": False,
        "received_prefixes": 0,
        "last_read_s": 9.0,
        "hold_s": 180.0,
        "keepalive_s": 60.0,
        "bfd": None,
    }
    (svc,) = doc["services"]
    (addr,) = svc["addresses"]
    assert [a["node"] for a in addr["expected_announcers"]] == ["master01", "worker01"]
    assert addr["left_out"] == [
        {"node": "worker02", "reason": "no ready MetalLB speaker on the node"}
    ]
    assert addr["router_multipath"] == addr["fib"] == ["198.18.30.50", "198.18.30.60"]
    assert sum(addr["flows"].values()) == 30
