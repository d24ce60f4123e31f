"""Comparing live Kubernetes objects with desired ones, secrets masked (pure)."""

from __future__ import annotations

import base64
import copy
import difflib
from collections.abc import Mapping
from typing import Any

import yaml

Doc = dict[str, Any]
MASK = "********"
# Fields the server owns: never part of what the toolkit decides, never a difference.
NOISE_METADATA = (
    "managedFields",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "uid",
    "selfLink",
)


def _secret_values(obj: Mapping[str, Any] | None) -> dict[str, str]:
    """A Secret's values as the server stores them (base64 `data`, stringData folded in)."""
    if obj is None or obj.get("kind") != "Secret":
        return {}
    return {k: str(v) for k, v in _secret_data(obj).items()}


def masked(obj: Mapping[str, Any], changed: frozenset[str] = frozenset()) -> Doc:
    """A copy whose Secret values are masked; keys in `changed` say so, so a diff still shows it."""
    out = copy.deepcopy(dict(obj))
    if out.get("kind") == "Secret":
        for field in ("data", "stringData"):
            if isinstance(out.get(field), dict):
                out[field] = {k: f"{MASK} (changed)" if k in changed else MASK for k in out[field]}
    return out


def comparable(obj: Mapping[str, Any] | None) -> Doc:
    """The object without status and server-owned metadata; {} for a missing object."""
    if obj is None:
        return {}
    out = copy.deepcopy(dict(obj))
    out.pop("status", None)
    meta = out.get("metadata") or {}
    for key in NOISE_METADATA:
        meta.pop(key, None)
    annotations = meta.get("annotations") or {}
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if "annotations" in meta and not annotations:
        meta.pop("annotations")
    return out


def object_diff(ref: str, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> str:
    """Unified diff of two states of one object (Secret values masked); '' when equal."""

    was, now = _secret_values(before), _secret_values(after)
    changed = frozenset(k for k in now if k in was and was[k] != now[k])

    def lines(obj: Mapping[str, Any] | None, changed: frozenset[str]) -> list[str]:
        if obj is None:
            return []
        shown = masked(comparable(obj), changed)
        text = yaml.safe_dump(shown, sort_keys=True, default_flow_style=False)
        return text.splitlines(keepends=True)

    old = lines(before, frozenset())
    new = lines(after, changed)
    if old == new:
        return ""
    label = "(absent)" if before is None else f"live {ref}"
    return "".join(difflib.unified_diff(old, new, fromfile=label, tofile=f"desired {ref}"))


def _secret_data(desired: Mapping[str, Any]) -> Doc:
    """A Secret's stringData as the base64 `data` the server stores."""
    data = dict(desired.get("data") or {})
    for key, value in (desired.get("stringData") or {}).items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    return data


def differences(desired: Mapping[str, Any], live: Mapping[str, Any] | None) -> list[str]:
    """Paths where `live` does not hold what `desired` sets (a client-side dry run).

    Only fields the desired object sets are compared: server defaults do not count.
    Lists compare whole. A missing live object differs at '.'.
    """
    if live is None:
        return ["."]
    want = dict(desired)
    if want.get("kind") == "Secret" and "stringData" in want:
        want["data"] = _secret_data(want)
        want.pop("stringData")
    out: list[str] = []
    _walk(want, live, "", out)
    return out


def _walk(want: Any, have: Any, path: str, out: list[str]) -> None:
    if isinstance(want, Mapping):
        if not isinstance(have, Mapping):
            out.append(path or ".")
            return
        for key, value in want.items():
            _walk(value, have.get(key), f"{path}.{key}", out)
    elif want != have and not (want in ({}, []) and have is None):
        out.append(path or ".")
