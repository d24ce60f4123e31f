"""OpenAPI v3 of the served types (`/openapi/v3`, `/openapi/v3/<api/v1|apis/G/V>`) and the
server-side field validation it announces (`?fieldValidation=Strict|Warn|Ignore`).

kubectl (1.27+) reads `/openapi/v3` before `apply`/`create`: when the PATCH operation of a kind
lists the `fieldValidation` query parameter, kubectl leaves validation to the server and sends
`fieldValidation=Strict`; without OpenAPI it fails with "failed to download openapi".

Schemas come from what the server already knows: built-in kinds from the official Python
client's models (kubernetes.client, `openapi_types`/`attribute_map`: field names and types of
every API type; that release is newer than the twin's 1.21, so a field added later is accepted),
custom resources from their CRD version's `openAPIV3Schema`.

The PATCH operations of built-in kinds do not list strategic-merge-patch as a request body:
kubectl then computes a client-side apply's strategic merge patch from its compiled-in types
(exact merge keys) instead of from these schemas (which carry no patch-merge-key extensions).
Custom resources take merge patches, as on a real server.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any

import kubernetes.client as k8s_models

from lab.k8s.catalog import ResourceType
from lab.k8s.crd_schema import version_schema
from lab.k8s.registry import CRDS, Registry
from lab.k8s.status import ApiError, bad_request
from lab.k8s.store import JsonObj, Store

Schema = dict[str, Any]
ROOT = "/openapi/v3"
META = "V1ObjectMeta"
PATCH_BODIES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
)
FIELD_VALIDATION = ("Strict", "Warn", "Ignore")
_LIST = re.compile(r"^List\[(.+)\]$")
_DICT = re.compile(r"^Dict\[str, (.+)\]$")
_PRIMITIVES: dict[str, Schema] = {
    "str": {"type": "string"},
    "int": {"type": "integer", "format": "int64"},
    "float": {"type": "number", "format": "double"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "bytes": {"type": "string", "format": "byte"},
    "object": {"x-kubernetes-preserve-unknown-fields": True},
}


# ---- schemas ------------------------------------------------------------------------------


def _model_ref(type_name: str, out: dict[str, Schema]) -> Schema:
    """The schema of a python-client type name (`V1ServiceSpec`, `List[str]`, ...)."""
    if type_name in _PRIMITIVES:
        return dict(_PRIMITIVES[type_name])
    m = _LIST.match(type_name)
    if m:
        return {"type": "array", "items": _model_ref(m.group(1), out)}
    m = _DICT.match(type_name)
    if m:
        return {"type": "object", "additionalProperties": _model_ref(m.group(1), out)}
    model = getattr(k8s_models, type_name, None)
    if model is None or not hasattr(model, "openapi_types"):
        return dict(_PRIMITIVES["object"])
    if type_name not in out:
        out[type_name] = {}  # placeholder against recursion (JSONSchemaProps)
        props = {
            model.attribute_map[attr]: _model_ref(kind, out)
            for attr, kind in model.openapi_types.items()
        }
        out[type_name] = {"type": "object", "properties": props}
    return {"$ref": f"#/components/schemas/{type_name}"}


@functools.cache
def builtin_components(model_name: str) -> tuple[str, str] | None:
    """(JSON of the components a built-in model needs, its key); None without a model."""
    if getattr(k8s_models, model_name, None) is None:
        return None
    out: dict[str, Schema] = {}
    _model_ref(model_name, out)
    return json.dumps(out), model_name


# kinds whose python-client model name carries its group (two kinds share the name)
MODEL_NAMES = {
    ("", "v1", "Event"): "CoreV1Event",
    ("events.k8s.io", "v1", "Event"): "EventsV1Event",
}


def model_name(rt: ResourceType) -> str:
    default = f"{rt.version[:1].upper()}{rt.version[1:]}{rt.kind}"
    return MODEL_NAMES.get((rt.group, rt.version, rt.kind), default)


def _crd_key(rt: ResourceType) -> str:
    return ".".join(reversed(rt.group.split("."))) + f".{rt.version}.{rt.kind}"


def kind_schema(store: Store, rt: ResourceType, out: dict[str, Schema]) -> str:
    """Add the kind's schema (and what it references) to `out`; return its component key."""
    gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
    if rt.crd:
        crd = store.get(CRDS, "", f"{rt.plural}.{rt.group}")
        schema = dict((version_schema(crd, rt.version) if crd else None) or {"type": "object"})
        props = dict(schema.get("properties") or {})
        props.update(
            {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": _model_ref(META, out),
            }
        )
        schema["properties"] = props
        key = _crd_key(rt)
    else:
        built = builtin_components(model_name(rt))
        if built is None:
            key = _crd_key(rt) if rt.group else f"io.k8s.api.core.{rt.version}.{rt.kind}"
            schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        else:
            text, key = built
            out.update(json.loads(text))
            schema = out[key]
    out[key] = {**schema, "x-kubernetes-group-version-kind": [gvk]}
    return key


