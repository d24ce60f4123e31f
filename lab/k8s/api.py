"""The verbs of the API server on the object store: get, list, create, update, patch, apply,
delete, deletecollection, with admission, managedFields and Kubernetes' error Statuses."""

from __future__ import annotations

import builtins
import copy
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

import yaml

from lab.k8s import apply as ssa
from lab.k8s.admission import Context, admit
from lab.k8s.catalog import ResourceType
from lab.k8s.openapi import check_fields
from lab.k8s.patch import json_patch, merge_patch, strategic_merge_patch
from lab.k8s.registry import Registry
from lab.k8s.selectors import field_matcher, label_matcher
from lab.k8s.status import (
    ApiError,
    already_exists,
    bad_request,
    conflict,
    not_found,
    unsupported_media_type,
)
from lab.k8s.store import JsonObj, Store, meta, now_rfc3339
from lab.k8s.termination import delete_pod
from lab.k8s.webhooks import check_webhooks

NAMESPACES = ("", "namespaces")
NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSONPATCH = "application/json-patch+json"


def random_suffix(n: int = 5) -> str:
    return "".join(secrets.choice(NAME_CHARS) for _ in range(n))


def stable_suffix(seed: str, n: int = 5) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(NAME_CHARS[b % len(NAME_CHARS)] for b in digest[:n])


def parse_body(raw: bytes, content_type: str) -> Any:
    try:
        if content_type.startswith(APPLY) or "yaml" in content_type:
            return yaml.safe_load(raw.decode())
        return json.loads(raw.decode() or "null")
    except (ValueError, yaml.YAMLError) as exc:
        raise bad_request(f"error decoding body: {exc}") from None


def _warn(into: list[str] | None, found: list[str]) -> None:
    if into is not None:
        into.extend(found)


@dataclass(frozen=True)
class Request:
    rt: ResourceType
    namespace: str  # "" for cluster-scoped
    name: str
    subresource: str = ""


