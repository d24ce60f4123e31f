"""runbooks.drain on the twin with MetalLB 0.14.9 (CRDs; the exclude label; cordoned nodes
withdraw on this version only), the control plane not announcing (2 next hops)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bgplb.model import load_site
from runbooks.drain import main as drain_main
from tests.audit.twin.twin import AuditTwin, node_addresses
from tests.k8s.twin.conftest import copy_inventory, metallb_0149

from .scenario import audit_json, drain_step, drain_twin, node_state, pods_on, run_json

EXCLUDE = "node.kubernetes.io/exclude-from-external-load-balancers"


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_inventory(tmp_path_factory.mktemp("inv0149"), metallb_0149)


@pytest.fixture(scope="module")
def twin(inventory: Path, twin_session: None) -> Iterator[AuditTwin]:
    with drain_twin(load_site(inventory)) as t:
        yield t


def test_drain_and_undo_with_the_exclude_label(
    twin: AuditTwin, inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = twin.site

    def read() -> str:
        return capsys.readouterr().out

    workers = {n.address for n in site.workers}
    master = site.control_plane
    w2 = site.node("worker02")
    twin.wait_ecmp(workers)
    assert pods_on(site, "worker02")

    step = drain_step(twin, inventory, read, "worker02")
    assert step.code == 0, step.doc
    assert step.failed == 0, step.report()
    assert step.requests > 30
    assert step.hops == workers - {w2.address}
    (node,) = step.doc["nodes"]
    assert node["mechanism"] == "exclude-label"
    assert node["selector_edit"] == "none"
    cordoned, labels = node_state(site)["worker02"]
    assert cordoned and EXCLUDE in labels
    assert pods_on(site, "worker02") == []

    code, audit = audit_json(inventory, read)
    assert code == 0, [f for f in audit["findings"] if f["severity"] == "error"]
    assert audit["drained"] == ["worker02"]

    # worker01 is now the last announcer: refused, nothing changed
    before = node_state(site)
    code, doc = run_json(drain_main, read, ["--inventory", str(inventory), "worker01"])
    assert code == 2 and doc["error"] == "refused"
    assert node_state(site) == before

    back = drain_step(twin, inventory, read, "--undo", "worker02")
    assert back.code == 0, back.doc
    assert back.failed == 0, back.report()
    assert back.hops == workers
    cordoned, labels = node_state(site)["worker02"]
    assert not cordoned and EXCLUDE not in labels
    assert EXCLUDE in node_state(site)[master.name][1]  # the site keeps the master excluded
    twin.wait_ecmp(node_addresses(site) - {master.address})
