"""The drain's report: the plan (dry run), each phase as it ends, what moved; and JSON (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

from rich.console import Console
from rich.table import Table

from bgplb.drain.plan import NodePlan
from bgplb.terminal import markup_safe as escape


@dataclass
class PhaseRecord:
    name: str
    seconds: float
    ok: bool
    detail: str


@dataclass
class NodeRun:
    """What happened to one node: phases as they ran, routes before and after, pods moved."""

    plan: NodePlan
    phases: list[PhaseRecord] = field(default_factory=list)
    hops_before: Mapping[IPv4Address, tuple[IPv4Address, ...]] = field(default_factory=dict)
    hops_after: Mapping[IPv4Address, tuple[IPv4Address, ...]] = field(default_factory=dict)
    pods_moved: Mapping[str, str] = field(default_factory=dict)  # evicted pod -> where it went
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(p.ok for p in self.phases)

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases)


def _hops(hops: Sequence[IPv4Address]) -> str:
    return ", ".join(map(str, hops)) or "none"


def render_plan(plan: NodePlan, console: Console) -> None:
    verb = "drain" if plan.action == "drain" else "undo the drain of"
    console.print(
        f"[bold]{verb} {escape(plan.node)}[/] ({plan.address}) by "
        f"{escape(plan.mechanism.describe())}"
    )
    console.print(f"  upstream: {escape(plan.mechanism.source)}")
    if plan.selector_edit != "none":
        console.print(f"  MetalLB config: {plan.selector_edit} the drained-node selector")
    if plan.changes:
        hops = "next hops that remain" if plan.action == "drain" else "next hops after"
        table = Table("LB IP", "service", "announcers now", "after", hops)
        for c in plan.changes:
            table.add_row(
                str(c.address),
                escape(c.service),
                escape(", ".join(c.before) or "none"),
                escape(", ".join(c.after) or "none"),
                _hops(c.after_hops),
            )
        console.print(table)
    else:
        console.print("  no LB IP changes its announcers")
    for p in plan.pods:
        what = "evict" if p.evict else "leave"
        console.print(f"  pod {escape(p.key)}: {what} ({escape(p.reason)})")
    for r in plan.refusals:
        console.print(f"  [bold red]refused[/]: {escape(r)}")


def render_phase(node: str, record: PhaseRecord, console: Console) -> None:
    mark = "[green]✔[/]" if record.ok else "[red]✘[/]"
    console.print(
        f"{mark} {escape(node)} {record.name:<8} {record.seconds:6.2f} s  {escape(record.detail)}"
    )


def render_run(run: NodeRun, console: Console) -> None:
    ips = sorted(set(run.hops_before) | set(run.hops_after))
    if ips:
        table = Table(
            "LB IP",
            "router next hops before",
            "after",
            title=f"{run.plan.node}: what moved",
        )
        for ip in ips:
            table.add_row(
                str(ip), _hops(run.hops_before.get(ip, ())), _hops(run.hops_after.get(ip, ()))
            )
        console.print(table)
    for pod, where in sorted(run.pods_moved.items()):
        console.print(f"  pod {escape(pod)} evicted; replaced on {escape(where or 'no node yet')}")
    verdict = "[bold green]done[/]" if run.ok else f"[bold red]FAILED[/]: {escape(run.error or '')}"
    console.print(f"{escape(run.plan.node)}: {run.plan.action} {verdict} in {run.seconds:.2f} s")


def plan_document(plan: NodePlan) -> dict[str, Any]:
    return {
        "node": plan.node,
        "address": str(plan.address),
        "action": plan.action,
        "mechanism": plan.mechanism.name,
        "label": plan.mechanism.label,
        "upstream": plan.mechanism.source,
        "selector_edit": plan.selector_edit,
        "changes": [
            {
                "ip": str(c.address),
                "service": c.service,
                "announcers_before": list(c.before),
                "announcers_after": list(c.after),
                "next_hops_remaining": [str(h) for h in c.after_hops],
            }
            for c in plan.changes
        ],
        "carries_after": [str(a) for a in plan.carries_after],
        "pods": [{"pod": p.key, "evict": p.evict, "reason": p.reason} for p in plan.pods],
        "refusals": list(plan.refusals),
    }


def run_document(run: NodeRun) -> dict[str, Any]:
    def hops(m: Mapping[IPv4Address, tuple[IPv4Address, ...]]) -> dict[str, list[str]]:
        return {str(k): [str(h) for h in v] for k, v in sorted(m.items())}

    return {
        **plan_document(run.plan),
        "ok": run.ok,
        "error": run.error,
        "seconds": round(run.seconds, 3),
        "phases": [
            {"name": p.name, "seconds": round(p.seconds, 3), "ok": p.ok, "detail": p.detail}
            for p in run.phases
        ],
        "router_before": hops(run.hops_before),
        "router_after": hops(run.hops_after),
        "pods_moved": dict(sorted(run.pods_moved.items())),
    }
