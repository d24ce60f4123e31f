"""runbooks.migrate_metallb on the twin: the reference lab's MetalLB 0.9.6 (ConfigMap) switched
to 0.14.9 (CRDs) under a request loop from every client to every LB IP, while the router's
route to each LB /32 is sampled: no failed request, no sample without a route, the audit
passing before and after, and a deploy of the new version afterwards changing nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

from bgplb.model import Site, load_site
from runbooks.migrate_metallb import main as migrate_main
from tests.audit.twin.twin import AuditTwin, ecmp_hops, node_addresses
from tests.drain.twin.load import RequestLoop
from tests.drain.twin.scenario import audit_json, core_api, drain_twin, run_json
from tests.k8s.twin.conftest import (
    LAB_INVENTORY,
    METALLB_0149,
    REPO,
    copy_inventory,
    describe,
    run_phase,
)
from tests.model.mutate import pinned_file

METALLB_0161_FRR = REPO / "lab" / "manifests" / "metallb-v0.16.1" / "metallb-frr.yaml"

pytestmark = pytest.mark.twin


def to_0149(site: dict[str, Any]) -> None:
    """What a user edits: the version and its manifest (everything else as it was)."""
    site["metallb"]["version"] = "0.14.9"
    site["metallb"]["manifests"] = [pinned_file(METALLB_0149)]
    site["metallb"].pop("memberlist_secret_env", None)  # 0.10+ makes its own


def to_0161_frr(site: dict[str, Any]) -> None:
    site["metallb"]["version"] = "0.16.1"
    site["metallb"]["implementation"] = "frr"
    site["metallb"]["manifests"] = [pinned_file(METALLB_0161_FRR)]
    site["metallb"].pop("memberlist_secret_env", None)


TARGETS = {"0.14.9": to_0149, "0.16.1-frr": to_0161_frr}
SPEAKER_IMAGE = {
    "0.14.9": "quay.io/metallb/speaker:v0.14.9",
    "0.16.1-frr": "quay.io/metallb/speaker:v0.16.1",
}


@pytest.fixture(scope="module", params=sorted(TARGETS))
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_inventory(tmp_path_factory.mktemp("inv-switch"), TARGETS[request.param])


@pytest.fixture(scope="module")
def twin(target: Path, twin_session: None) -> Iterator[AuditTwin]:
    """A fresh twin on the reference lab's MetalLB 0.9.6, for each target version."""
    with drain_twin(load_site(LAB_INVENTORY)) as t:
        yield t


