"""runbooks.drain on the twin with MetalLB 0.9.6 (ConfigMap dialect: peer node-selectors)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bgplb.drain.mechanism import configmap_config
from bgplb.model import load_site
from runbooks.drain import main as drain_main
from tests.audit.twin.conftest import INVENTORY
from tests.audit.twin.twin import AuditTwin, node_addresses

from .load import RequestLoop
from .scenario import (
    audit_json,
    core_api,
    drain_step,
    drain_twin,
    node_state,
    pods_on,
    router_drops,
    run_json,
)

DRAIN_LABEL = "bgplb.io/drained"


@pytest.fixture(scope="module")
def twin(twin_session: None) -> Iterator[AuditTwin]:
    with drain_twin(load_site(INVENTORY)) as t:
        yield t


def test_drain_and_undo_of_a_worker_drop_no_request(
    twin: AuditTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    site = twin.site

    def read() -> str:
        return capsys.readouterr().out

    worker = site.node("worker01")
    everyone = node_addresses(site)
    assert pods_on(site, "worker01"), "the demo app has a pod on worker01 to evict"

    drops = router_drops(site)
    step = drain_step(twin, INVENTORY, read, "worker01")
    assert step.code == 0, step.doc
    assert step.failed == 0, step.report()
    assert step.requests > 30
    assert step.hops == everyone - {worker.address}
    (node,) = step.doc["nodes"]
    assert node["mechanism"] == "peer-node-selectors"
    assert [p["name"] for p in node["phases"]] == ["exclude", "withdraw", "cordon", "evict"]
    assert node["router_after"][str(twin.lb_ip)] == sorted(
        str(a) for a in everyone - {worker.address}
    )
    assert node["pods_moved"], node
    # the peers already left drained nodes out (the deploy renders it): only worker01's
    # session closed; a changed peer would have reset every node's (speaker SetConfig)
    after = router_drops(site)
    assert {a: after[a] - drops[a] for a in drops} == {
        "198.18.30.50": 0,
        "198.18.30.60": 1,
        "198.18.30.61": 0,
    }
    assert pods_on(site, "worker01") == []
    cordoned, labels = node_state(site)["worker01"]
    assert cordoned and labels[DRAIN_LABEL] == "true"

    code, audit = audit_json(INVENTORY, read)
    assert code == 0, [f for f in audit["findings"] if f["severity"] == "error"]
    assert audit["drained"] == ["worker01"]
    drain = [f for f in audit["findings"] if f["check"] == "drain"]
    assert [(f["severity"], f["object"]) for f in drain] == [
        ("pass", f"node worker01 ({worker.address})")
    ]

    # the point of it all: the drained node can now go away without a failed request
    with RequestLoop(site, twin.lb_ip) as loop:
        twin.speaker("worker01").cut_link()
        time.sleep(2.0)
        twin.speaker("worker01").restore_link()
    assert loop.failed == 0, loop.report()
    assert "worker01" not in loop.landed()

    back = drain_step(twin, INVENTORY, read, "--undo", "worker01")
    assert back.code == 0, back.doc
    assert back.failed == 0, back.report()
    assert back.hops == everyone
    cordoned, labels = node_state(site)["worker01"]
    assert not cordoned and DRAIN_LABEL not in labels
    code, audit = audit_json(INVENTORY, read)
    assert code == 0 and audit["drained"] == []
    back_drops = router_drops(site)
    assert back_drops["198.18.30.50"] == drops["198.18.30.50"]
    assert back_drops["198.18.30.61"] == drops["198.18.30.61"]


def test_draining_every_announcer_is_refused_and_changes_nothing(
    twin: AuditTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    site = twin.site
    before = node_state(site)
    code, doc = run_json(
        drain_main,
        lambda: capsys.readouterr().out,
        ["--inventory", str(INVENTORY), "--limit", "k8s_nodes"],
    )
    assert code == 2
    assert doc["error"] == "refused"
    refusals = [r for p in doc["plans"] for r in p["refusals"]]
    assert any("is its last announcer" in r for r in refusals), refusals
    assert node_state(site) == before
    twin.wait_ecmp(node_addresses(site))


def test_peers_without_the_selector_refuse_and_force_resets_every_session(
    twin: AuditTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ConfigMap from before the deploy rendered the drain selector: the drain refuses, and
    with --force the twin's speakers do what v0.9.6's do (SetConfig): every session resets."""
    site = twin.site

    def read() -> str:
        return capsys.readouterr().out

    core = core_api(site)
    cm = core.read_namespaced_config_map("config", "metallb-system")
    legacy = configmap_config(cm.data["config"], exclude=False)
    assert "bgplb.io/drained" not in legacy
    core.patch_namespaced_config_map("config", "metallb-system", {"data": {"config": legacy}})
    everyone = node_addresses(site)
    twin.wait_ecmp(everyone)
    before = node_state(site)

    code, doc = run_json(drain_main, read, ["--inventory", str(INVENTORY), "worker01"])
    assert code == 2 and doc["error"] == "refused"
    (refusal,) = [r for p in doc["plans"] for r in p["refusals"]]
    assert "master01, worker02 would lose their routes" in refusal
    assert node_state(site) == before

    drops = router_drops(site)
    step = drain_step(twin, INVENTORY, read, "--force", "worker01")
    assert step.code == 0, step.doc
    after = router_drops(site)
    assert all(after[a] > drops[a] for a in drops), (drops, after)
    back = drain_step(twin, INVENTORY, read, "--undo", "worker01")
    assert back.code == 0, back.doc
    twin.wait_ecmp(everyone)
    with capsys.disabled():
        print(
            f"0.9.6 --force on peers without the selector: every session reset, "
            f"{step.failed} of {step.requests} requests failed ({'; '.join(step.errors[:3])})"
        )
