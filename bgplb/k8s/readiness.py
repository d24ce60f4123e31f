"""Is this object ready? Judgements of live objects' status, each with a short reason (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


def service_addressed(want: str | None) -> Callable[[Mapping[str, Any]], Verdict]:
    """A LoadBalancer Service is addressed once its status lists an ingress IP (`want`, the
    requested one, when given): MetalLB assigned it, its speakers announce it from then on."""

    def judge(obj: Mapping[str, Any]) -> Verdict:
        ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        ips = [str(i.get("ip")) for i in ingress if i.get("ip")]
        if not ips:
            return False, "no external IP yet (pending)"
        if want is not None and want not in ips:
            return False, f"external IP {', '.join(ips)}, not the requested {want}"
        return True, f"external IP {', '.join(ips)}"

    return judge
