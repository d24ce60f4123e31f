"""The drain's phases and its undo's, as a small table; each entry names the phase and the
function doing its I/O. `run_node` runs one node's phases in order and stops at the first
failure: the node is never cordoned or evicted while the router still routes through it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bgplb.drain.plan import NodePlan, hops_now, not_yet_routed, routed_through
from bgplb.drain.report import NodeRun, PhaseRecord
from bgplb.errors import BgplbError, DeviceError
from bgplb.model import Site
from tasks.audit_router import RouterDevice
from tasks.drain_k8s import Apis, evict, exclude, include, pod_nodes, set_node, wait_pods_gone
from tasks.drain_router import lb_routes, wait_routes


@dataclass(frozen=True)
class DrainOptions:
    timeout: float = 60.0  # each wait: the router, the evictions, the pods' going
    evict: bool = True


@dataclass
class Context:
    site: Site
    apis: Apis
    router: RouterDevice
    options: DrainOptions
    run: NodeRun
    status: Callable[[str], None]

    @property
    def plan(self) -> NodePlan:
        return self.run.plan


def _ips(ips: tuple[object, ...] | list[object]) -> str:
    return ", ".join(map(str, ips))


def phase_exclude(ctx: Context) -> str:
    return "; ".join(exclude(ctx.apis, ctx.plan))


def phase_withdraw(ctx: Context) -> str:
    plan = ctx.plan
    routes, left = wait_routes(
        ctx.router,
        ctx.site,
        lambda r: routed_through(r, plan.address),
        ctx.options.timeout,
        lambda left: ctx.status(f"{plan.node}: router still routes {_ips(list(left))} via it"),
    )
    if left:
        raise DeviceError(
            f"after {ctx.options.timeout:g} s the router still routes {_ips(list(left))} through "
            f"{plan.node} ({plan.address}) (multipath set or kernel FIB); not cordoned"
        )
    ctx.run.hops_after = hops_now(routes)
    return f"no LB route via {plan.address}: multipath sets and FIB agree"


def phase_cordon(ctx: Context) -> str:
    set_node(ctx.apis, ctx.plan.node, {}, True)
    return f"Node {ctx.plan.node} unschedulable"


def phase_evict(ctx: Context) -> str:
    pods = ctx.plan.evictions
    if not ctx.options.evict:
        return f"--no-evict: {len(pods)} pod(s) left running"
    done = evict(ctx.apis, pods, ctx.options.timeout, ctx.status)
    wait_pods_gone(ctx.apis, ctx.plan.node, done, ctx.options.timeout)
    where = pod_nodes(ctx.apis, {p.namespace for p in pods})
    ctx.run.pods_moved = dict.fromkeys(done, "")
    # a replacement has a new name: report the pods of the same namespaces now elsewhere
    fresh = {k: v for k, v in where.items() if k not in done and v and v != ctx.plan.node}
    ctx.run.pods_moved = {p: _replacement(p, fresh) for p in done}
    return f"{len(done)} pod(s) evicted" + (f": {', '.join(done)}" if done else "")


def _replacement(pod: str, fresh: dict[str, str]) -> str:
    stem = pod.rsplit("-", 1)[0]
    nodes = sorted({v for k, v in fresh.items() if k.rsplit("-", 1)[0] == stem})
    return ", ".join(nodes)


def phase_include(ctx: Context) -> str:
    return "; ".join(include(ctx.apis, ctx.plan))


def phase_return(ctx: Context) -> str:
    plan = ctx.plan
    want = plan.carries_after
    routes, left = wait_routes(
        ctx.router,
        ctx.site,
        lambda r: not_yet_routed(r, plan.address, want),
        ctx.options.timeout,
        lambda left: ctx.status(
            f"{plan.node}: router does not yet route {_ips(list(left))} via it"
        ),
    )
    if left:
        raise DeviceError(
            f"after {ctx.options.timeout:g} s the router does not route {_ips(list(left))} "
            f"through {plan.node} ({plan.address}) again"
        )
    ctx.run.hops_after = hops_now(routes)
    return f"router routes {_ips(list(want)) or 'no LB IP (none expected)'} via {plan.address}"


PhaseFn = Callable[[Context], str]
DRAIN_PHASES: tuple[tuple[str, str, PhaseFn], ...] = (
    ("exclude", "take the node out of MetalLB's announcements", phase_exclude),
    (
        "withdraw",
        "wait until the router's multipath sets and FIB no longer hold it",
        phase_withdraw,
    ),
    ("cordon", "mark the node unschedulable", phase_cordon),
    ("evict", "evict its pods through the eviction API (PodDisruptionBudgets hold)", phase_evict),
)
UNDO_PHASES: tuple[tuple[str, str, PhaseFn], ...] = (
    ("include", "uncordon, remove the exclusion", phase_include),
    ("return", "wait until the router routes every LB IP it should carry via it", phase_return),
)


def run_node(
    ctx: Context,
    on_phase: Callable[[PhaseRecord], None],
    clock: Callable[[], float] = time.monotonic,
) -> NodeRun:
    ctx.run.hops_before = hops_now(lb_routes(ctx.router, ctx.site))
    table = DRAIN_PHASES if ctx.plan.action == "drain" else UNDO_PHASES
    for name, summary, fn in table:
        ctx.status(f"{ctx.plan.node}: {name}: {summary}")
        start = clock()
        try:
            detail, ok = fn(ctx), True
        except BgplbError as exc:
            detail, ok = str(exc), False
        except Exception as exc:  # an API answer the client raised: the phase failed
            detail, ok = f"{type(exc).__name__}: {' '.join(str(exc).split())[:400]}", False
        record = PhaseRecord(name, clock() - start, ok, detail)
        ctx.run.phases.append(record)
        on_phase(record)
        if not ok:
            ctx.run.error = f"phase {name}: {detail}"
            break
    return ctx.run