# ---- documents ----------------------------------------------------------------------------


def gv_path(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _param(name: str, where: str = "query") -> Schema:
    out: Schema = {"name": name, "in": where, "schema": {"type": "string", "uniqueItems": True}}
    if where == "path":
        out["required"] = True
    return out


def _operation(rt: ResourceType, action: str, key: str, params: list[str]) -> Schema:
    ref = {"schema": {"$ref": f"#/components/schemas/{key}"}}
    op: Schema = {
        "operationId": f"{action}{rt.kind}",
        "parameters": [_param(p) for p in params],
        "responses": {"200": {"description": "OK", "content": {"application/json": ref}}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {
            "group": rt.group,
            "version": rt.version,
            "kind": rt.kind,
        },
    }
    if action == "patch":
        op["requestBody"] = {
            "content": {b: {"schema": {"type": "object"}} for b in PATCH_BODIES},
            "required": True,
        }
    elif action in ("post", "put"):
        op["requestBody"] = {"content": {"application/json": ref}, "required": True}
    return op


WRITE_PARAMS = ["dryRun", "fieldManager", "fieldValidation"]


def _paths(rt: ResourceType, key: str) -> dict[str, Schema]:
    prefix = "/" + gv_path(rt.group, rt.version)
    base = (
        f"{prefix}/namespaces/{{namespace}}/{rt.plural}"
        if rt.namespaced
        else f"{prefix}/{rt.plural}"
    )
    scope = [_param("namespace", "path")] if rt.namespaced else []
    verbs = set(rt.verbs)
    collection: Schema = {"parameters": scope}
    if "list" in verbs:
        collection["get"] = _operation(rt, "list", key, ["labelSelector", "fieldSelector", "watch"])
    if "create" in verbs:
        collection["post"] = _operation(rt, "post", key, WRITE_PARAMS)
    if "deletecollection" in verbs:
        collection["delete"] = _operation(rt, "deletecollection", key, ["labelSelector"])
    item: Schema = {"parameters": [*scope, _param("name", "path")]}
    if "get" in verbs:
        item["get"] = _operation(rt, "get", key, [])
    if "update" in verbs:
        item["put"] = _operation(rt, "put", key, WRITE_PARAMS)
    if "patch" in verbs:
        item["patch"] = _operation(rt, "patch", key, [*WRITE_PARAMS, "force"])
    if "delete" in verbs:
        item["delete"] = _operation(rt, "delete", key, ["dryRun"])
    out = {base: collection, f"{base}/{{name}}": item}
    if "status" in rt.subresources:
        out[f"{base}/{{name}}/status"] = {
            "parameters": item["parameters"],
            "get": _operation(rt, "get", key, []),
            "put": _operation(rt, "put", key, WRITE_PARAMS),
            "patch": _operation(rt, "patch", key, [*WRITE_PARAMS, "force"]),
        }
    if rt.namespaced and "list" in verbs:
        out[f"{prefix}/{rt.plural}"] = {
            "get": _operation(rt, "list", key, ["labelSelector", "fieldSelector", "watch"])
        }
    return out


def gv_document(store: Store, registry: Registry, group: str, version: str) -> JsonObj | None:
    rows = [t for t in registry.types() if (t.group, t.version) == (group, version)]
    if not rows:
        return None
    components: dict[str, Schema] = {}
    paths: dict[str, Schema] = {}
    for rt in rows:
        key = kind_schema(store, rt, components)
        paths.update(_paths(rt, key))
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "unversioned"},
        "paths": paths,
        "components": {"schemas": components},
    }


