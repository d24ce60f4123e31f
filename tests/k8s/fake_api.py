"""An in-memory stand-in for kubernetes.dynamic.DynamicClient: discovery, get, server-side
apply (resourceVersion bumps only on a real change), merge patch, server dry run.

Good enough to test the tasks' logic; the emulated API server in lab/k8s tests the wire.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError, api_exception

from bgplb.k8s.objects import comparable

Doc = dict[str, Any]

BUILTIN: dict[tuple[str, str], bool] = {  # (apiVersion, kind) -> namespaced
    ("v1", "Namespace"): False,
    ("v1", "Node"): False,
    ("v1", "ConfigMap"): True,
    ("v1", "Secret"): True,
    ("v1", "Service"): True,
    ("v1", "ServiceAccount"): True,
    ("apps/v1", "Deployment"): True,
    ("apps/v1", "DaemonSet"): True,
    ("rbac.authorization.k8s.io/v1", "Role"): True,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): True,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): False,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): False,
    ("policy/v1beta1", "PodSecurityPolicy"): False,
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"): False,
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"): False,
}


@dataclass(frozen=True)
class FakeResource:
    group_version: str
    kind: str
    namespaced: bool


class Instance:
    def __init__(self, doc: Doc) -> None:
        self._doc = copy.deepcopy(doc)

    def to_dict(self) -> Doc:
        return copy.deepcopy(self._doc)


def http_error(status: int, reason: str, body: str = "") -> Exception:
    exc = ApiException(status=status, reason=reason)
    exc.body = body
    return api_exception(exc)  # type: ignore[no-untyped-call, no-any-return]


def merge(base: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7386): maps merge, None deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


class Discovery:
    def __init__(self, api: FakeDynamicClient) -> None:
        self.api = api

    def get(self, api_version: str, kind: str) -> FakeResource:
        catalog = dict(BUILTIN) | self.api.custom_kinds()
        if (api_version, kind) not in catalog:
            raise ResourceNotFoundError(f"No matches found for {api_version} {kind}")
        return FakeResource(api_version, kind, catalog[(api_version, kind)])


class FakeDynamicClient:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str | None, str], Doc] = {}
        self.revision = 100
        self.writes = 0
        self.requests: list[tuple[str, str]] = []
        self.before_apply: Callable[[Doc], None] | None = None  # inject errors
        self.establish_crds = True
        self.resources = Discovery(self)

    # -- helpers for tests -----------------------------------------------------------------
    def custom_kinds(self) -> dict[tuple[str, str], bool]:
        out = {}
        for (kind, _, _), crd in self.objects.items():
            if kind != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec.get("versions", []):
                out[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = (
                    spec.get("scope") == "Namespaced"
                )
        return out

    def put(self, doc: Doc) -> None:
        """Store an object as if someone else created it."""
        meta = doc["metadata"]
        key = (doc["kind"], meta.get("namespace"), meta["name"])
        self.revision += 1
        meta["resourceVersion"] = str(self.revision)
        self.objects[key] = copy.deepcopy(doc)

    def live(self, kind: str, name: str, namespace: str | None = None) -> Doc:
        return self.objects[(kind, namespace, name)]

    # -- the DynamicClient surface the tasks use ---------------------------------------------
    def get(
        self, resource: FakeResource, name: str | None = None, namespace: str | None = None
    ) -> Instance:
        if name is None:  # a list: every object of the kind (in `namespace` if given)
            self.requests.append(
                ("list", resource.kind + (f" in {namespace}" if namespace else ""))
            )
            items = [
                obj
                for (kind, ns, _), obj in sorted(self.objects.items(), key=lambda kv: str(kv[0]))
                if kind == resource.kind and (namespace is None or ns == namespace)
            ]
            return Instance({"kind": f"{resource.kind}List", "items": items})
        self.requests.append(("get", f"{resource.kind}/{name}"))
        obj = self.objects.get((resource.kind, namespace, name))
        if obj is None:
            raise http_error(404, "Not Found")
        return Instance(obj)

    def server_side_apply(
        self,
        resource: FakeResource,
        body: Doc,
        name: str,
        namespace: str | None = None,
        field_manager: str | None = None,
        force_conflicts: bool | None = None,
        dry_run: str | None = None,
    ) -> Instance:
        assert field_manager == "bgplb"
        assert force_conflicts is True
        self.requests.append(
            ("apply" if dry_run is None else "dry-apply", f"{resource.kind}/{name}")
        )
        if self.before_apply is not None:
            self.before_apply(body)
        if namespace is not None and ("Namespace", None, namespace) not in self.objects:
            raise http_error(404, "Not Found", f'namespaces "{namespace}" not found')
        key = (resource.kind, namespace, name)
        old = self.objects.get(key)
        desired = copy.deepcopy(body)
        if desired["kind"] == "Secret" and "stringData" in desired:
            data = desired.setdefault("data", {})
            for k, v in desired.pop("stringData").items():
                data[k] = base64.b64encode(v.encode()).decode()
        new = merge(old or {}, desired)
        new["metadata"]["namespace"] = namespace
        if namespace is None:
            new["metadata"].pop("namespace")
        if resource.kind == "CustomResourceDefinition" and self.establish_crds:
            new["status"] = {"conditions": [{"type": "Established", "status": "True"}]}
        if (
            old is not None
            and comparable(new) == comparable(old)
            and new.get("status") == old.get("status")
        ):
            return Instance(old)
        meta = new["metadata"]
        meta["managedFields"] = [{"manager": field_manager, "operation": "Apply"}]
        if resource.kind in ("Deployment", "CustomResourceDefinition", "BGPPeer"):
            meta["generation"] = int((old or {}).get("metadata", {}).get("generation", 0)) + 1
        if dry_run is not None:
            return Instance(new)
        self.revision += 1
        self.writes += 1
        meta["resourceVersion"] = str(self.revision)
        meta.setdefault("uid", f"uid-{self.revision}")
        self.objects[key] = new
        return Instance(new)

    def patch(
        self,
        resource: FakeResource,
        body: Doc,
        name: str,
        namespace: str | None = None,
        content_type: str = "",
    ) -> Instance:
        assert content_type == "application/merge-patch+json"
        key = (resource.kind, namespace, name)
        if key not in self.objects:
            raise http_error(404, "Not Found")
        new = merge(self.objects[key], body)
        self.revision += 1
        self.writes += 1
        new["metadata"]["resourceVersion"] = str(self.revision)
        self.objects[key] = new
        return Instance(new)


__all__ = ["FakeDynamicClient", "NotFoundError", "http_error"]
