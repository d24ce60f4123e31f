"""Request routing: a path and method to a discovery document or an API verb, answered as
(status code, JSON body). No sockets here; `handlers.py` does the HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lab.k8s import discovery, openapi, tables
from lab.k8s.api import Api, Request
from lab.k8s.catalog import ResourceType
from lab.k8s.cluster_info import ClusterInfo
from lab.k8s.eviction import evict
from lab.k8s.registry import CRDS, Registry
from lab.k8s.status import (
    PATCH_MEDIA_TYPES,
    ApiError,
    bad_request,
    method_not_allowed,
    no_such_resource,
    unsupported_media_type,
)
from lab.k8s.store import JsonObj, Store
from lab.k8s.termination import requested_grace
from lab.k8s.watch import watch_events

ANONYMOUS_PATHS = {"/version", "/healthz", "/livez", "/readyz"}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: bytes
    user: str | None
    user_agent: str = ""
    accept: str = ""


@dataclass(frozen=True)
class Reply:
    code: int
    body: JsonObj | str
    stream: Iterator[JsonObj] | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    rt: ResourceType
    namespace: str
    name: str
    subresource: str


def _flag(query: dict[str, str], key: str) -> bool:
    return query.get(key, "").lower() in ("true", "1")


class App:
    def __init__(self, store: Store, registry: Registry, api: Api, cluster: ClusterInfo) -> None:
        self.store = store
        self.registry = registry
        self.api = api
        self.cluster = cluster

    def handle(self, call: Call) -> Reply:
        path = call.path.rstrip("/") or "/"
        if call.user is None and path not in ANONYMOUS_PATHS:
            return Reply(
                403,
                ApiError(
                    403,
                    "Forbidden",
                    f'forbidden: User "system:anonymous" cannot {call.method.lower()} path '
                    f'"{path}"',
                    {},
                ).body(),
            )
        try:
            return self._handle(call, path)
        except ApiError as exc:
            return Reply(exc.code, exc.body())

    def _handle(self, call: Call, path: str) -> Reply:
        if path in ("/healthz", "/livez", "/readyz"):
            return Reply(200, "ok")
        if call.body and "protobuf" in call.content_type:
            # JSON only (a real server also takes protobuf for built-in kinds): kubectl's typed
            # clients (`kubectl create namespace|secret|...`) get a 415 Status
            accepted = "application/json" if call.method != "PATCH" else PATCH_MEDIA_TYPES
            raise unsupported_media_type(call.content_type.split(";")[0].strip(), accepted)
        if call.method == "GET":
            doc = self._discovery(path)
            if doc is None and (path == openapi.ROOT or path.startswith(openapi.ROOT + "/")):
                doc = openapi.document(self.store, self.registry, path)
                if doc is None:
                    raise no_such_resource()
            if doc is not None:
                return Reply(200, doc)
        parts = [p for p in path.split("/") if p]
        target = self._resolve(parts)
        if target is None:
            raise no_such_resource()
        return self._verb(call, target)

    def _discovery(self, path: str) -> JsonObj | None:
        if path == "/version":
            return discovery.version_info(self.cluster)
        if path == "/api":
            return discovery.api_versions(self.cluster)
        if path == "/api/v1":
            return discovery.resource_list(self.registry, "", "v1")
        if path == "/apis":
            return discovery.api_group_list(self.registry)
        parts = path.split("/")
        if len(parts) == 3 and parts[1] == "apis":
            return discovery.api_group(self.registry, parts[2])
        if len(parts) == 4 and parts[1] == "apis":
            return discovery.resource_list(self.registry, parts[2], parts[3])
        return None

    def _printer(self, rt: ResourceType) -> tuple[tuple[tables.Column, ...], tables.Row]:
        return tables.printer_for(rt.group, rt.kind, _crd_columns(self.store, rt))

    def _table(self, rt: ResourceType, items: list[JsonObj], rv: str, q: dict[str, str]) -> JsonObj:
        return tables.as_table(self._printer(rt), items, rv, q.get("includeObject", ""))

    def _resolve(self, parts: list[str]) -> Target | None:
        if parts[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", parts[2:]
        elif len(parts) >= 3 and parts[0] == "apis":
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        namespace = ""
        if (
            len(rest) >= 3
            and rest[0] == "namespaces"
            and not (len(rest) == 3 and rest[2] in ("status", "finalize"))
        ):
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            return None
        rt = self.registry.find(group, version, rest[0])
        if rt is None or (namespace and not rt.namespaced):
            return None
        name = rest[1] if len(rest) > 1 else ""
        sub = rest[2] if len(rest) > 2 else ""
        if sub and sub not in rt.subresources:
            return None
        return Target(rt, namespace, name, sub)

    def _verb(self, call: Call, t: Target) -> Reply:
        q, api = call.query, self.api
        manager = q.get("fieldManager") or (call.user_agent.split("/")[0] or "unknown")
        dry = q.get("dryRun") == "All"
        validation = openapi.field_validation(q)
        warnings: list[str] = []
        req = Request(t.rt, t.namespace, t.name, t.subresource)
        if t.subresource == "eviction" and t.rt.kind == "Pod" and call.method == "POST":
            return Reply(201, evict(self.store, t.namespace, t.name, _json(call.body)))
        if t.subresource not in ("", "status"):
            raise method_not_allowed(call.method)
        if not t.name:
            if t.rt.namespaced is False and t.namespace:
                raise no_such_resource()
            labels, fields = q.get("labelSelector", ""), q.get("fieldSelector", "")
            if call.method == "GET":
                if _flag(q, "watch"):
                    api.list(t.rt, t.namespace, labels, fields)  # validates the selectors
                    events = watch_events(self.store, api, t.rt, t.namespace, labels, fields, q)
                    if tables.wants_table(call.accept):
                        printer = self._printer(t.rt)
                        events = tables.table_events(printer, events, q.get("includeObject", ""))
                    return Reply(200, {}, events)
                listing = api.list(t.rt, t.namespace, labels, fields)
                if tables.wants_table(call.accept):
                    items = [api.present(t.rt, o) for o in listing["items"]]
                    rv = listing["metadata"]["resourceVersion"]
                    return Reply(200, self._table(t.rt, items, rv, q))
                return Reply(200, listing)
            if call.method == "POST" and "create" in t.rt.verbs:
                if t.rt.namespaced and not t.namespace:
                    raise method_not_allowed(call.method)
                body = _json(call.body)
                obj = api.create(req, body, manager, dry, validation, warnings)
                return Reply(201, obj, warnings=tuple(warnings))
            if call.method == "DELETE" and "deletecollection" in t.rt.verbs:
                return Reply(200, api.delete_collection(t.rt, t.namespace, labels, fields))
            raise method_not_allowed(call.method)
        if t.rt.namespaced and not t.namespace:
            raise no_such_resource()
        if call.method == "GET":
            obj = api.get(req)
            if tables.wants_table(call.accept) and not t.subresource:
                rv = str(obj["metadata"].get("resourceVersion", ""))
                return Reply(200, self._table(t.rt, [obj], rv, q))
            return Reply(200, obj)
        if call.method == "PUT":
            obj = api.replace(req, _json(call.body), manager, dry, validation, warnings)
            return Reply(200, obj, warnings=tuple(warnings))
        if call.method == "PATCH":
            existed = self.store.get((t.rt.group, t.rt.plural), t.namespace, t.name) is not None
            obj = api.patch(
                req,
                call.body,
                call.content_type,
                q.get("fieldManager"),
                _flag(q, "force"),
                dry,
                validation,
                warnings,
            )
            return Reply(200 if existed else 201, obj, warnings=tuple(warnings))
        if call.method == "DELETE" and not t.subresource:
            return Reply(200, api.delete(req, dry, requested_grace(_json(call.body), q)))
        raise method_not_allowed(call.method)


def _crd_columns(store: Store, rt: ResourceType) -> list[JsonObj] | None:
    """The additionalPrinterColumns of a custom resource's version (None: not a CRD kind)."""
    if not rt.crd:
        return None
    crd = store.get(CRDS, "", f"{rt.plural}.{rt.group}") or {}
    for version in (crd.get("spec") or {}).get("versions") or []:
        if version.get("name") == rt.version:
            return list(version.get("additionalPrinterColumns") or [])
    return []


def _json(raw: bytes) -> Any:
    import json

    try:
        return json.loads(raw.decode() or "null")
    except ValueError as exc:
        raise bad_request(f"error decoding body as JSON: {exc}") from None
