"""The MetalLB switch's steps (bgplb.k8s.metallb_switch.STEPS), each the I/O of one step; run
in order, stopping at the first failure. Every step is idempotent, so a run that stopped is
resumed by running it again (nodes already on the new version are not touched)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from nornir.core import Nornir

from bgplb.errors import BgplbError, DeviceError
from bgplb.k8s.metallb_switch import SwitchPlan, lonely, pending_nodes
from bgplb.model import Site
from tasks.audit_phase import audit
from tasks.k8s_apply import Applied
from tasks.metallb_switch import (
    Io,
    apply,
    delete_configmap,
    label_nodes,
    replace_speaker,
    rolling_update,
    router_routes,
    speaker_versions,
    wait_controller,
    wait_crds,
)


@dataclass(frozen=True)
class SwitchOptions:
    timeout: float = 120.0  # each wait: CRDs, controller, a node's speaker and routes
    force: bool = False  # replace a speaker even when it is an LB IP's only next hop


@dataclass
class StepRecord:
    name: str
    seconds: float
    ok: bool
    detail: str


@dataclass
class Context:
    site: Site
    io: Io
    plan: SwitchPlan
    options: SwitchOptions
    audit_nornir: Callable[[], Nornir]
    status: Callable[[str], None] = lambda _text: None
    records: list[StepRecord] = field(default_factory=list)


def _controller_image(plan: SwitchPlan) -> str:
    for d in plan.manifests:
        if d["kind"] == "Deployment" and d["metadata"]["name"] == "controller":
            containers = d["spec"]["template"]["spec"]["containers"]
            return str(next(c for c in containers if c["name"] == "controller")["image"])
    raise DeviceError("the new manifest has no controller Deployment")


def step_crds(ctx: Context) -> str:
    done = apply(ctx.io, ctx.plan.crds)
    late = wait_crds(ctx.io, ctx.plan.crds, ctx.options.timeout)
    if late:
        raise DeviceError(
            f"CRDs not Established after {ctx.options.timeout:g} s: {', '.join(late)}"
        )
    return _counts(done)


def step_config(ctx: Context) -> str:
    done = apply(ctx.io, ctx.plan.resources)
    labelled = label_nodes(ctx.io, ctx.plan.label_patches)
    extra = f"; labels on {', '.join(labelled)}" if labelled else ""
    return _counts(done) + extra


def step_controller(ctx: Context) -> str:
    done = apply(ctx.io, ctx.plan.rest)
    image = _controller_image(ctx.plan)
    if not wait_controller(ctx.io, image, ctx.options.timeout):
        raise DeviceError(f"controller {image} not ready after {ctx.options.timeout:g} s")
    checked = apply(ctx.io, ctx.plan.resources, dry_run=True)  # the new webhook's verdict
    return f"{_counts(done)}; the webhook accepts all {len(checked)} resources"


def step_speakers(ctx: Context) -> str:
    site, io, target = ctx.site, ctx.io, ctx.plan.target
    addresses = {n.name: n.address for n in site.nodes}
    replaced = []
    for node in ctx.plan.order:
        if speaker_versions(io).get(node, (0, 0, 0)) >= (0, 13, 0):
            continue  # a run that stopped already replaced it
        carried = ctx.plan.carried.get(node, ())
        alone = lonely(carried, addresses[node], router_routes(io, site))
        if alone and not ctx.options.force:
            raise DeviceError(
                f"node {node}: {', '.join(map(str, alone))} has no other next hop on the router "
                "right now; its speaker was not replaced"
            )
        ctx.status(f"{node}: replacing its speaker")
        start = io.clock()
        replace_speaker(io, node)

        def back(node: str = node, carried: tuple[IPv4Address, ...] = carried) -> bool:
            version = speaker_versions(io).get(node)
            if version is None or ".".join(map(str, version)) != target:
                return False
            return not pending_nodes(carried, addresses[node], router_routes(io, site))

        if not _poll(ctx, back):
            left = pending_nodes(carried, addresses[node], router_routes(io, site))
            raise DeviceError(
                f"node {node}: after {ctx.options.timeout:g} s its new speaker "
                f"{'runs' if speaker_versions(io).get(node) else 'does not run'} and the router "
                f"does not route {', '.join(map(str, left)) or 'its LB IPs'} through it"
            )
        replaced.append(f"{node} {io.clock() - start:.1f} s")
    return "replaced: " + (", ".join(replaced) or "none (already done)")


def _poll(ctx: Context, done: Callable[[], bool]) -> bool:
    deadline = ctx.io.clock() + ctx.options.timeout
    while not done():
        if ctx.io.clock() >= deadline:
            return False
        ctx.io.sleep(0.2)
    return True


def step_finish(ctx: Context) -> str:
    strategy = "RollingUpdate restored" if rolling_update(ctx.io) else "RollingUpdate already"
    gone = "ConfigMap removed" if delete_configmap(ctx.io) else "no ConfigMap left"
    return f"{strategy}; {gone}"


def step_audit(ctx: Context) -> str:
    nr = ctx.audit_nornir()
    try:
        result = nr.run(task=audit, site=ctx.site)
    finally:
        nr.close_connections()
    host = result[ctx.site.router.name]
    if host.failed:
        raise DeviceError(f"audit: {host[0].result or host[0].exception}")
    return str(host[0].result)


STEP_FUNCTIONS: tuple[tuple[str, Callable[[Context], str]], ...] = (
    ("crds", step_crds),
    ("config", step_config),
    ("controller", step_controller),
    ("speakers", step_speakers),
    ("finish", step_finish),
    ("audit", step_audit),
)


def run_steps(ctx: Context, on_step: Callable[[StepRecord], None]) -> list[StepRecord]:
    for name, function in STEP_FUNCTIONS:
        start = time.monotonic()
        try:
            detail, ok = function(ctx), True
        except (BgplbError, OSError) as exc:
            detail, ok = str(exc), False
        except Exception as exc:  # the Kubernetes client's ApiException and the like
            detail, ok = f"{type(exc).__name__}: {exc}", False
        record = StepRecord(name, time.monotonic() - start, ok, detail)
        ctx.records.append(record)
        on_step(record)
        if not ok:
            break
    return ctx.records


def _counts(done: Sequence[Applied]) -> str:
    actions = [a.action for a in done]
    return (
        f"{actions.count('create')} created, {actions.count('update')} updated, "
        f"{actions.count('unchanged')} unchanged"
    )
