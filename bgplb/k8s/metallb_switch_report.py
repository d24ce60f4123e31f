"""The MetalLB switch's report: the plan (what a dry run prints), each step as it ends, and the
JSON documents (pure). Passwords are masked in every resource shown, whatever their value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import yaml
from rich.console import Console
from rich.table import Table

from bgplb.k8s.manifests import ref
from bgplb.k8s.metallb_switch import STEPS, SwitchPlan, redacted
from bgplb.terminal import markup_safe as escape


class Step(Protocol):
    name: str
    seconds: float
    ok: bool
    detail: str


def _yaml(docs: Sequence[dict[str, Any]]) -> str:
    return yaml.safe_dump_all([redacted(d) for d in docs], sort_keys=False).rstrip()


def render_plan(plan: SwitchPlan, console: Console) -> None:
    console.print(
        f"[bold]MetalLB {escape(plan.source)} (ConfigMap) -> {escape(plan.target)} (CRDs)[/]"
    )
    table = Table("step", "what")
    for name, what in STEPS:
        nodes = f": {', '.join(plan.order) or 'none'}" if name == "speakers" else ""
        table.add_row(name, escape(what + nodes))
    console.print(table)
    carried = Table("node", "LB IPs the router routes through it now")
    for node in plan.order:
        carried.add_row(escape(node), ", ".join(map(str, plan.carried.get(node, ()))) or "none")
    console.print(carried)
    console.print("[bold]The running ConfigMap, converted by MetalLB's rules (configmaptocrs):[/]")
    console.print(escape(_yaml(plan.converted)), highlight=False)
    console.print("[bold]What will be applied (the inventory's rendering for the new version):[/]")
    console.print(escape(_yaml(plan.resources)), highlight=False)
    for d in plan.differences:
        colour = "red" if d.severity == "error" else "yellow"
        console.print(f"[{colour}]{d.severity}[/]: node {escape(d.node)}: {escape(d.what)}")
    if not plan.differences:
        console.print("Both make every node do the same: the same sessions, pools and timers.")
    for reason in plan.refusals:
        console.print(f"[bold red]refused[/]: {escape(reason)}")


def plan_document(plan: SwitchPlan) -> dict[str, Any]:
    return {
        "from": plan.source,
        "to": plan.target,
        "steps": [{"name": n, "what": w} for n, w in STEPS],
        "order": list(plan.order),
        "carried": {n: [str(ip) for ip in ips] for n, ips in plan.carried.items()},
        "converted": [redacted(d) for d in plan.converted],
        "resources": [redacted(d) for d in plan.resources],
        "manifest_objects": [ref(d) for d in plan.manifests],
        "differences": [
            {"severity": d.severity, "node": d.node, "what": d.what} for d in plan.differences
        ],
        "refusals": list(plan.refusals),
    }


def render_step(record: Step, console: Console) -> None:
    mark = "[green]ok[/]" if record.ok else "[bold red]failed[/]"
    console.print(f"{record.name:<11} {mark} {record.seconds:6.1f} s  {escape(record.detail)}")


def steps_document(records: Sequence[Step]) -> list[dict[str, Any]]:
    return [
        {"name": r.name, "ok": r.ok, "seconds": round(r.seconds, 2), "detail": r.detail}
        for r in records
    ]
