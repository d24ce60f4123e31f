"""runbooks.drain end to end on a fake cluster and router: refusals (exit 2, nothing changed,
nothing contacted for bad input), the phases in order, a router that never converges (exit 1,
never cordoned), a budget that never allows the eviction, the undo, dry run and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runbooks.drain import main
from tasks.audit_router import RouterDevice
from tasks.drain_k8s import Apis
from tests.drain.fakes import FakeKube, FakeRouter, app_pod

REPO = Path(__file__).resolve().parents[2]
INVENTORY = str(REPO / "inventory" / "lab")
LABEL = {"metadata": {"labels": {"bgplb.io/drained": "true"}}}
CORDON = {"spec": {"unschedulable": True}}


def connector(
    kube: FakeKube, router: FakeRouter
) -> Callable[[Any], tuple[Apis, RouterDevice, Callable[[], None]]]:
    return lambda _site: (kube.apis(), router, lambda: None)


def never(_site: Any) -> Any:
    raise AssertionError("contacted")


def run(capsys: pytest.CaptureFixture[str], connect: Any, *argv: str) -> tuple[int, Any]:
    try:
        code = main(["--inventory", INVENTORY, "--json", *argv], connect=connect)
    except SystemExit as exc:  # bad input: exit 2 through fail_input
        code = int(str(exc.code))
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["worker09"], "unknown node 'worker09'"),
        (["--limit", "vyos"], "vyos is not a Kubernetes node"),
        (["--limit", "nosuch"], "unknown host or group 'nosuch'"),
        ([], "no node given"),
        (["worker01", "--timeout", "0"], "--timeout 0"),
    ],
)
def test_bad_input_is_exit_2_and_contacts_nothing(
    capsys: pytest.CaptureFixture[str], argv: list[str], text: str
) -> None:
    code, doc = run(capsys, never, *argv)
    assert code == 2
    assert doc["error"] == "bad input"
    assert text in doc["problems"][0]["message"]


def test_drain_runs_the_phases_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    kube = FakeKube()
    router = FakeRouter(kube)
    code, doc = run(capsys, connector(kube, router), "worker01", "--timeout", "5")
    assert code == 0, doc
    (node,) = doc["nodes"]
    assert [p["name"] for p in node["phases"]] == ["exclude", "withdraw", "cordon", "evict"]
    assert node["mechanism"] == "peer-node-selectors"
    assert kube.calls == [  # the peers already leave drained nodes out: the label is enough
        f"patch node worker01 {json.dumps(LABEL, sort_keys=True)}",
        f"patch node worker01 {json.dumps(CORDON, sort_keys=True)}",
        "evict default/web-1",
    ]
    assert node["router_before"]["198.18.100.10"] == [
        "198.18.30.50",
        "198.18.30.60",
        "198.18.30.61",
    ]
    assert node["router_after"]["198.18.100.10"] == ["198.18.30.50", "198.18.30.61"]
    assert list(node["pods_moved"]) == ["default/web-1"]


def test_a_router_that_keeps_the_node_stops_before_the_cordon(
    capsys: pytest.CaptureFixture[str],
) -> None:
    kube = FakeKube()
    router = FakeRouter(kube, stuck=True)
    code, doc = run(capsys, connector(kube, router), "worker01", "--timeout", "0.5")
    assert code == 1
    (node,) = doc["nodes"]
    assert [(p["name"], p["ok"]) for p in node["phases"]] == [
        ("exclude", True),
        ("withdraw", False),
    ]
    assert "198.18.100.10" in node["error"] and "worker01" in node["error"]
    assert not any("unschedulable" in c or c.startswith("evict") for c in kube.calls)
    assert router.polls > 1


def test_a_budget_that_never_allows_it_fails_naming_the_pod(
    capsys: pytest.CaptureFixture[str],
) -> None:
    kube = FakeKube()
    kube.refuse.add("web-1")
    code, doc = run(capsys, connector(kube, FakeRouter(kube)), "worker01", "--timeout", "1")
    assert code == 1
    (node,) = doc["nodes"]
    assert node["phases"][-1]["name"] == "evict" and not node["phases"][-1]["ok"]
    assert "default/web-1" in node["error"] and "PodDisruptionBudget" in node["error"]
    assert kube.calls.count("evict default/web-1") >= 1


def test_no_evict_only_cordons(capsys: pytest.CaptureFixture[str]) -> None:
    kube = FakeKube()
    code, _ = run(capsys, connector(kube, FakeRouter(kube)), "worker01", "--no-evict")
    assert code == 0
    assert not any(c.startswith("evict") for c in kube.calls)
    assert kube.node("worker01")["spec"]["unschedulable"] is True


def test_last_announcer_and_bare_pods_are_refused_and_nothing_changes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    kube = FakeKube(app_pods=[app_pod("lonely", "worker02", owner=None)])
    code, doc = run(capsys, connector(kube, FakeRouter(kube)), "--limit", "k8s_nodes")
    assert code == 2
    assert doc["error"] == "refused"
    refusals = [r for p in doc["plans"] for r in p["refusals"]]
    assert any("last announcer" in r for r in refusals)
    assert any("default/lonely" in r for r in refusals)
    assert kube.calls == []
    code, doc = run(
        capsys, connector(kube, FakeRouter(kube)), "--limit", "k8s_nodes", "--force", "--dry-run"
    )
    assert code == 0 and doc["dry_run"] is True and kube.calls == []


def test_dry_run_prints_the_plan_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    kube = FakeKube()
    code, doc = run(capsys, connector(kube, FakeRouter(kube)), "worker01", "--dry-run")
    assert code == 0
    (plan,) = doc["plans"]
    assert plan["changes"] == [
        {
            "ip": "198.18.100.10",
            "service": "default/my-service",
            "announcers_before": ["master01", "worker01", "worker02"],
            "announcers_after": ["master01", "worker02"],
            "next_hops_remaining": ["198.18.30.50", "198.18.30.61"],
        }
    ]
    assert plan["pods"] == [
        {"pod": "default/web-1", "evict": True, "reason": "owned by a ReplicaSet"}
    ]
    assert kube.calls == []
    main(
        ["--inventory", INVENTORY, "worker01", "--dry-run"],
        connect=connector(kube, FakeRouter(kube)),
    )
    text = capsys.readouterr().out
    assert "198.18.30.50, 198.18.30.61" in text  # the next hops that remain
    assert "peer's node-selectors in ConfigMap metallb-system/config" in text
    assert "metallb-v0.9.6/config.go" in text


def test_undo_reverses_and_waits_for_the_node(capsys: pytest.CaptureFixture[str]) -> None:
    kube = FakeKube()
    router = FakeRouter(kube)
    assert run(capsys, connector(kube, router), "worker01")[0] == 0
    kube.calls.clear()
    code, doc = run(capsys, connector(kube, router), "--undo", "worker01")
    assert code == 0, doc
    (node,) = doc["nodes"]
    assert [p["name"] for p in node["phases"]] == ["include", "return"]
    assert node["carries_after"] == ["198.18.100.10"]
    assert kube.calls == [  # the peers keep the selector: changing them resets every session
        'patch node worker01 {"metadata": {"labels": {"bgplb.io/drained": null}}, '
        '"spec": {"unschedulable": null}}',
    ]
    assert "bgplb.io/drained" in kube.doc["configmap"]["data"]["config"]
    assert node["router_after"]["198.18.100.10"] == ["198.18.30.50", "198.18.30.60", "198.18.30.61"]


def test_peers_without_the_selector_are_refused_as_a_reset_of_every_session(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A ConfigMap from before the deploy rendered the selector: adding it changes the peer,
    and a 0.9-0.12 speaker then resets the peer's session on every node."""
    kube = FakeKube(drain_selector=False)
    code, doc = run(capsys, connector(kube, FakeRouter(kube)), "worker01")
    assert code == 2 and doc["error"] == "refused"
    (refusal,) = [r for p in doc["plans"] for r in p["refusals"]]
    assert "master01, worker02 would lose their routes" in refusal
    assert "SetConfig" in refusal and "--force" in refusal
    assert kube.calls == []


def test_force_adds_the_selector_to_peers_without_it(capsys: pytest.CaptureFixture[str]) -> None:
    kube = FakeKube(drain_selector=False)
    code, doc = run(capsys, connector(kube, FakeRouter(kube)), "worker01", "--force")
    assert code == 0, doc
    assert kube.calls[0] == "patch configmap metallb-system/config"
    assert "bgplb.io/drained" in kube.doc["configmap"]["data"]["config"]
