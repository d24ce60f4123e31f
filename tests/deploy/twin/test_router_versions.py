"""The whole deploy and the audit on a fresh twin whose router is another VyOS generation: 1.3
(`protocols bgp <ASN> ...`, vyatta-cfg-quagga's translation) and a 2022 rolling build
(`system-as`, a neighbor address-family required since vyos-1x 74a8c4b42). The twin's router
emulates the version the inventory names (lab/vyos/versions.py, from upstream); the product
picks its dialect from the same string (bgplb/vyos/dialects.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bgplb.model import load_site

from .conftest import copy_inventory, deploy, ecmp_next_hops, fresh_twin, router_exec

VERSIONS = {
    "1.3.8": ("protocols bgp 64501 ", "system-as"),
    "1.4-rolling-202208150117": ("protocols bgp system-as '64501'", "local-as"),
}
# The peer group's timers: 1.3 refuses them on a neighbor in a peer-group (vyatta-bgp.pl
# checkBannedPeerGroupParameters, emulated by the twin), so there they go to the router's
# `timers`; later builds take them per neighbor.
TIMERS_AT = {
    "1.3.8": "protocols bgp 64501 timers holdtime '9'",
    "1.4-rolling-202208150117": "protocols bgp neighbor 198.18.30.60 timers holdtime '9'",
}


def _with_version(version: str) -> Any:
    def edit(hosts: dict[str, Any], _site: dict[str, Any]) -> None:
        hosts["vyos"]["data"]["vyos_version"] = version
        hosts["vyos"]["data"]["bgp"]["peer_groups"][0]["timers"] = {"keepalive": 3, "holdtime": 9}

    return edit


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_deploy_and_audit_pass_on_this_router_version(
    version: str, twin_session: None, tmp_path: Path
) -> None:
    inventory = copy_inventory(tmp_path / "inv", _with_version(version))
    site = load_site(inventory)
    assert site.router.vyos_version == version
    present, absent = VERSIONS[version]
    with fresh_twin(site):
        assert f"VyOS {version}" in router_exec(site, "show version")
        run = deploy(inventory, "--json", cwd=tmp_path)
        assert run.code == 0, run.describe()
        assert run.outcomes()[("audit", "vyos")] == "ok", run.describe()
        assert ecmp_next_hops(site) == {n.address for n in site.nodes}, "3-way ECMP"
        shown = router_exec(site, "show configuration commands")
        assert present in shown and absent not in shown, shown
        assert TIMERS_AT[version] in shown, shown
        assert ("neighbor 198.18.30.60 timers" in shown) == (version != "1.3.8"), shown
        if site.router.dialect.neighbor_af_required:
            assert "neighbor 198.18.30.60 address-family ipv4-unicast" in shown, shown
        again = deploy(inventory, "--json", cwd=tmp_path)
        assert again.code == 0 and again.doc["changed"] == 0, again.describe()
