"""The resource types a Kubernetes API server of a given version serves (data, not code).

`ResourceType` is one row of discovery: group/version/plural/kind, scope, verbs, short names,
subresources. Built-in rows carry the Kubernetes minor versions they exist in; custom resource
rows are made from applied CustomResourceDefinitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
NO_COLLECTION = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    categories: tuple[str, ...] = ()
    since: tuple[int, int] = (1, 0)
    until: tuple[int, int] = (1, 999)
    crd: bool = False
    # field selectors the server accepts beyond metadata.name/metadata.namespace
    field_labels: tuple[str, ...] = field(default=())

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, or `pods` for the core group (what error messages name)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()


def _rt(gv: str, plural: str, kind: str, namespaced: bool = True, **kw: object) -> ResourceType:
    group, _, version = gv.rpartition("/")
    return ResourceType(group, version, plural, kind, namespaced, **kw)  # type: ignore[arg-type]


_POD_FIELDS = (
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
)
_EVENT_FIELDS = (
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
)
_STATUS = ("status",)
_ALL = ("all",)

BUILTIN: tuple[ResourceType, ...] = (
    _rt("v1", "bindings", "Binding", verbs=("create",)),
    _rt(
        "v1",
        "componentstatuses",
        "ComponentStatus",
        False,
        short_names=("cs",),
        verbs=("get", "list"),
    ),
    _rt("v1", "configmaps", "ConfigMap", short_names=("cm",)),
    _rt("v1", "endpoints", "Endpoints", short_names=("ep",), singular="endpoints"),
    _rt("v1", "events", "Event", short_names=("ev",), field_labels=_EVENT_FIELDS),
    _rt("v1", "limitranges", "LimitRange", short_names=("limits",)),
    _rt(
        "v1",
        "namespaces",
        "Namespace",
        False,
        short_names=("ns",),
        subresources=("status", "finalize"),
        verbs=NO_COLLECTION,
        field_labels=("status.phase",),
    ),
    _rt(
        "v1",
        "nodes",
        "Node",
        False,
        short_names=("no",),
        subresources=_STATUS,
        field_labels=("spec.unschedulable",),
    ),
    _rt(
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        short_names=("pvc",),
        subresources=_STATUS,
    ),
    _rt(
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        False,
        short_names=("pv",),
        subresources=_STATUS,
    ),
    _rt(
        "v1",
        "pods",
        "Pod",
        short_names=("po",),
        subresources=("status", "log", "binding", "eviction"),
        categories=_ALL,
        field_labels=_POD_FIELDS,
    ),
    _rt("v1", "podtemplates", "PodTemplate"),
    _rt(
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        short_names=("rc",),
        subresources=("status", "scale"),
        categories=_ALL,
    ),
    _rt("v1", "resourcequotas", "ResourceQuota", short_names=("quota",), subresources=_STATUS),
    _rt("v1", "secrets", "Secret", field_labels=("type",)),
    _rt("v1", "serviceaccounts", "ServiceAccount", short_names=("sa",)),
    _rt(
        "v1",
        "services",
        "Service",
        short_names=("svc",),
        subresources=("status", "proxy"),
        categories=_ALL,
        verbs=NO_COLLECTION,
    ),
    _rt(
        "admissionregistration.k8s.io/v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        False,
    ),
    _rt(
        "admissionregistration.k8s.io/v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        False,
    ),
    _rt(
        "apiextensions.k8s.io/v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        short_names=("crd", "crds"),
        subresources=_STATUS,
    ),
    _rt("apps/v1", "controllerrevisions", "ControllerRevision"),
    _rt(
        "apps/v1",
        "daemonsets",
        "DaemonSet",
        short_names=("ds",),
        subresources=_STATUS,
        categories=_ALL,
    ),
    _rt(
        "apps/v1",
        "deployments",
        "Deployment",
        short_names=("deploy",),
        subresources=("status", "scale"),
        categories=_ALL,
    ),
    _rt(
        "apps/v1",
        "replicasets",
        "ReplicaSet",
        short_names=("rs",),
        subresources=("status", "scale"),
        categories=_ALL,
        field_labels=("status.replicas",),
    ),
    _rt(
        "apps/v1",
        "statefulsets",
        "StatefulSet",
        short_names=("sts",),
        subresources=("status", "scale"),
        categories=_ALL,
    ),
    _rt(
        "batch/v1",
        "jobs",
        "Job",
        subresources=_STATUS,
        categories=_ALL,
        field_labels=("status.successful",),
    ),
    _rt(
        "batch/v1",
        "cronjobs",
        "CronJob",
        short_names=("cj",),
        subresources=_STATUS,
        categories=_ALL,
        since=(1, 21),
    ),
    _rt(
        "batch/v1beta1",
        "cronjobs",
        "CronJob",
        short_names=("cj",),
        subresources=_STATUS,
        categories=_ALL,
        until=(1, 24),
    ),
    _rt("coordination.k8s.io/v1", "leases", "Lease"),
    _rt("discovery.k8s.io/v1", "endpointslices", "EndpointSlice", since=(1, 21)),
    _rt("discovery.k8s.io/v1beta1", "endpointslices", "EndpointSlice", until=(1, 24)),
    _rt("events.k8s.io/v1", "events", "Event", short_names=("ev",)),
    _rt("networking.k8s.io/v1", "ingressclasses", "IngressClass", False),
    _rt("networking.k8s.io/v1", "ingresses", "Ingress", short_names=("ing",), subresources=_STATUS),
    _rt("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", short_names=("netpol",)),
    _rt(
        "policy/v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        short_names=("pdb",),
        subresources=_STATUS,
        since=(1, 21),
    ),
    _rt(
        "policy/v1beta1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        short_names=("pdb",),
        subresources=_STATUS,
        until=(1, 24),
    ),
    _rt(
        "policy/v1beta1",
        "podsecuritypolicies",
        "PodSecurityPolicy",
        False,
        short_names=("psp",),
        until=(1, 24),
    ),
    _rt("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", False),
    _rt("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", False),
    _rt("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"),
    _rt("rbac.authorization.k8s.io/v1", "roles", "Role"),
    _rt("scheduling.k8s.io/v1", "priorityclasses", "PriorityClass", False, short_names=("pc",)),
    _rt("storage.k8s.io/v1", "storageclasses", "StorageClass", False, short_names=("sc",)),
)


def builtin_types(minor: tuple[int, int]) -> tuple[ResourceType, ...]:
    """The built-in types a server of Kubernetes `minor` (e.g. (1, 21)) serves."""
    return tuple(t for t in BUILTIN if t.since <= minor <= t.until)


_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes' version ordering: GA > beta > alpha, then higher numbers first.

    Returns a sort key where larger is preferred; non-conforming names sort last.
    """
    m = _VERSION.match(version)
    if not m:
        return (-1, 0, 0)
    major = int(m.group(1))
    level = {"": 3, "beta": 2, "alpha": 1}[m.group(2) or ""]
    minor = int(m.group(3) or 0)
    return (level, major, minor)


def crd_types(crd: dict[str, object]) -> list[ResourceType]:
    """Rows for each served version of an (established) CustomResourceDefinition."""
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return []
    names = spec.get("names", {})
    assert isinstance(names, dict)
    out: list[ResourceType] = []
    for ver in spec.get("versions", []):
        if not isinstance(ver, dict) or not ver.get("served", False):
            continue
        sub = ver.get("subresources") or {}
        subs = tuple(s for s in ("status", "scale") if isinstance(sub, dict) and s in sub)
        out.append(
            ResourceType(
                group=str(spec.get("group", "")),
                version=str(ver.get("name", "")),
                plural=str(names.get("plural", "")),
                kind=str(names.get("kind", "")),
                namespaced=spec.get("scope") == "Namespaced",
                singular=str(names.get("singular", "")),
                short_names=tuple(str(s) for s in names.get("shortNames", []) or []),
                categories=tuple(str(s) for s in names.get("categories", []) or []),
                subresources=subs,
                crd=True,
            )
        )
    return out
