"""Deploy phases on the Kubernetes API: cni, metallb, app (see tasks/phases.py).

Each is `task(task, site=..., dry_run=...) -> Result` on the control-plane host and talks to
the API server named by the site's kubeconfig (written by the control-plane phase), through
the run's one client (`tasks.k8s_client.run_client`: one API discovery per run). Every state
check is one list per kind (tasks.k8s_apply, tasks.k8s_wait).
A dry run applies nothing and waits for nothing: one server-side dry run of everything.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from nornir.core.task import Result, Task

from bgplb.audit.parse_cluster import parse_metallb_pods
from bgplb.k8s.demo_app import render_demo_app
from bgplb.k8s.manifests import (
    crd_names,
    deployments,
    load_manifest,
    order_for_apply,
    ref,
    site_manifests,
)
from bgplb.k8s.metallb_config import (
    NAMESPACE,
    node_label_patches,
    render_memberlist_secret,
    render_metallb_config,
)
from bgplb.model import Site
from bgplb.secrets import secret_values
from tasks.k8s_apply import k8s_apply, k8s_label_nodes
from tasks.k8s_client import list_by_name, run_client
from tasks.k8s_wait import (
    wait_crds_established,
    wait_deployments_available,
    wait_nodes_ready,
    wait_services_addressed,
)

Doc = dict[str, Any]


def _manifests(site: Site, component: str) -> list[Doc]:
    return [
        doc
        for source in site_manifests(site)[component]
        for doc in load_manifest(source, base_dir=site.inventory_dir)
    ]


def _apply_and_wait(
    task: Task,
    site: Site,
    docs: Sequence[Doc],
    dry_run: bool | None,
    client: Any | None,
    label: str,
    env: dict[str, str] | None = None,
) -> Result:
    """Apply, then wait for its CRDs and Deployments; one Result summarising both.

    A dry run before there is a cluster (no kubeconfig yet: the control-plane phase would
    create it) lists what it would create, without contacting anything."""
    kubeconfig = site.kubernetes.kubeconfig.expanduser()
    if task.is_dry_run(dry_run) and client is None and not kubeconfig.is_file():
        ordered = order_for_apply(docs)
        return Result(
            host=task.host,
            changed=bool(ordered),
            diff="".join(f"+ {ref(d)}\n" for d in ordered),
            result=f"{len(ordered)} would be created (no cluster yet: {kubeconfig} missing)",
        )
    client = client if client is not None else run_client(task, kubeconfig)
    common: dict[str, Any] = {"kubeconfig": kubeconfig, "client": client}
    applied = task.run(
        task=k8s_apply,
        name=f"{label}: apply",
        documents=docs,
        dry_run=dry_run,
        secrets=secret_values(site, env),
        **common,
    )[0]
    if not task.is_dry_run(dry_run):
        task.run(task=wait_crds_established, name=f"{label}: CRDs", names=crd_names(docs), **common)
        task.run(
            task=wait_deployments_available,
            name=f"{label}: deployments",
            deployments=deployments(docs),
            **common,
        )
    counts = applied.result
    summary = (
        f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
    )
    return Result(host=task.host, changed=applied.changed, diff=applied.diff, result=summary)


def _registered_nodes(site: Site, dyn: Any) -> list[str]:
    """The control plane and every other site node the cluster knows (a worker whose join
    failed is absent: the cni phase does not wait for it; its own phases report it)."""
    known = list_by_name(dyn, dyn.resources.get(api_version="v1", kind="Node"))
    cp = site.control_plane.name
    return [n.name for n in site.nodes if n.name == cp or (None, n.name) in known]


def _client(task: Task, site: Site, client: Any | None) -> Any:
    return (
        client if client is not None else run_client(task, site.kubernetes.kubeconfig.expanduser())
    )


def cni(task: Task, site: Site, dry_run: bool | None = None, client: Any | None = None) -> Result:
    """Calico from the pinned manifest; then every node of the cluster Ready (nodes that
    have not joined are named in the result, not waited for)."""
    result = _apply_and_wait(task, site, _manifests(site, "cni"), dry_run, client, "cni")
    if not task.is_dry_run(dry_run):
        client = _client(task, site, client)
        names = _registered_nodes(site, client)
        task.run(
            task=wait_nodes_ready,
            names=names,
            kubeconfig=site.kubernetes.kubeconfig.expanduser(),
            client=client,
        )
        absent = [n.name for n in site.nodes if n.name not in names]
        if absent:
            result.result = f"{result.result}; not in the cluster: {', '.join(absent)}"
    return result


def _configmap_speakers(task: Task, site: Site, client: Any | None) -> list[str]:
    """Versions of the running speakers that read the ConfigMap (0.9-0.12), when the site's
    version reads CRDs: applying the new manifest over them is the switch done bluntly (the
    DaemonSet replaces speakers before their config exists: every route goes)."""
    kubeconfig = site.kubernetes.kubeconfig.expanduser()
    if site.metallb.dialect != "crds" or (client is None and not kubeconfig.is_file()):
        return []
    dyn = _client(task, site, client)
    pods = dyn.resources.get(api_version="v1", kind="Pod")
    listed = dyn.get(pods, namespace=NAMESPACE, label_selector="component=speaker").to_dict()
    return sorted(
        {
            ".".join(map(str, p.version))
            for p in parse_metallb_pods(listed)
            if p.version and p.version < (0, 13, 0)
        }
    )


def metallb(
    task: Task, site: Site, dry_run: bool | None = None, client: Any | None = None
) -> Result:
    """MetalLB's manifests, then (controller and webhook ready) its configuration and labels.
    A cluster whose speakers still read the ConfigMap is refused: that switch is
    runbooks.migrate_metallb's."""
    old = _configmap_speakers(task, site, client)
    if old:
        return Result(
            host=task.host,
            failed=True,
            result=f"MetalLB {', '.join(old)} runs with its ConfigMap; applying "
            f"{site.metallb.version}'s manifests would replace its speakers before their "
            "configuration exists (every LB IP withdrawn): switch with "
            "python -m runbooks.migrate_metallb (nothing was changed)",
        )
    env = dict(os.environ)  # the secrets' *_env names are read from it
    manifests = _manifests(site, "metallb")
    config = [*render_memberlist_secret(site, env), *render_metallb_config(site, env)]
    if task.is_dry_run(dry_run):
        everything = [*manifests, *config]
        return _apply_and_wait(task, site, everything, dry_run, client, "metallb", env)
    first = _apply_and_wait(task, site, manifests, dry_run, client, "metallb", env)
    second = _apply_and_wait(task, site, config, dry_run, client, "metallb config", env)
    labels = task.run(
        task=k8s_label_nodes,
        patches=node_label_patches(site),
        kubeconfig=site.kubernetes.kubeconfig.expanduser(),
        dry_run=dry_run,
        client=_client(task, site, client),
    )[0]
    return Result(
        host=task.host,
        changed=first.changed or second.changed or labels.changed,
        diff=first.diff + second.diff + labels.diff,
        result=f"manifests: {first.result}; config: {second.result}",
    )


def app(task: Task, site: Site, dry_run: bool | None = None, client: Any | None = None) -> Result:
    """The demo Deployment(s) and LoadBalancer Service(s), rolled out and addressed (MetalLB
    gave each its requested external IP)."""
    result = _apply_and_wait(task, site, render_demo_app(site), dry_run, client, "app")
    if not task.is_dry_run(dry_run):
        task.run(
            task=wait_services_addressed,
            name="app: external IPs",
            services=[
                (s.namespace, s.name, str(s.lb_ip) if s.lb_ip else None) for s in site.services
            ],
            kubeconfig=site.kubernetes.kubeconfig.expanduser(),
            client=_client(task, site, client),
        )
    return result
