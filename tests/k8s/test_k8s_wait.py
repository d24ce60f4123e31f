"""Readiness judgements and bounded waits with progress."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import Progress

from bgplb.k8s.readiness import crd_established, deployment_available, node_ready
from tasks.k8s_wait import (
    wait_crds_established,
    wait_deployments_available,
    wait_nodes_ready,
    wait_until,
)

from .fake_api import FakeDynamicClient


def deployment(replicas: int, available: int, observed: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "controller", "namespace": "metallb-system", "generation": 1},
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": observed,
            "updatedReplicas": available,
            "availableReplicas": available,
        },
    }


def node(name: str, ready: str) -> dict[str, Any]:
    conditions = [{"type": "Ready", "status": ready, "reason": "KubeletNotReady"}]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name},
        "status": {"conditions": conditions},
    }


def test_judgements() -> None:
    assert deployment_available(deployment(1, 1)) == (True, "available 1/1")
    assert deployment_available(deployment(2, 1)) == (False, "updatedReplicas 1/2")
    assert deployment_available(deployment(1, 1, observed=0))[0] is False
    assert node_ready(node("a", "True")) == (True, "Ready")
    assert node_ready(node("a", "False")) == (False, "Ready=False (KubeletNotReady)")
    assert crd_established({"status": {}}) == (False, "no Established condition yet")


def test_wait_until_progress_and_deadline() -> None:
    now = [0.0]
    answers = iter([{"a": (False, "x")}, {"a": (True, "ok")}])
    console = Console(record=True, width=80, force_terminal=False)
    with Progress(console=console) as progress:
        waiting = wait_until(
            lambda: next(answers),
            "things",
            timeout=10,
            interval=1,
            progress=progress,
            clock=lambda: now[0],
            sleep=lambda s: now.__setitem__(0, now[0] + s),
        )
    assert waiting == {}
    assert "things" in console.export_text()
    stuck = wait_until(
        lambda: {"a": (False, "x")},
        "stuck",
        timeout=3,
        interval=1,
        clock=lambda: now[0],
        sleep=lambda s: now.__setitem__(0, now[0] + s),
    )
    assert stuck == {"a": "x"}


def test_wait_tasks(nornir_nodes: Any) -> None:
    api = FakeDynamicClient()
    api.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "metallb-system"}})
    api.put(deployment(1, 1))
    api.put(node("master01", "True"))
    api.put(node("worker01", "False"))
    cp = nornir_nodes.filter(name="master01")
    ok = cp.run(
        task=wait_deployments_available, deployments=[("metallb-system", "controller")], client=api
    )
    assert not ok.failed
    bad = cp.run(
        task=wait_nodes_ready,
        names=["master01", "worker01", "worker02"],
        client=api,
        timeout=0,
        interval=0,
    )
    assert bad.failed
    message = bad["master01"][0].result
    assert "2/3 not ready" in message
    assert "Node/worker01: Ready=False (KubeletNotReady)" in message
    assert "Node/worker02: not found" in message
    none = cp.run(task=wait_crds_established, names=[], client=api)
    assert not none.failed


def test_pauses_start_short_and_double_up_to_the_interval() -> None:
    now = [0.0]
    pauses: list[float] = []

    def sleep(s: float) -> None:
        pauses.append(s)
        now[0] += s

    stuck = wait_until(
        lambda: {"a": (False, "x")},
        "stuck",
        timeout=6,
        interval=2,
        clock=lambda: now[0],
        sleep=sleep,
    )
    assert stuck == {"a": "x"}
    assert pauses[:5] == [0.125, 0.25, 0.5, 1.0, 2.0] and set(pauses[4:]) == {2.0}
    assert now[0] >= 6