def _digest(doc: JsonObj) -> str:
    return hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32].upper()


def root_document(store: Store, registry: Registry) -> JsonObj:
    gvs = sorted({(t.group, t.version) for t in registry.types()})
    paths = {}
    for group, version in gvs:
        doc = gv_document(store, registry, group, version)
        assert doc is not None
        url = f"{ROOT}/{gv_path(group, version)}?hash={_digest(doc)}"
        paths[gv_path(group, version)] = {"serverRelativeURL": url}
    return {"paths": paths}


def document(store: Store, registry: Registry, path: str) -> JsonObj | None:
    """The answer for GET `path` under /openapi/v3 (None: no such document)."""
    if path == ROOT:
        return root_document(store, registry)
    rest = path[len(ROOT) + 1 :].split("/") if path.startswith(ROOT + "/") else []
    if len(rest) == 2 and rest[0] == "api":
        return gv_document(store, registry, "", rest[1])
    if len(rest) == 3 and rest[0] == "apis":
        return gv_document(store, registry, rest[1], rest[2])
    return None


# ---- field validation -----------------------------------------------------------------------


def _resolve(schema: Schema, components: dict[str, Schema]) -> Schema:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return components.get(ref.rsplit("/", 1)[-1], {})
    return schema


def unknown_fields(
    value: Any, schema: Schema, components: dict[str, Schema], path: str
) -> list[str]:
    """Paths (`spec.ports[0].prot`) of fields the schema does not declare."""
    schema = _resolve(schema, components)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [
            f
            for i, v in enumerate(value)
            for f in unknown_fields(v, schema["items"], components, f"{path}[{i}]")
        ]
    if not isinstance(value, dict):
        return []
    props = schema.get("properties")
    extra = schema.get("additionalProperties")
    found: list[str] = []
    for k, v in value.items():
        sub = f"{path}.{k}" if path else k
        if isinstance(props, dict) and k in props:
            found += unknown_fields(v, props[k], components, sub)
        elif isinstance(extra, dict):
            found += unknown_fields(v, extra, components, sub)
        elif isinstance(props, dict) and not schema.get("x-kubernetes-preserve-unknown-fields"):
            found.append(sub)
    return found


def field_validation(query: dict[str, str]) -> str:
    """The request's fieldValidation directive ("" when absent); a bad value is a 400."""
    directive = query.get("fieldValidation", "")
    if directive and directive not in FIELD_VALIDATION:
        raise bad_request(
            f'fieldValidation must be one of "Ignore", "Warn", or "Strict", got "{directive}"'
        )
    return directive


def check_fields(
    store: Store, rt: ResourceType, obj: JsonObj, directive: str, verb: str
) -> list[str]:
    """Strict: raise the BadRequest a real server gives for unknown fields; Warn: return the
    warnings; otherwise nothing."""
    if directive not in ("Strict", "Warn"):
        return []
    components: dict[str, Schema] = {}
    key = kind_schema(store, rt, components)
    unknown = unknown_fields(obj, components[key], components, "")
    if not unknown:
        return []
    if directive == "Warn":
        return [f'unknown field "{f}"' for f in unknown]
    if verb == "apply":
        m = obj.get("metadata") or {}
        where = f"{m.get('namespace', '')}/{m.get('name', '')}"
        text = "\n".join(f".{f}: field not declared in schema" for f in unknown)
        raise bad_request(
            f"failed to create typed patch object ({where}; {rt.api_version}, Kind={rt.kind}): "
            + text
        )
    text = "strict decoding error: " + ", ".join(f'unknown field "{f}"' for f in unknown)
    if verb in ("create", "update"):
        text = f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: ' + text
    raise ApiError(400, "BadRequest", text)
