"""Shared helpers of the Kubernetes layer's tests: the write-up's YAML blocks and site variants."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bgplb.model import Site, load_site
from tests.model.mutate import absolute_manifests

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
REPO = HERE.parents[1]
INVENTORY = REPO / "inventory"
LAB_INVENTORY = REPO / "inventory" / "lab"
Files = dict[str, Any]


def mutated(dest: Path, mutation: Callable[[Files], None], source: Path = INVENTORY) -> Path:
    """A copy of an inventory with its YAML edited as data."""
    dest.mkdir(parents=True, exist_ok=True)
    files = {
        name: yaml.safe_load((source / f"{name}.yaml").read_text())
        for name in ("hosts", "groups", "defaults")
    }
    _absolute_manifests(files, source)
    mutation(files)
    for name, data in files.items():
        (dest / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def _absolute_manifests(files: Files, source: Path) -> None:
    absolute_manifests(files["defaults"].get("data", {}).get("site", {}), source)


def twin_state_in(f: Files, state: Path) -> None:
    """A twin inventory whose state (kubeconfig, known_hosts, SSH key) lives in `state`: the
    validation keeps every state path of a twin inside its lab.state_dir."""
    site = site_data(f)
    site["lab"] = {"state_dir": str(state), "known_hosts": str(state / "known_hosts")}
    site["kubernetes"]["kubeconfig"] = str(state / "admin.conf")
    for group in f["groups"].values():
        credentials = (group.get("data") or {}).get("credentials") or {}
        if "ssh_key" in credentials:
            credentials["ssh_key"] = str(state / "id_ed25519")


def site_data(f: Files) -> dict[str, Any]:
    return f["defaults"]["data"]["site"]  # type: ignore[no-any-return]


def metallb(version: str, control_plane_announces: bool) -> Callable[[Files], None]:
    def mutation(f: Files) -> None:
        m = site_data(f)["metallb"]
        m["version"] = version
        m["control_plane_announces"] = control_plane_announces
        if tuple(map(int, version.split("."))) >= (0, 13, 0):
            # the manifest of the version itself (validation checks that the URL names it)
            m["manifests"] = [
                f"https://raw.githubusercontent.com/metallb/metallb/v{version}"
                "/config/manifests/metallb-native.yaml"
            ]

    return mutation


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[[Callable[[Files], None]], Site]:
    counter = iter(range(1000))

    def make(mutation: Callable[[Files], None]) -> Site:
        return load_site(mutated(tmp_path / f"inv{next(counter)}", mutation))

    return make


@pytest.fixture
def lab_site() -> Site:
    return load_site(LAB_INVENTORY)


@pytest.fixture
def nornir_nodes(lab_site: Site) -> Any:
    """Real Nornir over the twin's inventory, node hosts only (nothing is contacted)."""
    from bgplb.nornir_init import init_nornir

    return init_nornir(lab_site, {n.name for n in lab_site.nodes}, num_workers=4)