class Api:
    def __init__(self, store: Store, registry: Registry, ctx: Context) -> None:
        self.store = store
        self.registry = registry
        self.ctx = ctx

    # ---- helpers ----------------------------------------------------------------------
    @staticmethod
    def key(rt: ResourceType) -> tuple[str, str]:
        return (rt.group, rt.plural)

    def present(self, rt: ResourceType, obj: JsonObj) -> JsonObj:
        out = {"apiVersion": rt.api_version, "kind": rt.kind}
        out.update({k: v for k, v in obj.items() if k not in ("apiVersion", "kind")})
        return out

    def _load(self, req: Request) -> JsonObj:
        obj = self.store.get(self.key(req.rt), req.namespace, req.name)
        if obj is None:
            raise not_found(req.rt.group_resource, req.name, req.rt.group, req.rt.plural)
        return obj

    def _check_namespace(self, rt: ResourceType, namespace: str, name: str) -> None:
        if not rt.namespaced:
            return
        ns = self.store.get(NAMESPACES, "", namespace)
        if ns is None:
            raise not_found("namespaces", namespace)
        if meta(ns).get("deletionTimestamp"):
            raise ApiError(
                403,
                "Forbidden",
                f'{rt.group_resource} "{name}" is forbidden: unable to create new content in '
                f"namespace {namespace} because it is being terminated",
                {"name": name, "group": rt.group, "kind": rt.plural},
            )

    def _check_body(self, req: Request, body: Any, verb: str) -> JsonObj:
        if not isinstance(body, dict):
            raise bad_request(
                "the body of the request was in an unknown format - expected an object, got "
                f"{type(body).__name__}"
            )
        rt = req.rt
        api_version, kind = body.get("apiVersion"), body.get("kind")
        if kind is None or api_version is None:
            if verb == "apply":
                missing = "kind" if kind is None else "apiVersion"
                raise bad_request(f"invalid object type: {missing} not set")
        elif kind != rt.kind:
            raise bad_request(
                f'{kind} in version "{api_version}" cannot be handled as a {rt.kind}: no kind '
                f'"{kind}" is registered for version "{api_version}" in scheme'
            )
        elif api_version != rt.api_version:
            raise bad_request(
                f"the API version in the data ({api_version}) does not match the expected API "
                f"version ({rt.api_version})"
            )
        m = body.setdefault("metadata", {})
        if not isinstance(m, dict):
            raise bad_request("metadata must be an object")
        if req.name and m.get("name") not in (None, req.name):
            raise bad_request(
                f"the name of the object ({m.get('name')}) does not match the name on the URL "
                f"({req.name})"
            )
        if req.name:
            m["name"] = req.name
        if rt.namespaced:
            if m.get("namespace") not in (None, "", req.namespace):
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on "
                    "the request"
                )
            m["namespace"] = req.namespace
        else:
            m.pop("namespace", None)
        body["apiVersion"], body["kind"] = rt.api_version, rt.kind
        return body

    # ---- reads --------------------------------------------------------------------------
    def get(self, req: Request) -> JsonObj:
        return self.present(req.rt, self._load(req))

    def list(self, rt: ResourceType, namespace: str, labels: str, fields: str) -> JsonObj:
        lm = label_matcher(labels)
        fm = field_matcher(fields, rt.field_labels)
        items = [
            self.present(rt, o)
            if rt.crd
            else {k: v for k, v in o.items() if k not in ("apiVersion", "kind")}
            for o in self.store.list(
                self.key(rt), namespace if rt.namespaced and namespace else None
            )
            if lm(meta(o).get("labels") or {}) and fm(o)
        ]
        return {
            "kind": f"{rt.kind}List",
            "apiVersion": rt.api_version,
            "metadata": {"resourceVersion": str(self.store.resource_version)},
            "items": items,
        }

    # ---- writes -------------------------------------------------------------------------
    def _store_new(self, req: Request, obj: JsonObj, dry_run: bool) -> JsonObj:
        rt = req.rt
        m = meta(obj)
        if not m.get("name") and m.get("generateName"):
            m["name"] = f"{m['generateName']}{random_suffix()}"
        name = str(m.get("name", ""))
        self._check_namespace(rt, req.namespace, name)
        if "status" in rt.subresources:
            obj.pop("status", None)
        for key in (
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "generation",
        ):
            m.pop(key, None)
        admit(rt, obj, None, self.ctx)
        if self.store.get(self.key(rt), req.namespace, name) is not None:
            raise already_exists(rt.group_resource, name, rt.group, rt.plural)
        check_webhooks(self.store, rt, "CREATE", obj)
        if dry_run:
            return self.present(rt, obj)
        return self.present(rt, self.store.create(self.key(rt), obj))

    def create(
        self,
        req: Request,
        body: Any,
        manager: str,
        dry_run: bool = False,
        validation: str = "",
        warnings: builtins.list[str] | None = None,
    ) -> JsonObj:
        obj = self._check_body(req, body, "create")
        _warn(warnings, check_fields(self.store, req.rt, obj, validation, "create"))
        meta(obj).pop("managedFields", None)
        ssa.record_update(None, obj, manager)
        return self._store_new(req, obj, dry_run)

    def _store_update(self, req: Request, old: JsonObj, new: JsonObj, dry_run: bool) -> JsonObj:
        rt = req.rt
        nm, om = meta(new), meta(old)
        for fixed in ("uid", "creationTimestamp", "deletionTimestamp", "generation"):
            if fixed in om:
                nm[fixed] = om[fixed]
            else:
                nm.pop(fixed, None)
        if "status" in rt.subresources:
            if req.subresource == "status":
                status = new.get("status")
                new = copy.deepcopy(old)
                new["status"] = status
                new["metadata"]["managedFields"] = nm.get("managedFields", [])
            else:
                new["status"] = copy.deepcopy(old.get("status"))
                if new["status"] is None:
                    new.pop("status")
        admit(rt, new, old, self.ctx)
        check_webhooks(self.store, rt, "UPDATE", new)
        if dry_run:
            return self.present(rt, new)
        if om.get("deletionTimestamp") and not nm.get("finalizers") and rt.kind != "Pod":
            self.store.delete(self.key(rt), req.namespace, req.name)
            return self.present(rt, new)
        return self.present(rt, self.store.update(self.key(rt), new))

    def replace(
        self,
        req: Request,
        body: Any,
        manager: str,
        dry_run: bool = False,
        validation: str = "",
        warnings: builtins.list[str] | None = None,
    ) -> JsonObj:
        new = self._check_body(req, body, "update")
        _warn(warnings, check_fields(self.store, req.rt, new, validation, "update"))
        with self.store.lock:
            old = self._load(req)
            rv = meta(new).get("resourceVersion")
            if rv not in (None, "") and rv != meta(old).get("resourceVersion"):
                raise conflict(
                    req.rt.group_resource,
                    req.name,
                    req.rt.group,
                    req.rt.plural,
                    "the object has been modified; please apply your changes to the latest "
                    "version and try again",
                )
            meta(new)["managedFields"] = meta(old).get("managedFields", [])
            ssa.record_update(old, new, manager, req.subresource)
            return self._store_update(req, old, new, dry_run)

    def patch(
        self,
        req: Request,
        raw: bytes,
        content_type: str,
        manager: str | None,
        force: bool,
        dry_run: bool = False,
        validation: str = "",
        warnings: builtins.list[str] | None = None,
    ) -> JsonObj:
        ctype = content_type.split(";", maxsplit=1)[0].strip()
        if ctype not in (APPLY, MERGE, STRATEGIC, JSONPATCH):
            raise unsupported_media_type(ctype)
        if ctype == STRATEGIC and req.rt.crd:
            raise unsupported_media_type(ctype)
        body = parse_body(raw, ctype)
        with self.store.lock:
            if ctype == APPLY:
                if isinstance(body, dict):
                    _warn(warnings, check_fields(self.store, req.rt, body, validation, "apply"))
                return self._apply(req, body, manager, force, dry_run)
            old = self._load(req)
            base = self.present(req.rt, old)
            if ctype == MERGE:
                new = merge_patch(base, body)
            elif ctype == STRATEGIC:
                new = strategic_merge_patch(base, body)
            else:
                new = json_patch(base, body)
            new = self._check_body(req, new, "patch")
            _warn(warnings, check_fields(self.store, req.rt, new, validation, "patch"))
            ssa.record_update(old, new, manager or "unknown", req.subresource)
            return self._store_update(req, old, new, dry_run)

    def _apply(
        self, req: Request, body: Any, manager: str | None, force: bool, dry_run: bool
    ) -> JsonObj:
        if not manager:
            raise ApiError(
                422,
                "Invalid",
                'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is '
                "required for apply patch",
                {
                    "group": "meta.k8s.io",
                    "kind": "PatchOptions",
                    "causes": [
                        {
                            "reason": "FieldValueRequired",
                            "message": "Required value: is required for apply patch",
                            "field": "fieldManager",
                        }
                    ],
                },
            )
        config = self._check_body(req, body, "apply")
        current = self.store.get(self.key(req.rt), req.namespace, req.name)
        if current is not None:
            current = self.present(req.rt, current)
        merged = ssa.server_side_apply(current, config, manager, force)
        if current is None:
            return self._store_new(req, merged, dry_run)
        return self._store_update(req, current, merged, dry_run)

    def delete(self, req: Request, dry_run: bool = False, grace: int | None = None) -> JsonObj:
        """grace: the request's gracePeriodSeconds (pods: lab.k8s.termination)."""
        with self.store.lock:
            obj = self._load(req)
            m = meta(obj)
            if req.rt.kind == "Pod" and req.rt.group == "" and not dry_run:
                return self.present(req.rt, delete_pod(self.store, obj, grace) or obj)
            if req.rt.kind == "Namespace" or m.get("finalizers"):
                if not m.get("deletionTimestamp"):
                    m["deletionTimestamp"] = now_rfc3339()
                    m["deletionGracePeriodSeconds"] = 0
                    if req.rt.kind == "Namespace":
                        obj.setdefault("status", {})["phase"] = "Terminating"
                    if not dry_run:
                        obj = self.store.update(self.key(req.rt), obj)
                return self.present(req.rt, obj)
            if not dry_run:
                self.store.delete(self.key(req.rt), req.namespace, req.name)
            return self.present(req.rt, obj)

    def delete_collection(
        self, rt: ResourceType, namespace: str, labels: str, fields: str
    ) -> JsonObj:
        listing = self.list(rt, namespace, labels, fields)
        for item in listing["items"]:
            m = item["metadata"]
            self.delete(Request(rt, m.get("namespace", ""), m["name"]))
        return listing