class RouteSampler:
    """The router's kernel route to each LB /32, read every `interval` s in a thread."""

    def __init__(self, site: Site, ips: list[IPv4Address], interval: float = 0.1) -> None:
        self.site, self.ips, self.interval = site, ips, interval
        self.samples: list[dict[IPv4Address, set[IPv4Address]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + 600  # bounded, whatever happens to the caller
        while not self._stop.is_set() and time.monotonic() < deadline:
            self.samples.append({ip: ecmp_hops(self.site, ip) for ip in self.ips})
            self._stop.wait(self.interval)

    def __enter__(self) -> RouteSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def unrouted(self) -> list[tuple[int, IPv4Address]]:
        return [(i, ip) for i, s in enumerate(self.samples) for ip, hops in s.items() if not hops]


def speaker_images(site: Site) -> dict[str, str]:
    pods = core_api(site).list_namespaced_pod("metallb-system", label_selector="component=speaker")
    return {
        p.spec.node_name: next(c.image for c in p.spec.containers if c.name == "speaker")
        for p in pods.items
    }


def configmap_present(site: Site) -> bool:
    names = [
        c.metadata.name for c in core_api(site).list_namespaced_config_map("metallb-system").items
    ]
    return "config" in names


def test_the_deploy_refuses_to_switch_bluntly(twin: AuditTwin, target: Path) -> None:
    """The deploy's metallb phase with the new version over running 0.9.6 speakers: refused,
    nothing changed (applying the manifest would replace the speakers before their config)."""
    site = twin.site
    before = speaker_images(site)
    for dry_run in (True, False):
        result = run_phase(load_site(target), "metallb", dry_run=dry_run)
        (host,) = result.values()
        assert host.failed, describe(result)
        assert "python -m runbooks.migrate_metallb" in str(host[0].result)
    assert speaker_images(site) == before
    assert configmap_present(site)
    twin.wait_ecmp(node_addresses(site))


def test_switch_from_096_keeps_every_lb_ip_routed(
    twin: AuditTwin, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def read() -> str:
        return capsys.readouterr().out

    site = twin.site
    lb_ips = [s.lb_ip for s in site.services if s.lb_ip is not None]
    code, audit = audit_json(LAB_INVENTORY, read)
    assert code == 0, [f for f in audit["findings"] if f["severity"] == "error"]

    # the dry run shows the plan and changes nothing
    before = speaker_images(site)
    code, doc = run_json(migrate_main, read, ["--inventory", str(target), "--dry-run"])
    assert code == 0, doc
    plan = doc["plan"]
    target_site = load_site(target)
    assert plan["from"] == "0.9.6" and plan["to"] == target_site.metallb.version
    assert plan["order"] == ["worker01", "worker02", "master01"]
    assert [d["kind"] for d in plan["converted"]] == [
        "BGPPeer",
        "IPAddressPool",
        "BGPAdvertisement",
    ]
    assert plan["converted"][0]["spec"]["holdTime"] == "1m30s"
    # FRR mode asks for FRR's timers when none are set (180/60), native for 90/30
    frr = target_site.metallb.implementation == "frr"
    want = ["warning"] * 3 if frr else []
    assert [d["severity"] for d in plan["differences"]] == want, plan["differences"]
    assert speaker_images(site) == before and configmap_present(site)
    assert set(before.values()) == {"metallb/speaker:v0.9.6"}

    start = time.monotonic()
    with ExitStack() as stack:
        loops = [stack.enter_context(RequestLoop(site, ip, max_seconds=300)) for ip in lb_ips]
        sampler = stack.enter_context(RouteSampler(site, lb_ips))
        code, doc = run_json(migrate_main, read, ["--inventory", str(target), "--yes"])
    seconds = time.monotonic() - start
    assert code == 0, doc["steps"]
    assert [s["name"] for s in doc["steps"]] == [
        "crds", "config", "controller", "speakers", "finish", "audit",
    ]  # fmt: skip
    failed = sum(loop.failed for loop in loops)
    total = sum(loop.total for loop in loops)
    figures = (
        f"switch to {target_site.metallb.version} {target_site.metallb.implementation}: "
        f"{seconds:.1f} s, {total} requests, {failed} failed, "
        f"{sum(loop.retried for loop in loops)} retried after a reset, "
        f"{len(sampler.samples)} route samples, {len(sampler.unrouted())} without a route; "
        f"steps: {[(s['name'], s['seconds']) for s in doc['steps']]}"
    )
    with capsys.disabled():
        print(figures)
    assert failed == 0, [e for loop in loops for e in loop.errors]
    assert total > 100
    assert len(sampler.samples) > 50
    assert sampler.unrouted() == [], sampler.unrouted()[:5]
    image = SPEAKER_IMAGE["0.16.1-frr" if frr else "0.14.9"]
    assert set(speaker_images(site).values()) == {image}
    assert not configmap_present(site)
    twin.wait_ecmp(node_addresses(site))

    code, audit = audit_json(target, read)
    assert code == 0, [f for f in audit["findings"] if f["severity"] == "error"]

    # what the switch left is what the deploy renders for the new version
    result = run_phase(load_site(target), "metallb")
    (host,) = result.values()
    assert not host.failed and not host.changed, describe(result)

    # nothing left to switch
    code, doc = run_json(migrate_main, read, ["--inventory", str(target), "--dry-run"])
    assert code == 2 and doc["error"] == "refused"
    assert any("nothing to switch" in r for r in doc["plan"]["refusals"])
