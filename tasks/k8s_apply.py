"""Nornir tasks: Kubernetes objects applied by server-side apply, idempotently.

`changed` means the server's resourceVersion changed (or, in a dry run, would change).
Dry run: the server's own dry run (`dry_run="All"`, nothing persisted) compared with the live
object, or, with `dry_run_mode="local"`, the desired fields compared with the live object
without any write request. Secret values never reach the diff or the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from kubernetes.dynamic.exceptions import DynamicApiError, ResourceNotFoundError
from nornir.core.task import Result, Task

from bgplb.k8s.manifests import order_for_apply, ref
from bgplb.k8s.metallb_config import label_patch_needed
from bgplb.k8s.objects import differences, object_diff
from bgplb.secrets import redact
from tasks.k8s_client import (
    FIELD_MANAGER,
    client_for,
    get_or_none,
    list_by_name,
    retrying,
    webhook_not_ready,
)

Doc = dict[str, Any]
Action = Literal["create", "update", "unchanged"]
DryRunMode = Literal["server", "local"]


@dataclass(frozen=True)
class Applied:
    object: str
    action: Action
    diff: str

    def as_dict(self) -> dict[str, str]:
        return {"object": self.object, "action": self.action}


# Kinds read one object at a time: listing them would read objects the deploy does not own
# (every Secret of a namespace).
READ_ONE_BY_ONE = frozenset({("v1", "Secret")})


class _Batch:
    """What one apply run has created so far, so that a dry run can reason past it; and the
    live objects it read: one list per kind and namespace, not one request per object."""

    def __init__(self, docs: Sequence[Doc]) -> None:
        self.listed: dict[tuple[str, str, str | None], dict[tuple[str | None, str], Doc]] = {}
        self.new_namespaces: set[str] = set()
        self.new_kinds: set[tuple[str, str]] = set()
        self.crd_kinds = {
            (f"{d['spec']['group']}/{v['name']}", d["spec"]["names"]["kind"])
            for d in docs
            if d["kind"] == "CustomResourceDefinition"
            for v in d["spec"].get("versions", [])
        }

    def live(self, dyn: Any, resource: Any, doc: Doc, ns: str | None) -> Doc | None:
        """The live object `doc` names, or None; its kind listed once per namespace."""
        name = doc["metadata"]["name"]
        key = (doc["apiVersion"], doc["kind"])
        if key in READ_ONE_BY_ONE:
            return get_or_none(dyn, resource, name, ns)
        where = (*key, ns)
        if where not in self.listed:
            try:
                self.listed[where] = list_by_name(dyn, resource, {ns})
            except DynamicApiError as exc:
                if exc.status not in (403, 405):  # a kind the user may get but not list
                    raise
                return get_or_none(dyn, resource, name, ns)
        live = self.listed[where].get((ns, name))
        if live is None:
            return None
        # a list's items carry no apiVersion and kind: the object's own, as a get returns it
        return {"apiVersion": doc["apiVersion"], "kind": doc["kind"], **live}


def _namespace(doc: Doc, resource: Any) -> str | None:
    if not resource.namespaced:
        return None
    ns: str = (doc.get("metadata") or {}).get("namespace") or "default"
    return ns


def apply_one(
    dyn: Any,
    doc: Doc,
    dry_run: bool,
    mode: DryRunMode = "server",
    batch: _Batch | None = None,
    webhook_timeout: float = 60.0,
) -> Applied:
    """Server-side apply of one object; the returned action says what did (or would) happen."""
    batch = batch or _Batch([doc])
    name = doc["metadata"]["name"]
    key = (doc["apiVersion"], doc["kind"])
    try:
        resource = dyn.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
    except ResourceNotFoundError:
        if dry_run and key in batch.crd_kinds:  # its CRD is only being created by this run
            return Applied(ref(doc), "create", object_diff(ref(doc), None, doc))
        raise
    ns = _namespace(doc, resource)
    if dry_run and ns in batch.new_namespaces:
        return Applied(ref(doc), "create", object_diff(ref(doc), None, doc))
    live = batch.live(dyn, resource, doc, ns)
    if dry_run and mode == "local":
        return _planned(doc, live)

    def call() -> Doc:
        out = dyn.server_side_apply(
            resource,
            body=doc,
            name=name,
            namespace=ns,
            field_manager=FIELD_MANAGER,
            force_conflicts=True,
            **({"dry_run": "All"} if dry_run else {}),
        )
        result: Doc = out.to_dict()
        return result

    after = retrying(call, webhook_not_ready, webhook_timeout)
    if live is None:
        action: Action = "create"
        if doc["kind"] == "Namespace":
            batch.new_namespaces.add(name)
    elif dry_run:
        action = "update" if object_diff(ref(doc), live, after) else "unchanged"
    else:
        before_rv = live["metadata"].get("resourceVersion")
        action = "update" if after["metadata"].get("resourceVersion") != before_rv else "unchanged"
    # the diff (a YAML dump of both) only for what did or would change
    return Applied(
        ref(doc), action, object_diff(ref(doc), live, after) if action != "unchanged" else ""
    )


def _planned(doc: Doc, live: Doc | None) -> Applied:
    if live is None:
        return Applied(ref(doc), "create", object_diff(ref(doc), None, doc))
    paths = differences(doc, live)
    if not paths:
        return Applied(ref(doc), "unchanged", "")
    header = f"~ {ref(doc)}: " + ", ".join(paths) + "\n"
    return Applied(ref(doc), "update", header)


def k8s_apply(
    task: Task,
    documents: Sequence[Doc],
    kubeconfig: Path | None = None,
    dry_run: bool | None = None,
    dry_run_mode: DryRunMode = "server",
    secrets: Sequence[str] = (),
    client: Any | None = None,
    webhook_timeout: float = 60.0,
) -> Result:
    """Apply `documents` (Namespaces and CRDs first) with field manager bgplb, conflicts forced.

    The host is only where the task is accounted (the control-plane node); the API server is
    the one the kubeconfig names. Pass `secrets` (values) to redact from every message.
    """
    dyn = client_for(client, kubeconfig)
    dry = task.is_dry_run(dry_run)
    ordered = order_for_apply(documents)
    batch = _Batch(ordered)
    done = [apply_one(dyn, doc, dry, dry_run_mode, batch, webhook_timeout) for doc in ordered]
    changed = [a for a in done if a.action != "unchanged"]
    diff = redact("".join(a.diff for a in changed), secrets)
    summary = {
        "applied": [a.as_dict() for a in done],
        "created": sum(a.action == "create" for a in done),
        "updated": sum(a.action == "update" for a in done),
        "unchanged": sum(a.action == "unchanged" for a in done),
        "dry_run": dry,
    }
    return Result(host=task.host, changed=bool(changed), diff=diff, result=summary)


def k8s_label_nodes(
    task: Task,
    patches: Mapping[str, Doc],
    kubeconfig: Path | None = None,
    dry_run: bool | None = None,
    client: Any | None = None,
) -> Result:
    """Merge-patch node labels (e.g. the exclude-from-external-load-balancers label).

    Only nodes whose live labels differ are patched; a node that does not exist fails.
    """
    dyn = client_for(client, kubeconfig)
    dry = task.is_dry_run(dry_run)
    nodes = dyn.resources.get(api_version="v1", kind="Node")
    listed = list_by_name(dyn, nodes) if patches else {}  # one read for every node
    touched = []
    lines = []
    for name, patch in sorted(patches.items()):
        live = listed.get((None, name))
        if live is None:
            return Result(host=task.host, failed=True, result=f"node {name} does not exist")
        labels = live["metadata"].get("labels") or {}
        if not label_patch_needed(labels, patch):
            continue
        touched.append(name)
        for key, value in patch["metadata"]["labels"].items():
            lines.append(f"node {name}: " + (f"- {key}" if value is None else f"+ {key}={value}"))
        if not dry:
            dyn.patch(nodes, body=patch, name=name, content_type="application/merge-patch+json")
    diff = "\n".join(lines) + ("\n" if lines else "")
    return Result(host=task.host, changed=bool(touched), diff=diff, result={"patched": touched})
