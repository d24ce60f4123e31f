"""Is this object ready? Judgements of live objects' status, each with a short reason (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Verdict = tuple[bool, str]


def _condition(obj: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return dict(cond)
    return None


def _says(cond: Mapping[str, Any] | None, kind: str) -> Verdict:
    if cond is None:
        return False, f"no {kind} condition yet"
    if cond.get("status") == "True":
        return True, kind
    reason = cond.get("reason") or cond.get("message") or cond.get("status")
    return False, f"{kind}={cond.get('status')} ({reason})"


def crd_established(obj: Mapping[str, Any]) -> Verdict:
    return _says(_condition(obj, "Established"), "Established")


def node_ready(obj: Mapping[str, Any]) -> Verdict:
    return _says(_condition(obj, "Ready"), "Ready")


def deployment_available(obj: Mapping[str, Any]) -> Verdict:
    """Rolled out: the controller saw this generation and every wanted replica is available."""
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    wanted = spec.get("replicas", 1)
    generation = (obj.get("metadata") or {}).get("generation", 0)
    if status.get("observedGeneration", 0) < generation:
        return False, "rollout not observed yet"
    for name in ("updatedReplicas", "availableReplicas"):
        if status.get(name, 0) < wanted:
            return False, f"{name} {status.get(name, 0)}/{wanted}"
    return True, f"available {status.get('availableReplicas', 0)}/{wanted}"
