"""bench/failover.py --traffic-policy and the twin's announcers under Local, at plan level:
which inventory each twin gets, where the route is expected, where the restore announces
(nothing contacted, no twin)."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from bench.failover import NODE, main, placement, site_edit, twin_site
from bgplb.model import Site, load_site
from lab.speaker import Speaker
from tests.audit.twin.twin import AuditTwin

TWIN = Path(__file__).resolve().parents[2] / "inventory" / "lab"
LB_IP = IPv4Address("198.18.100.10")


def test_cluster_without_bfd_is_the_lab_inventory_itself() -> None:
    assert site_edit("cluster", bfd=False) is None


@pytest.mark.parametrize(
    ("policy", "bfd", "want_policy", "want_version"),
    [
        ("local", False, "Local", "0.9.6"),
        ("local", True, "Local", "0.16.1"),
        ("cluster", True, "Cluster", "0.16.1"),
    ],
)
def test_each_twin_inventory_sets_the_policy_through_the_inventorys_knob(
    tmp_path: Path, policy: str, bfd: bool, want_policy: str, want_version: str
) -> None:
    site = twin_site(tmp_path, policy, bfd)
    assert [s.external_traffic_policy for s in site.services] == [want_policy]
    assert site.metallb.version == want_version
    assert (site.metallb.bfd is not None) is bfd
    # the source inventory is untouched
    assert load_site(TWIN).services[0].external_traffic_policy == "Cluster"


def test_an_unknown_policy_is_refused_before_the_twin(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--traffic-policy", "Nodes"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


class _Recorded(AuditTwin):
    """AuditTwin whose speakers and router only record what restore() asks of them."""

    calls: list[tuple[str, str]]

    def speaker(self, node: str) -> Speaker:
        calls = self.calls

        class _Speaker:
            def start_bgpd(self) -> None:
                calls.append(("start", node))

            def restore_link(self) -> None:
                calls.append(("link", node))

            def announce(self, address: IPv4Address) -> None:
                calls.append(("announce", node))

        return _Speaker()  # type: ignore[return-value]

    def wait_ecmp(self, want: set[IPv4Address], address: IPv4Address | None = None) -> None:
        self.calls.append(("route", ",".join(sorted(map(str, want)))))


def _twin(site: Site, announcers: frozenset[str] | None) -> _Recorded:
    twin = _Recorded(site, Path("/nonexistent"), "", LB_IP, announcers)
    twin.calls = []
    return twin


def test_restore_under_local_announces_only_from_the_nodes_with_a_pod() -> None:
    site = load_site(TWIN)
    local = _twin(site, frozenset({"worker01", "worker02"}))
    local.restore()
    assert [n for what, n in local.calls if what == "announce"] == ["worker01", "worker02"]
    assert [n for what, n in local.calls if what == "start"] == ["master01", "worker01", "worker02"]
    assert local.calls[-1] == ("route", "198.18.30.60,198.18.30.61")
    cluster = _twin(site, None)
    cluster.restore()
    assert [n for what, n in cluster.calls if what == "announce"] == [
        "master01",
        "worker01",
        "worker02",
    ]
    assert cluster.calls[-1] == ("route", "198.18.30.50,198.18.30.60,198.18.30.61")


def test_placement_requires_a_pod_on_the_cut_node() -> None:
    site = load_site(TWIN)
    assert placement(_twin(site, None)) is None
    text = placement(_twin(site, frozenset({"worker01", NODE})))
    assert text == "Local: announced from worker01, worker02 (their ready pods)"
    with pytest.raises(RuntimeError, match="worker02 holds no ready pod of the Service"):
        placement(_twin(site, frozenset({"worker01"})))
