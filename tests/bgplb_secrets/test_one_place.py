"""Secret handling lives in bgplb/secrets.py: no other module defines or re-exports it, and
its list of secret variables covers every `*_env` key an inventory can hold."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from bgplb import secrets
from bgplb.model import load_site, specs
from tests.conftest import REPO
from tests.model.mutate import Files, mutated

PACKAGES = ("bgplb", "tasks", "runbooks", "lab", "napalm_bgplb_vyos")
SECRETS_PY = REPO / "bgplb" / "secrets.py"
SECRET_API = {  # the public functions and classes bgplb/secrets.py defines
    node.name
    for node in ast.parse(SECRETS_PY.read_text()).body
    if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
}


def _modules() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))]


def test_secret_functions_are_imported_from_bgplb_secrets_only() -> None:
    """A module importing redact, secret_values, configure_nornir_log ... takes them from
    bgplb.secrets, never through another module (bgplb.cli kept copies before)."""
    assert {"redact", "redact_data", "secret_values", "configure_nornir_log"} <= SECRET_API
    wrong = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module != "bgplb.secrets":
                names = {a.name for a in node.names} & SECRET_API
                if names and node.module.startswith("bgplb"):
                    wrong.append(f"{path.relative_to(REPO)}: {node.module} {sorted(names)}")
    assert wrong == []


def test_no_other_module_defines_a_secret_function() -> None:
    """The masking, the env lookup and the log filter are defined once."""
    defined = []
    for path in _modules():
        if path == SECRETS_PY:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in SECRET_API:
                defined.append(f"{path.relative_to(REPO)}: {node.name}")
    assert defined == []
    assert not (REPO / "bgplb" / "log_redaction.py").exists()


def _env_fields() -> set[str]:
    """Class.field of every `*_env` field of the inventory's schemas."""
    return {
        f"{cls.__name__}.{name}"
        for cls in vars(specs).values()
        if isinstance(cls, type) and issubclass(cls, BaseModel)
        for name in cls.model_fields
        if name.endswith("_env")
    }


def _env_values(data: Any) -> set[str]:
    if isinstance(data, dict):
        found = {v for k, v in data.items() if str(k).endswith("_env") and isinstance(v, str)}
        return found.union(*(_env_values(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_env_values(v) for v in data))
    return set()


# What every_env() below sets (the reference inventory already sets the router's
# credentials and MetalLB's memberlist key).
EXERCISED = {
    "Credentials.password_env",
    "PeerGroupSpec.password_env",
    "NeighborSpec.password_env",
    "MetallbSpec.password_env",
    "MetallbSpec.memberlist_secret_env",
}


def every_env(f: Files) -> None:
    bgp = f["hosts"]["vyos"]["data"]["bgp"]
    bgp["peer_groups"][0]["password_env"] = "T_PEER_GROUP"
    bgp["neighbors"][0]["password_env"] = "T_NEIGHBOR"
    f["groups"]["k8s_nodes"]["data"]["credentials"]["password_env"] = "T_NODE"
    f["defaults"]["data"]["site"]["metallb"]["password_env"] = "T_METALLB"


def test_every_env_reference_of_an_inventory_is_a_known_secret_variable(tmp_path: Path) -> None:
    """An inventory using every `*_env` field the schemas have: secret_env_names lists each
    variable it names. A new `*_env` field fails here until this test's inventory sets it,
    and then until secret_env_names lists it."""
    assert _env_fields() == EXERCISED, "set the new *_env field in every_env()"
    directory = mutated(tmp_path / "inv", every_env)
    data = [
        yaml.safe_load((directory / f"{n}.yaml").read_text())
        for n in ("hosts", "groups", "defaults")
    ]
    named = _env_values(data)
    assert {"T_PEER_GROUP", "T_NEIGHBOR", "T_NODE", "T_METALLB"} < named
    assert secrets.secret_env_names(load_site(directory)) == named
