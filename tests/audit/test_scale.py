"""The audit's evaluation is linear: 200 nodes and thousands of LB IPs in well under a second
each step (bench/audit_eval.py measures it); the report stays readable at that size."""

from __future__ import annotations

import io
import time
from pathlib import Path

from rich.console import Console

from bench.audit_eval import large_site, recorded
from bgplb.audit.observations import Observations
from bgplb.audit.outcome import evaluate
from bgplb.audit.parse_cluster import cluster_observation
from bgplb.audit.parse_router import router_observation
from bgplb.audit.report import GROUP_AT, render


def outcome_at(tmp_path: Path, mix: str, nodes: int, ips: int) -> tuple[object, float]:
    site = large_site(tmp_path / "inventory", nodes)
    rec = recorded(site, mix, ips)
    start = time.perf_counter()
    obs = Observations(
        router_observation(
            "vyos", rec.neighbors, rec.detail, rec.routes_by_pool, rec.cli, rec.flows
        ),
        cluster_observation(rec.cluster),
    )
    outcome = evaluate(site, obs)
    return outcome, time.perf_counter() - start


def test_200_nodes_2000_ips_evaluate_in_linear_time(tmp_path: Path) -> None:
    """Before: a per-IP, per-node scan of every speaker and every route (20 s and more here);
    the bound leaves 5x room for a loaded machine."""
    outcome, seconds = outcome_at(tmp_path, "local", 200, 2000)
    assert outcome.ok  # type: ignore[attr-defined]
    assert len(outcome.expectations) == 2000  # type: ignore[attr-defined]
    assert seconds < 2.5, f"parse and evaluate took {seconds:.2f} s"


def test_the_report_groups_addresses_routed_alike_and_counts_left_out_nodes(
    tmp_path: Path,
) -> None:
    outcome, _ = outcome_at(tmp_path, "cluster", 8, GROUP_AT + 5)
    buffer = io.StringIO()
    start = time.perf_counter()
    render(outcome, Console(file=buffer, width=200))  # type: ignore[arg-type]
    out = buffer.getvalue()
    assert time.perf_counter() - start < 2.0
    assert f"198.18.128.1 .. 198.18.128.{GROUP_AT + 5} {GROUP_AT + 5} addresses, each as " in out
    assert out.count("✔ worker001 (198.18.30.1)") == 1, out
    local, _ = outcome_at(tmp_path / "local", "local", 8, 2)
    buffer = io.StringIO()
    render(local, Console(file=buffer, width=200))  # type: ignore[arg-type]
    out = buffer.getvalue()
    assert "5 nodes not announcers (" in out
    assert "externalTrafficPolicy Local and no ready endpoint on the node" in out
