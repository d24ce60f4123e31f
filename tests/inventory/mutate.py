"""Copy an inventory to a temporary directory and edit its YAML as data."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO

Files = dict[str, Any]
Mutation = Callable[[Files], None]


def copy_inventory(dest: Path, source: str = "inventory") -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("hosts.yaml", "groups.yaml", "defaults.yaml"):
        shutil.copy(REPO / source / name, dest / name)
    return dest


def pinned_file(path: Path) -> dict[str, str]:
    """A local manifest entry pinned by the sha256 of the file as it is now."""
    return {"source": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def absolute_manifests(site: dict[str, Any], source: Path) -> None:
    """Local manifest paths are relative to the inventory: keep them valid in a copy
    (entries are a string or `{source: ..., sha256: ...}`)."""

    def fix(entry: Any) -> Any:
        if isinstance(entry, dict) and isinstance(entry.get("source"), str):
            return {**entry, "source": fix(entry["source"])}
        if not isinstance(entry, str) or "://" in entry or Path(entry).is_absolute():
            return entry
        return str((source / entry).resolve())

    cni = site.get("kubernetes", {}).get("cni", {})
    if "manifest" in cni:
        cni["manifest"] = fix(cni["manifest"])
    metallb = site.get("metallb", {})
    if isinstance(metallb.get("manifests"), list):
        metallb["manifests"] = [fix(m) for m in metallb["manifests"]]


def mutated(dest: Path, mutation: Mutation, source: str = "inventory") -> Path:
    copy_inventory(dest, source)
    files = {
        name: yaml.safe_load((dest / f"{name}.yaml").read_text())
        for name in ("hosts", "groups", "defaults")
    }
    absolute_manifests(files["defaults"]["data"]["site"], REPO / source)
    mutation(files)
    for name, data in files.items():
        (dest / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return dest
