"""runbooks.vyos_dialect on the twin: a router emulating VyOS 1.4.3, configured by the deploy's
router phase, read through the real bgplb_vyos driver (get_facts' os_version from `show version`,
`show configuration commands`). With the inventory still naming the reference lab's 2021 build
(as after an image upgrade), the plan sends nothing and tells which version to set; with the
router's own version, there is nothing to say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bgplb.model import load_site

from .conftest import copy_inventory, deploy, fresh_twin

pytestmark = pytest.mark.twin


def _version(version: str) -> Any:
    def edit(hosts: dict[str, Any], _site: dict[str, Any]) -> None:
        hosts["vyos"]["data"]["vyos_version"] = version

    return edit


def test_the_plan_from_the_version_the_router_reports(twin_session: None, tmp_path: Path) -> None:
    router = copy_inventory(tmp_path / "router", _version("1.4.3"))
    stale = copy_inventory(tmp_path / "stale", _version("1.4-rolling-202105210417"))
    site = load_site(router)
    with fresh_twin(site):
        run = deploy(router, "--tags", "router", "--json", cwd=tmp_path)
        assert run.code == 0, run.describe()
        checked = deploy(stale, "--json", cwd=tmp_path, runbook="runbooks.vyos_dialect")
        assert checked.code == 0, checked.describe()
        plan = checked.doc["plan"]
        assert plan["reported"] == {"version": "1.4.3", "dialect": "1.4"}
        assert plan["form"] == "system-as"
        assert plan["lines"] == [] and plan["preview"] == []
        assert any("set it to 1.4.3" in note for note in plan["notes"]), plan["notes"]
        same = deploy(router, "--json", cwd=tmp_path, runbook="runbooks.vyos_dialect")
        assert same.code == 0, same.describe()
        assert same.doc["plan"]["notes"] == [] and same.doc["plan"]["lines"] == []
