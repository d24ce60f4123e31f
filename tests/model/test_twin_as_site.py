"""inventory/examples/twin-as-site: the twin as a real site (no `lab:`), kept equal to
inventory/lab otherwise, and inside the twin's address space (the model's twin guard needs
`lab:`, so this test is its guard)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bgplb.model import load_site
from bgplb.model.checks import LAB_NET
from tests.model.mutate import absolute_manifests

REPO = Path(__file__).resolve().parents[2]
TWIN = REPO / "inventory" / "lab"
AS_SITE = REPO / "inventory" / "examples" / "twin-as-site"


def test_it_is_the_twin_without_its_lab_section() -> None:
    for name in ("hosts.yaml", "groups.yaml"):
        assert (AS_SITE / name).resolve() == (TWIN / name).resolve(), name
    twin = yaml.safe_load((TWIN / "defaults.yaml").read_text())["data"]["site"]
    as_site = yaml.safe_load((AS_SITE / "defaults.yaml").read_text())["data"]["site"]
    assert "lab" in twin and "lab" not in as_site
    del twin["lab"]

    def resolved(site: dict[str, object], base: Path) -> dict[str, object]:
        k8s, metallb = site["kubernetes"], site["metallb"]
        assert isinstance(k8s, dict) and isinstance(metallb, dict)
        absolute_manifests(site, base)
        return site

    assert resolved(as_site, AS_SITE) == resolved(twin, TWIN)


def test_it_validates_as_a_site_inside_the_twins_space() -> None:
    site = load_site(AS_SITE)
    assert site.lab is None
    assert all(login.address in LAB_NET for login in site.logins.values())
    nets = [*site.segments.values(), site.kubernetes.pod_cidr, site.kubernetes.service_cidr]
    nets += [n for p in site.metallb.pools for n in p.addresses]
    assert all(n.subnet_of(LAB_NET) for n in nets)
