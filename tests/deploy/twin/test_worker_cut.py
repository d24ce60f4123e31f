"""A deploy with one worker's SSH cut (the node, whose PID 1 is its sshd, powered off by its
recorded PID, `lab.lifecycle.stop_login`) fails only that worker's phases and names the host,
the phase and why; with the node booted again, a re-run converges. On a fresh twin, under the
twin lock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bgplb.model import Site, load_site
from lab.lifecycle import start_login, stop_login

from .conftest import LAB_INVENTORY, deploy, ecmp_next_hops, fresh_twin

pytestmark = pytest.mark.twin

CUT = "worker02"


@pytest.fixture(scope="module")
def twin(twin_session: None) -> Iterator[Site]:
    with fresh_twin(load_site(LAB_INVENTORY)) as site:
        yield site


def test_a_cut_worker_fails_only_its_own_phases_then_a_re_run_converges(
    twin: Site, tmp_path: Path
) -> None:
    stop_login(twin, CUT)
    try:
        run = deploy(LAB_INVENTORY, "--json", cwd=tmp_path)
    finally:
        start_login(twin, CUT)
    assert run.code == 1, run.describe()
    doc = run.doc
    assert doc["ok"] is False
    outcomes = run.outcomes()
    not_fine = {key: o for key, o in outcomes.items() if o not in ("ok", "changed")}
    assert not_fine == {
        ("bootstrap", CUT): "failed",
        ("join", CUT): "skipped",
        ("audit", "vyos"): "skipped",  # a cluster without worker02 cannot pass it
    }, run.describe()
    for host in ("master01", "worker01", "vyos"):
        done = [p for (p, h), o in outcomes.items() if h == host and o == "changed"]
        assert done, (host, outcomes)
    details = {(r["phase"], r["host"]): r["detail"] for r in doc["results"]}
    assert "TCP connection to device failed" in details[("bootstrap", CUT)], details
    assert "198.18.30.61:22" in details[("bootstrap", CUT)], details
    assert details[("join", CUT)] == f"needs bootstrap failed on {CUT}"
    assert details[("audit", "vyos")] == f"needs join skipped on {CUT}"
    # the report (stderr with --json) names the host, the phase and why
    report = run.stderr
    assert f"{CUT}: bootstrap failed: {details[('bootstrap', CUT)]}" in report, report
    assert f"{CUT}: join skipped: needs bootstrap failed on {CUT}" in report, report
    assert "FAILED: " in report and "1 failed" in report

    again = deploy(LAB_INVENTORY, "--json", cwd=tmp_path)
    assert again.code == 0, again.describe()
    outcomes = again.outcomes()
    assert outcomes[("bootstrap", CUT)] == "changed"
    assert outcomes[("join", CUT)] == "changed"
    assert outcomes[("audit", "vyos")] == "ok"
    assert outcomes[("bootstrap", "worker01")] == "ok", "worker01 was done: nothing to redo"
    assert ecmp_next_hops(twin) == {n.address for n in twin.nodes}, "3-way ECMP"
