"""Graceful pod deletion, as the API server and the kubelet do it.

A DELETE or an eviction of a pod bound to a node does not remove it: the API server sets
`metadata.deletionTimestamp` (now + the grace period) and `deletionGracePeriodSeconds` (the
request's `gracePeriodSeconds`, else `spec.terminationGracePeriodSeconds`, 30 by default; 0
for a pod no node runs or that has finished). The pod is at once out of its Services'
endpoints (the endpoints controller and kube-proxy leave out terminating pods) but its
containers keep running: the kubelet runs each container's preStop hook, then sends SIGTERM,
and removes the pod when they have stopped or the grace period is over.

What the twin's kubelet does with that: a pod without a preStop hook stops at once (the demo
app is nginx, whose SIGTERM is a fast shutdown), so it is removed in the same instant. A pod
with a hook keeps its address and its server until the hook is over (never longer than the
grace period), then goes. The only hooks it can run are a sleep (`exec` of `sleep N`, or
`sh -c "sleep N"`, or the `sleep` action); any other hook is refused when the pod is created
(`unsupported_hooks`), never accepted and skipped. A pod on a node whose kubelet is not Ready
stays terminating, as on a real cluster.

Kubernetes: pkg/registry/core/pod/strategy.go (CheckGracefulDelete), pkg/kubelet
(killContainer: preStop, then the stop signal, within the grace period).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from lab.k8s.store import JsonObj, Store, meta

PODS = ("", "pods")
DEFAULT_GRACE = 30
_SLEEP = re.compile(r"^\s*(?:exec\s+)?(?:/usr)?(?:/bin/)?sleep\s+(\d+(?:\.\d+)?)\s*$")
_SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/bash"}


def _fmt(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _hook_seconds(hook: Any) -> float | None:
    """Seconds a preStop hook takes, when it is a sleep; None when it is anything else."""
    if not isinstance(hook, dict):
        return None
    sleep = hook.get("sleep")
    if isinstance(sleep, dict) and isinstance(sleep.get("seconds"), int) and len(hook) == 1:
        return float(sleep["seconds"])
    command = (hook.get("exec") or {}).get("command") if len(hook) == 1 else None
    if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
        return None
    if len(command) == 3 and command[0] in _SHELLS and command[1] == "-c":
        text = command[2]
    elif len(command) == 2:
        text = " ".join(command)
    else:
        return None
    m = _SLEEP.match(text)
    return float(m.group(1)) if m else None


def unsupported_hooks(spec: Any) -> list[tuple[int, str]]:
    """(container index, why) for each preStop hook the twin's kubelet cannot run."""
    out = []
    for i, c in enumerate((spec or {}).get("containers") or [] if isinstance(spec, dict) else []):
        hook = ((c or {}).get("lifecycle") or {}).get("preStop") if isinstance(c, dict) else None
        if hook is not None and _hook_seconds(hook) is None:
            out.append(
                (i, "the twin runs no container commands: the only preStop it emulates is a sleep")
            )
    return out


def prestop_seconds(pod: JsonObj) -> float:
    """How long the pod's preStop hooks run (they run side by side): the longest sleep."""
    hooks = [
        ((c.get("lifecycle") or {}).get("preStop"))
        for c in (pod.get("spec") or {}).get("containers") or []
    ]
    return max((_hook_seconds(h) or 0.0 for h in hooks if h is not None), default=0.0)


def grace_seconds(pod: JsonObj, requested: int | None) -> int:
    """The grace period a deletion gets (strategy.go CheckGracefulDelete)."""
    spec = pod.get("spec") or {}
    phase = (pod.get("status") or {}).get("phase")
    if not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
        return 0
    if requested is not None:
        return max(0, int(requested))
    return int(spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE))


def requested_grace(body: Any, query: dict[str, str]) -> int | None:
    """gracePeriodSeconds from DeleteOptions (the body, or an Eviction's deleteOptions) or the
    query string."""
    opts = body if isinstance(body, dict) else {}
    opts = opts.get("deleteOptions") or opts
    value = opts.get("gracePeriodSeconds", query.get("gracePeriodSeconds"))
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def delete_pod(store: Store, pod: JsonObj, requested: int | None = None) -> JsonObj | None:
    """Delete a pod as the API server does: at once when its grace period is 0 or nothing is
    left to run (no preStop hook: the container stops on SIGTERM at once), else mark it
    terminating. Returns the pod as left in the store (None: removed)."""
    m = meta(pod)
    grace = grace_seconds(pod, requested)
    if grace == 0 or prestop_seconds(pod) == 0:
        store.delete(PODS, m["namespace"], m["name"])
        return None
    now = dt.datetime.now(dt.UTC)
    deadline = now + dt.timedelta(seconds=grace)
    if m.get("deletionTimestamp"):  # a second delete may only shorten it
        deadline = min(deadline, _parse(m["deletionTimestamp"]))
        grace = min(grace, int(m.get("deletionGracePeriodSeconds", grace)))
    m["deletionTimestamp"] = _fmt(deadline)
    m["deletionGracePeriodSeconds"] = grace
    return store.update(PODS, pod)


def stops_at(pod: JsonObj) -> dt.datetime | None:
    """When a terminating pod's containers have stopped: its hook is over, or its grace period.
    The timestamps have whole seconds, so the start is taken as late as it can have been."""
    m = meta(pod)
    if not m.get("deletionTimestamp"):
        return None
    deadline = _parse(str(m["deletionTimestamp"]))
    grace = int(m.get("deletionGracePeriodSeconds", 0))
    start = deadline - dt.timedelta(seconds=grace) + dt.timedelta(seconds=1)
    hook = dt.timedelta(seconds=math.ceil(prestop_seconds(pod)))
    return min(start + hook, deadline)


def finish(store: Store, pod: JsonObj, now: dt.datetime) -> bool:
    """The kubelet's last step for a terminating pod: remove it once its containers stopped."""
    when = stops_at(pod)
    if when is None or now < when:
        return False
    store.delete(PODS, meta(pod)["namespace"], meta(pod)["name"])
    return True
