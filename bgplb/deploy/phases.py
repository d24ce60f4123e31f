"""Phases of a deploy, which hosts each acts on, and what each needs before it can run."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bgplb.errors import InputError
from bgplb.model import Site


class Scope(StrEnum):
    PER_HOST = "per-host"  # a host's own earlier phases must have succeeded
    CLUSTER = "cluster"  # every host of the named earlier phases must have succeeded


@dataclass(frozen=True)
class Phase:
    name: str
    summary: str
    needs: tuple[str, ...]  # earlier phases this one depends on
    scope: Scope


PHASES: tuple[Phase, ...] = (
    Phase("vms", "uvtool VMs on the KVM host", (), Scope.CLUSTER),
    Phase("bootstrap", "OS preparation, CRI-O, kubelet/kubeadm/kubectl", (), Scope.PER_HOST),
    Phase("control-plane", "kubeadm init, admin kubeconfig", ("bootstrap",), Scope.PER_HOST),
    Phase("join", "kubeadm join of the workers", ("bootstrap", "control-plane"), Scope.PER_HOST),
    Phase("cni", "Calico", ("control-plane",), Scope.CLUSTER),
    Phase("metallb", "MetalLB and its BGP configuration", ("cni",), Scope.CLUSTER),
    Phase("router", "VyOS BGP configuration", (), Scope.PER_HOST),
    Phase("app", "demo Deployment and LoadBalancer Service", ("metallb",), Scope.CLUSTER),
    # A worker that did not join would only make the audit fail: the audit waits for it.
    Phase("audit", "the audit of the result", ("join", "app", "router"), Scope.CLUSTER),
)
PHASE_NAMES = tuple(p.name for p in PHASES)
# Phases not run unless asked for with --tags.
OPTIONAL = frozenset({"vms"})


def phase(name: str) -> Phase:
    return next(p for p in PHASES if p.name == name)


def hosts_of(site: Site, name: str) -> tuple[str, ...]:
    """Which inventory hosts a phase acts on. Cluster-wide phases act through the control plane."""
    cp = site.control_plane.name
    by_phase = {
        "vms": (site.hypervisor.name,) if site.hypervisor else (),
        "bootstrap": tuple(n.name for n in site.nodes),
        "control-plane": (cp,),
        "join": tuple(n.name for n in site.workers),
        "cni": (cp,),
        "metallb": (cp,),
        "router": (site.router.name,),
        "app": (cp,),
        "audit": (site.router.name,),
    }
    return by_phase[name]


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def select_phases(tags: str | None, skip_tags: str | None) -> tuple[str, ...]:
    """Phases to run, in order, from --tags and --skip-tags (unknown names are bad input)."""
    wanted, skipped = _split(tags), _split(skip_tags)
    unknown = [n for n in (*wanted, *skipped) if n not in PHASE_NAMES]
    if unknown:
        raise InputError(
            f"--tags/--skip-tags: unknown phase(s) {', '.join(map(repr, unknown))} "
            f"(phases: {', '.join(PHASE_NAMES)})"
        )
    chosen = wanted or [n for n in PHASE_NAMES if n not in OPTIONAL]
    return tuple(n for n in PHASE_NAMES if n in chosen and n not in skipped)
