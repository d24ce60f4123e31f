"""Nornir tasks: wait, with a bounded timeout and progress, until objects are ready.

CRDs Established, Deployments available, Nodes Ready, LoadBalancer Services addressed.
A timeout is a failed Result that names every object still waiting and why; nothing is
retried beyond the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nornir.core.task import Result, Task
from rich.progress import Progress

from bgplb.k8s.readiness import (
    Verdict,
    crd_established,
    deployment_available,
    node_ready,
    service_addressed,
)
from tasks.k8s_client import client_for, list_by_name

Probe = Callable[[], dict[str, Verdict]]
FIRST_PAUSE_S = 0.125  # then 0.25, 0.5, ... up to the wait's interval


def wait_until(
    probe: Probe,
    what: str,
    timeout: float,
    interval: float = 2.0,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Poll until every object is ready; return {object: reason} of those still waiting.

    The pauses start short and double up to `interval` (FIRST_PAUSE_S, 2x, 4x, ...): what
    becomes ready a moment after the first look is seen then, not a whole interval later,
    and a long wait still polls every `interval`."""
    deadline = clock() + timeout
    bar = progress.add_task(what, total=None) if progress is not None else None
    pause = min(FIRST_PAUSE_S, interval)
    while True:
        verdicts = probe()
        waiting = {name: why for name, (ok, why) in verdicts.items() if not ok}
        if progress is not None and bar is not None:
            progress.update(
                bar, total=len(verdicts), completed=len(verdicts) - len(waiting), refresh=True
            )
        if not waiting or clock() >= deadline:
            return waiting
        sleep(pause)
        pause = min(pause * 2, interval)


def _probe(
    dyn: Any,
    api_version: str,
    kind: str,
    names: Sequence[tuple[str | None, str]],
    judge: Callable[[dict[str, Any]], Verdict],
) -> Probe:
    def probe() -> dict[str, Verdict]:
        resource = dyn.resources.get(api_version=api_version, kind=kind)
        live = list_by_name(dyn, resource, {ns for ns, _ in names})  # one read per poll
        out: dict[str, Verdict] = {}
        for ns, name in names:
            label = f"{kind}/{ns}/{name}" if ns else f"{kind}/{name}"
            obj = live.get((ns if resource.namespaced else None, name))
            out[label] = (False, "not found") if obj is None else judge(obj)
        return out

    return probe


def _result(task: Task, what: str, waiting: dict[str, str], count: int, timeout: float) -> Result:
    if waiting:
        detail = "; ".join(f"{name}: {why}" for name, why in sorted(waiting.items()))
        return Result(
            host=task.host,
            failed=True,
            result=f"{what}: {len(waiting)}/{count} not ready after {timeout:.0f} s: {detail}",
        )
    return Result(host=task.host, result=f"{what}: {count} ready")


def _wait(
    task: Task,
    api_version: str,
    kind: str,
    names: Sequence[tuple[str | None, str]],
    judge: Callable[[dict[str, Any]], Verdict],
    what: str,
    kubeconfig: Path | None,
    client: Any | None,
    timeout: float,
    interval: float,
    progress: Progress | None,
) -> Result:
    if not names:
        return Result(host=task.host, result=f"{what}: nothing to wait for")
    dyn = client_for(client, kubeconfig)
    probe = _probe(dyn, api_version, kind, names, judge)
    waiting = wait_until(probe, what, timeout, interval, progress)
    return _result(task, what, waiting, len(names), timeout)


def wait_crds_established(
    task: Task,
    names: Sequence[str],
    kubeconfig: Path | None = None,
    client: Any | None = None,
    timeout: float = 120.0,
    interval: float = 1.0,
    progress: Progress | None = None,
) -> Result:
    return _wait(
        task,
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        [(None, n) for n in names],
        crd_established,
        "CRDs established",
        kubeconfig,
        client,
        timeout,
        interval,
        progress,
    )


def wait_deployments_available(
    task: Task,
    deployments: Sequence[tuple[str, str]],
    kubeconfig: Path | None = None,
    client: Any | None = None,
    timeout: float = 300.0,
    interval: float = 2.0,
    progress: Progress | None = None,
) -> Result:
    """`deployments`: (namespace, name), e.g. MetalLB's controller (which serves its webhook)."""
    return _wait(
        task,
        "apps/v1",
        "Deployment",
        list(deployments),
        deployment_available,
        "deployments available",
        kubeconfig,
        client,
        timeout,
        interval,
        progress,
    )


def wait_nodes_ready(
    task: Task,
    names: Sequence[str],
    kubeconfig: Path | None = None,
    client: Any | None = None,
    timeout: float = 600.0,
    interval: float = 5.0,
    progress: Progress | None = None,
) -> Result:
    return _wait(
        task,
        "v1",
        "Node",
        [(None, n) for n in names],
        node_ready,
        "nodes Ready",
        kubeconfig,
        client,
        timeout,
        interval,
        progress,
    )


def wait_services_addressed(
    task: Task,
    services: Sequence[tuple[str, str, str | None]],
    kubeconfig: Path | None = None,
    client: Any | None = None,
    timeout: float = 120.0,
    interval: float = 1.0,
    progress: Progress | None = None,
) -> Result:
    """`services`: (namespace, name, requested IP or None): each has its external IP."""
    if not services:
        return Result(host=task.host, result="services addressed: nothing to wait for")
    dyn = client_for(client, kubeconfig)
    wanted = {(ns, name): ip for ns, name, ip in services}

    def probe() -> dict[str, Verdict]:
        resource = dyn.resources.get(api_version="v1", kind="Service")
        live = list_by_name(dyn, resource, {ns for ns, _ in wanted})  # one read per poll
        out: dict[str, Verdict] = {}
        for (ns, name), ip in wanted.items():
            obj = live.get((ns, name))
            verdict = (False, "not found") if obj is None else service_addressed(ip)(obj)
            out[f"Service/{ns}/{name}"] = verdict
        return out

    waiting = wait_until(probe, "services addressed", timeout, interval, progress)
    return _result(task, "services addressed", waiting, len(services), timeout)
