"""What the migration runbook avoids, measured with the same request loop and route sampler:
the deploy's metallb phase applied over MetalLB 0.9.6 with the new version (its guard taken
away) replaces the speakers before their configuration exists, and the LB routes go."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

import tasks.k8s_phases
from bgplb.model import load_site
from tests.audit.twin.twin import AuditTwin
from tests.drain.twin.load import RequestLoop
from tests.drain.twin.scenario import drain_twin
from tests.k8s.twin.conftest import LAB_INVENTORY, copy_inventory, run_phase

from .test_metallb_switch import RouteSampler, to_0149

pytestmark = pytest.mark.twin


@pytest.fixture(scope="module")
def twin(twin_session: None) -> Iterator[AuditTwin]:
    with drain_twin(load_site(LAB_INVENTORY)) as t:
        yield t


def test_applying_the_new_manifest_over_096_withdraws_the_routes(
    twin: AuditTwin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = twin.site
    target = load_site(copy_inventory(tmp_path / "inv", to_0149))
    lb_ips = [s.lb_ip for s in site.services if s.lb_ip is not None]
    monkeypatch.setattr(tasks.k8s_phases, "_configmap_speakers", lambda *_: [])
    start = time.monotonic()
    with ExitStack() as stack:
        loops = [stack.enter_context(RequestLoop(site, ip, max_seconds=300)) for ip in lb_ips]
        sampler = stack.enter_context(RouteSampler(site, lb_ips))
        run_phase(target, "metallb")
        time.sleep(2.0)
    failed = sum(loop.failed for loop in loops)
    total = sum(loop.total for loop in loops)
    with capsys.disabled():
        print(
            f"blunt: {time.monotonic() - start:.1f} s, {total} requests, {failed} failed, "
            f"{len(sampler.samples)} route samples, {len(sampler.unrouted())} without a route"
        )
    assert sampler.unrouted(), "every sample still had a route"
    assert failed > 0
