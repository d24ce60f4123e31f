"""Where a pod may run: node readiness, nodeSelector, required node affinity, taints."""

from __future__ import annotations

from typing import Any

from lab.k8s.controllers.housekeeping import node_ready
from lab.k8s.selectors import Requirement
from lab.k8s.store import JsonObj

OPS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}


def tolerates(tolerations: list[Any], taint: JsonObj) -> bool:
    for t in tolerations or []:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        op = t.get("operator", "Equal")
        if not t.get("key") and op == "Exists":
            return True
        if t.get("key") != taint.get("key"):
            continue
        if op == "Exists" or t.get("value", "") == taint.get("value", ""):
            return True
    return False


def _affinity_ok(spec: JsonObj, labels: dict[str, str]) -> bool:
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        return True
    for term in terms:
        exprs = term.get("matchExpressions") or []
        reqs = [
            Requirement(
                e["key"], OPS.get(e.get("operator", ""), "in"), tuple(e.get("values") or [])
            )
            for e in exprs
        ]
        if all(r.matches(labels) for r in reqs):
            return True
    return False


def fits(spec: JsonObj, node: JsonObj, ignore_ready: bool = False) -> bool:
    labels = node["metadata"].get("labels") or {}
    if not ignore_ready and not node_ready(node):
        return False
    if (node.get("spec") or {}).get("unschedulable") and not ignore_ready:
        return False
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        return False
    if not _affinity_ok(spec, labels):
        return False
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(
            spec.get("tolerations") or [], taint
        ):
            return False
    return True
