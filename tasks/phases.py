"""The deploy's phases: one table, one entry per phase, with the task that carries it out.

Every task is imported statically: a missing task module or function fails at import, not when
the phase runs. Adding a phase is one entry here (the pure rules in `bgplb.deploy.phases` take
this table as data, and check at import that each phase only needs earlier ones).
"""

from __future__ import annotations

from bgplb.deploy.phases import Hosts, Phase, PhaseTable, Scope
from tasks.audit_phase import audit
from tasks.bootstrap import bootstrap
from tasks.k8s_phases import app, cni, metallb
from tasks.kubeadm import control_plane, join
from tasks.router_bgp import router_bgp
from tasks.vms import vms

PHASES = PhaseTable(
    (
        Phase(
            name="vms",
            summary="uvtool VMs on the KVM host",
            needs=(),
            scope=Scope.CLUSTER,
            hosts=Hosts.HYPERVISOR,
            task=vms,
            optional=True,  # only with --tags
        ),
        Phase(
            name="bootstrap",
            summary="OS preparation, CRI-O, kubelet/kubeadm/kubectl",
            needs=(),
            scope=Scope.PER_HOST,
            hosts=Hosts.NODES,
            task=bootstrap,
        ),
        Phase(
            name="control-plane",
            summary="kubeadm init, admin kubeconfig",
            needs=("bootstrap",),
            scope=Scope.PER_HOST,
            hosts=Hosts.CONTROL_PLANE,
            task=control_plane,
        ),
        Phase(
            name="join",
            summary="kubeadm join of the workers",
            needs=("bootstrap", "control-plane"),
            scope=Scope.PER_HOST,
            hosts=Hosts.WORKERS,
            task=join,
        ),
        Phase(
            name="cni",
            summary="Calico",
            needs=("control-plane",),
            scope=Scope.CLUSTER,
            hosts=Hosts.CONTROL_PLANE,
            task=cni,
        ),
        Phase(
            name="metallb",
            summary="MetalLB and its BGP configuration",
            needs=("cni",),
            scope=Scope.CLUSTER,
            hosts=Hosts.CONTROL_PLANE,
            task=metallb,
        ),
        Phase(
            name="router",
            summary="VyOS BGP configuration",
            needs=(),
            scope=Scope.PER_HOST,
            hosts=Hosts.ROUTER,
            task=router_bgp,
        ),
        Phase(
            name="app",
            summary="demo Deployment and LoadBalancer Service",
            needs=("metallb",),
            scope=Scope.CLUSTER,
            hosts=Hosts.CONTROL_PLANE,
            task=app,
        ),
        Phase(
            name="audit",
            summary="the audit of the result",
            # a worker that did not join would only make the audit fail: the audit waits for it
            needs=("join", "app", "router"),
            scope=Scope.CLUSTER,
            hosts=Hosts.ROUTER,
            task=audit,
        ),
    )
)
