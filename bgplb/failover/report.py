"""The drill's results, typed, and their report: a rich table per node, and JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from bgplb.failover.drill import LossWindow


@dataclass(frozen=True)
class NodeDrill:
    node: str
    mode: str  # what protects the node: "hold 9 s / keepalive 3 s", "BFD Up", ...
    cut_s: float  # the self-restoring cut's safety bound
    withdraw_s: float | None  # cut -> the router stopped using the node (None: not seen)
    loss: dict[str, LossWindow] = field(default_factory=dict)  # per client
    restored: bool = False
    route_back_s: float | None = None  # restore -> the router uses the node again
    error: str = ""
    traffic_policy: str = ""  # the sampled Service's externalTrafficPolicy ("" when unknown)

    @property
    def ok(self) -> bool:
        return self.restored and not self.error

    @property
    def worst_loss_s(self) -> float | None:
        windows = [w.window_s for w in self.loss.values() if w.window_s is not None]
        return max(windows) if windows else None


def _s(value: float | None, missing: str = "-") -> str:
    return f"{value:.1f} s" if value is not None else missing


def render(results: list[NodeDrill], console: Console) -> None:
    table = Table(title="failover drill: one node at a time, link cut with its session open")
    for col in (
        "node",
        "mode",
        "router withdraw",
        "loss window (worst client)",
        "per client",
        "restored",
    ):
        table.add_column(col)
    for r in results:
        per_client = ", ".join(
            f"{c} {_s(w.window_s, 'no loss')} ({w.failed}/{w.requests} failed)"
            for c, w in sorted(r.loss.items())
        )
        restored = (
            f"[green]yes[/] (route back {_s(r.route_back_s)})"
            if r.restored
            else f"[bold red]NO[/] {r.error}"
        )
        policy = f"\nexternalTrafficPolicy {r.traffic_policy}" if r.traffic_policy else ""
        table.add_row(
            r.node,
            r.mode + policy,
            _s(r.withdraw_s, f"not within {r.cut_s:g} s"),
            _s(r.worst_loss_s, "no loss"),
            per_client or "-",
            restored,
        )
    console.print(table)


def json_document(results: list[NodeDrill]) -> dict[str, Any]:
    return {
        "ok": all(r.ok for r in results),
        "nodes": [
            {
                "node": r.node,
                "mode": r.mode,
                "external_traffic_policy": r.traffic_policy or None,
                "cut_s": r.cut_s,
                "withdraw_s": r.withdraw_s,
                "loss_window_s": r.worst_loss_s,
                "clients": {
                    c: {
                        "requests": w.requests,
                        "failed": w.failed,
                        "window_s": w.window_s,
                        "recovered": w.recovered,
                    }
                    for c, w in sorted(r.loss.items())
                },
                "restored": r.restored,
                "route_back_s": r.route_back_s,
                "error": r.error,
            }
            for r in results
        ],
    }
