"""Copy an inventory to a temporary directory and edit its YAML as data."""

from __future__ import annotations

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


def mutated(dest: Path, mutation: Mutation, source: str = "inventory") -> Path:
    copy_inventory(dest, source)
    files = {
        name: yaml.safe_load((dest / f"{name}.yaml").read_text())
        for name in ("hosts", "groups", "defaults")
    }
    mutation(files)
    for name, data in files.items():
        (dest / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return dest
