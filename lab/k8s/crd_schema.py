"""Validation and pruning of custom resources against their CRD's structural schema.

Covers what the real server enforces for the manifests the toolkit applies: types, required,
enum, minimum/maximum, defaults of absent fields (`default:`, structural-schema defaulting),
and pruning of fields the schema does not declare (unless x-kubernetes-preserve-unknown-fields).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lab.k8s.catalog import ResourceType
    from lab.k8s.store import JsonObj, Store

Cause = tuple[str, str, str]
CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def version_schema(crd: JsonObj, version: str) -> dict[str, Any] | None:
    for v in crd.get("spec", {}).get("versions", []):
        if v.get("name") == version:
            schema = (v.get("schema") or {}).get("openAPIV3Schema")
            return schema if isinstance(schema, dict) else None
    return None


def _type_ok(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    allowed = _TYPES.get(kind)
    return allowed is None or isinstance(value, allowed)


def _check(value: Any, schema: dict[str, Any], path: str, causes: list[Cause]) -> Any:
    if schema.get("x-kubernetes-int-or-string") and isinstance(value, int | str):
        return value
    kind = schema.get("type")
    if value is None:
        if not schema.get("nullable"):
            causes.append(
                (
                    "FieldValueTypeInvalid",
                    path,
                    f'Invalid value: "null": {path} in body must be of type {kind}: "null"',
                )
            )
        return value
    if kind and not _type_ok(value, kind):
        got = (
            type(value)
            .__name__.replace("str", "string")
            .replace("dict", "object")
            .replace("list", "array")
            .replace("int", "integer")
            .replace("bool", "boolean")
        )
        causes.append(
            (
                "FieldValueTypeInvalid",
                path,
                f'Invalid value: "{got}": {path} in body must be of type {kind}: "{got}"',
            )
        )
        return value
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(f'"{e}"' for e in schema["enum"])
        causes.append(
            (
                "FieldValueNotSupported",
                path,
                f'Unsupported value: "{value}": supported values: {allowed}',
            )
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            causes.append(
                (
                    "FieldValueInvalid",
                    path,
                    f"Invalid value: {value}: {path} in body should be greater than or equal to "
                    f"{schema['minimum']}",
                )
            )
        if "maximum" in schema and value > schema["maximum"]:
            causes.append(
                (
                    "FieldValueInvalid",
                    path,
                    f"Invalid value: {value}: {path} in body should be less than or equal to "
                    f"{schema['maximum']}",
                )
            )
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_check(v, schema["items"], f"{path}[{i}]", causes) for i, v in enumerate(value)]
    if isinstance(value, dict):
        for req in schema.get("required") or []:
            if req not in value:
                causes.append(("FieldValueRequired", f"{path}.{req}", "Required value"))
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        out: dict[str, Any] = {}
        for k, v in value.items():
            sub = f"{path}.{k}"
            if isinstance(props, dict) and k in props:
                out[k] = _check(v, props[k], sub, causes)
            elif isinstance(extra, dict):
                out[k] = _check(v, extra, sub, causes)
            elif schema.get("x-kubernetes-preserve-unknown-fields") or (
                props is None and extra is None
            ):
                out[k] = v
            # else: pruned, as the real server silently does
        if isinstance(props, dict):
            for k, sub_schema in props.items():
                if k not in out and isinstance(sub_schema, dict) and "default" in sub_schema:
                    out[k] = copy.deepcopy(sub_schema["default"])
        return out
    return value


def validate_custom(store: Store, rt: ResourceType, obj: JsonObj) -> list[Cause]:
    """Prune `obj` in place to its schema and return the validation causes."""
    crd = store.get(CRDS, "", f"{rt.plural}.{rt.group}")
    schema = version_schema(crd, rt.version) if crd else None
    if not schema:
        return []
    causes: list[Cause] = []
    for key in [k for k in obj if k not in ("apiVersion", "kind", "metadata")]:
        props = schema.get("properties") or {}
        if key in props:
            obj[key] = _check(obj[key], props[key], key, causes)
        elif not schema.get("x-kubernetes-preserve-unknown-fields"):
            del obj[key]
    return causes
