"""Which Nornir task carries out each deploy phase."""

from __future__ import annotations

import importlib

from bgplb.deploy.runner import PhaseTask, unavailable
from tasks.router_bgp import router_bgp

# phase -> (module, function)
PHASE_TASKS: dict[str, tuple[str, str]] = {
    "vms": ("tasks.vms", "vms"),
    "bootstrap": ("tasks.bootstrap", "bootstrap"),
    "control-plane": ("tasks.kubeadm", "control_plane"),
    "join": ("tasks.kubeadm", "join"),
    "cni": ("tasks.k8s_phases", "cni"),
    "metallb": ("tasks.k8s_phases", "metallb"),
    "app": ("tasks.k8s_phases", "app"),
    "audit": ("tasks.audit_phase", "audit"),
}


def registry() -> dict[str, PhaseTask]:
    tasks: dict[str, PhaseTask] = {"router": router_bgp}
    for phase, (module, function) in PHASE_TASKS.items():
        try:
            tasks[phase] = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError):
            tasks[phase] = unavailable(f"{module}.{function}")
    return tasks
