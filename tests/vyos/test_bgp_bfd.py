"""The router's side of BFD: `protocols bfd peer <addr> interval ...` and the neighbor's `bfd`,
rendered per dialect from the site's one BFD profile (`metallb.bfd`), planned and converged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bgplb.errors import InputError
from bgplb.model import load_site
from bgplb.model.problems import InventoryProblems
from bgplb.vyos.bgp_config import plan_router_bgp, render_commands
from tests.k8s.conftest import metallb, site_data
from tests.model.mutate import Files, mutated

from .test_bgp_config import GOLDEN, _at, _running, router

ENV = {"TEST_BGP_PASSWORD": "pw-from-env"}
FRR_MANIFEST = (
    "https://raw.githubusercontent.com/metallb/metallb/v0.16.1/config/manifests/metallb-frr.yaml"
)


def _frr_bfd(f: Files, bfd: dict[str, int] | None = None) -> None:
    metallb("0.16.1", True)(f)
    m = site_data(f)["metallb"]
    m["manifests"] = [FRR_MANIFEST]
    m["implementation"] = "frr"
    m["bfd"] = bfd if bfd is not None else {}


def _bfd_at(version: str) -> Any:
    def mutation(f: Files) -> None:
        _at(version)(f)
        _frr_bfd(f)

    return mutation


@pytest.mark.parametrize(
    ("golden", "version"),
    [
        ("bgp-bfd-1.3.txt", "1.3.8"),
        ("bgp-bfd-1.4-rolling-tag-asn.txt", "1.4-rolling-202102010000"),
        ("bgp-bfd-1.4-rolling-2021.txt", "1.4-rolling-202105210417"),
        ("bgp-bfd-1.4-rolling-2021-af.txt", "1.4-rolling-202201100117"),
        ("bgp-bfd-1.4-rolling-2022.txt", "1.4-rolling-202208150117"),
        ("bgp-bfd-1.4-lts.txt", "1.4.3"),
        ("bgp-bfd-1.5.txt", "1.5-rolling-202410210000"),
    ],
)
def test_golden(golden: str, version: str, tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", _bfd_at(version)))
    rendered = "\n".join(render_commands(site, ENV)) + "\n"
    assert rendered == (GOLDEN / golden).read_text()


def test_every_node_neighbor_gets_a_bfd_peer_and_the_neighbor_bfd_leaf(tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", _bfd_at("1.4.3")))
    lines = render_commands(site, ENV)
    for address in ("192.168.30.50", "192.168.30.60", "192.168.30.61"):
        assert f"set protocols bfd peer {address} interval multiplier '3'" in lines
        assert f"set protocols bfd peer {address} interval receive '300'" in lines
        assert f"set protocols bfd peer {address} interval transmit '300'" in lines
        assert f"set protocols bgp neighbor {address} bfd" in lines


def test_intervals_come_from_the_one_bfd_profile(tmp_path: Path) -> None:
    def custom(f: Files) -> None:
        _at("1.3.8")(f)
        _frr_bfd(
            f, {"receive_interval_ms": 150, "transmit_interval_ms": 200, "detect_multiplier": 5}
        )

    lines = render_commands(load_site(mutated(tmp_path / "inv", custom)), ENV)
    assert "set protocols bfd peer 192.168.30.50 interval receive '150'" in lines
    assert "set protocols bfd peer 192.168.30.50 interval transmit '200'" in lines
    assert "set protocols bfd peer 192.168.30.50 interval multiplier '5'" in lines
    assert "set protocols bgp 64501 neighbor 192.168.30.50 bfd" in lines


def test_no_bfd_in_the_inventory_renders_none(tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", _at("1.4.3")))
    assert not [line for line in render_commands(site, ENV) if "bfd" in line]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("receive_interval_ms", 9),
        ("transmit_interval_ms", 60001),
        ("detect_multiplier", 1),
        ("detect_multiplier", 256),
    ],
)
def test_intervals_outside_upstreams_ranges_are_refused(
    key: str, value: int, tmp_path: Path
) -> None:
    def bad(f: Files) -> None:
        _at("1.4.3")(f)
        _frr_bfd(f, {key: value})

    with pytest.raises(InventoryProblems, match=rf"metallb.bfd.{key}"):
        load_site(mutated(tmp_path / "inv", bad))


def test_bfd_in_native_mode_is_refused_for_the_router_too(tmp_path: Path) -> None:
    """One source: `metallb.bfd` on MetalLB 0.9.6 is refused at validation, so the router
    never gets a BFD peer that no speaker would answer."""

    def native(f: Files) -> None:
        _at("1.4.3")(f)
        site_data(f)["metallb"]["bfd"] = {}

    with pytest.raises(InventoryProblems, match="BFD needs MetalLB's FRR mode"):
        load_site(mutated(tmp_path / "inv", native))


def test_a_converged_router_plans_no_deletes(tmp_path: Path) -> None:
    for version in ("1.3.8", "1.4-rolling-202105210417", "1.4.3", "1.5-rolling-202410210000"):
        site = load_site(mutated(tmp_path / version, _bfd_at(version)))
        running = "\n".join(render_commands(site, ENV)) + "\n"
        plan = plan_router_bgp(site, running, ENV)
        assert plan.deletes == [], version


def test_bfd_removed_from_the_inventory_is_deleted_whole(tmp_path: Path) -> None:
    extra = [
        "set protocols bfd peer 192.168.30.50 interval multiplier '3'",
        "set protocols bfd peer 192.168.30.50 interval receive '300'",
        "set protocols bgp neighbor 192.168.30.50 bfd",
        "set protocols bfd peer 192.168.123.7 interval multiplier '3'",  # not ours
    ]
    plan = plan_router_bgp(load_site("inventory"), _running(extra), {})
    assert plan.deletes == [
        "delete protocols bgp neighbor 192.168.30.50 bfd",
        "delete protocols bfd peer 192.168.30.50",
    ]


def test_stale_leaves_of_a_wanted_bfd_peer_are_deleted(tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", _bfd_at("1.4.3")))
    converged = "\n".join(render_commands(site, ENV))
    running = converged + "\nset protocols bfd peer 192.168.30.60 echo-mode\n"
    running = running.replace(
        "peer 192.168.30.61 interval receive '300'", "peer 192.168.30.61 interval receive '50'"
    )
    plan = plan_router_bgp(site, running, ENV)
    assert plan.deletes == ["delete protocols bfd peer 192.168.30.60 echo-mode"]
    assert "set protocols bfd peer 192.168.30.61 interval receive '300'" in plan.sets


def test_a_removed_neighbors_bfd_peer_goes_with_it(tmp_path: Path) -> None:
    site = load_site(mutated(tmp_path / "inv", _bfd_at("1.4.3")))
    converged = "\n".join(render_commands(site, ENV))
    running = converged + (
        "\nset protocols bgp neighbor 192.168.30.70 description 'bgplb worker09'"
        "\nset protocols bgp neighbor 192.168.30.70 bfd"
        "\nset protocols bfd peer 192.168.30.70 interval multiplier '3'\n"
    )
    plan = plan_router_bgp(site, running, ENV)
    assert plan.deletes == [
        "delete protocols bgp neighbor 192.168.30.70",
        "delete protocols bfd peer 192.168.30.70",
    ]


def test_a_dialect_range_narrower_than_the_model_is_refused(tmp_path: Path) -> None:
    """The per-dialect check is live: a dialect whose grammar took less is refused there."""
    import dataclasses

    from bgplb.vyos import bgp_config

    site = load_site(mutated(tmp_path / "inv", _bfd_at("1.4.3")))
    narrow = dataclasses.replace(site.router.dialect, bfd_interval_ms=(10, 200))
    site = dataclasses.replace(site, router=dataclasses.replace(site.router, dialect=narrow))
    with pytest.raises(InputError, match=r"receive_interval_ms: 300; VyOS 1.4 takes 10..200"):
        bgp_config.render_commands(site, ENV)
    assert router  # the helper is shared with test_bgp_config
