"""The audit's evaluation is linear: MetalLB's per-node rules are worked out once per pool, not
once per LB IP (bench/audit_eval.py measures the time; tests count the work instead of timing
it); the report stays readable at that size."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bench.audit_eval import large_site, recorded
from bgplb.audit import expect
from bgplb.audit.observations import Observations
from bgplb.audit.outcome import evaluate
from bgplb.audit.parse_cluster import cluster_observation
from bgplb.audit.parse_router import router_observation
from bgplb.audit.report import GROUP_AT, render


def outcome_at(tmp_path: Path, mix: str, nodes: int, ips: int) -> tuple[object, float]:
    site = large_site(tmp_path / "inventory", nodes)
    rec = recorded(site, mix, ips)
    obs = Observations(
        router_observation(
            "vyos",
            rec.neighbors,
            rec.detail,
            rec.routes_by_pool,
            rec.cli,
            rec.flows,
            rec.liveness,
        ),
        cluster_observation(rec.cluster),
    )
    return evaluate(site, obs), 0.0


def test_200_nodes_2000_ips_judge_each_node_once_per_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: MetalLB's rules ran per LB IP and per node (400,000 times here)."""
    calls = 0
    real = expect._why_not

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(expect, "_why_not", counted)
    outcome, _ = outcome_at(tmp_path, "local", 200, 2000)
    assert outcome.ok, [f for f in outcome.findings if f.severity.value == "error"][:3]  # type: ignore[attr-defined]
    assert len(outcome.expectations) == 2000  # type: ignore[attr-defined]
    assert calls == 200  # one pool x 200 nodes


def test_the_report_groups_addresses_routed_alike_and_counts_left_out_nodes(
    tmp_path: Path,
) -> None:
    outcome, _ = outcome_at(tmp_path, "cluster", 8, GROUP_AT + 5)
    buffer = io.StringIO()
    render(outcome, Console(file=buffer, width=200))  # type: ignore[arg-type]
    out = buffer.getvalue()
    assert f"198.18.128.1 .. 198.18.128.{GROUP_AT + 5} {GROUP_AT + 5} addresses, each as " in out
    assert out.count("✔ worker001 (198.18.30.1)") == 1, out
    local, _ = outcome_at(tmp_path / "local", "local", 8, 2)
    buffer = io.StringIO()
    render(local, Console(file=buffer, width=200))  # type: ignore[arg-type]
    out = buffer.getvalue()
    assert "5 nodes not announcers (" in out
    assert "externalTrafficPolicy Local and no ready endpoint on the node" in out
