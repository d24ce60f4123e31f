"""Server-side apply and field ownership (metadata.managedFields, FieldsV1).

Ownership is tracked per (manager, operation, subresource) as sets of field paths. Maps are
merged key by key; lists are atomic (the whole list is one field), which is what SSA does for
lists without list-map keys and a safe approximation for the others.
"""

from __future__ import annotations

import copy
from typing import Any

from lab.k8s.status import ApiError
from lab.k8s.store import JsonObj, now_rfc3339

Path_ = tuple[str, ...]
IDENTITY: set[Path_] = {
    ("apiVersion",),
    ("kind",),
    ("metadata", "name"),
    ("metadata", "namespace"),
}
SERVER_OWNED = {
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
}


def field_paths(value: Any, prefix: Path_ = ()) -> set[Path_]:
    if isinstance(value, dict) and value:
        out: set[Path_] = set()
        for k, v in value.items():
            if prefix == ("metadata",) and k in SERVER_OWNED:
                continue
            out |= field_paths(v, (*prefix, k))
        return out
    return {prefix} if prefix else set()


def owned_paths(obj: Any) -> set[Path_]:
    return field_paths(obj) - IDENTITY


def to_fields_v1(paths: set[Path_]) -> JsonObj:
    root: JsonObj = {}
    for path in sorted(paths):
        node = root
        for part in path:
            node = node.setdefault(f"f:{part}", {})
    return root


def from_fields_v1(fields: Any, prefix: Path_ = ()) -> set[Path_]:
    if not isinstance(fields, dict) or not fields:
        return {prefix} if prefix else set()
    out: set[Path_] = set()
    for key, sub in fields.items():
        if key == ".":
            out.add(prefix)
        elif key.startswith("f:"):
            out |= from_fields_v1(sub, (*prefix, key[2:]))
    return out


def get_path(obj: Any, path: Path_) -> Any:
    cur = obj
    for part in path:
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _delete_path(obj: JsonObj, path: Path_) -> None:
    chain: list[JsonObj] = [obj]
    for part in path[:-1]:
        nxt = chain[-1].get(part)
        if not isinstance(nxt, dict):
            return
        chain.append(nxt)
    chain[-1].pop(path[-1], None)
    for depth in range(len(chain) - 1, 1, -1):  # prune emptied maps below the top level
        if not chain[depth]:
            chain[depth - 1].pop(path[depth - 1], None)


def deep_merge(base: Any, overlay: Any) -> Any:
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = dict(base)
        for k, v in overlay.items():
            out[k] = deep_merge(base.get(k), v)
        return out
    return copy.deepcopy(overlay)


def agrees(live: Any, applied: Any) -> bool:
    """The applied value says nothing the live one contradicts: maps key by key (the live side
    may hold more, e.g. defaulted fields), lists item by item, scalars equal. Real SSA compares
    leaf fields of list-map items; this keeps co-owning an atomic list whose items the server
    only completed from being a conflict."""
    if isinstance(live, dict) and isinstance(applied, dict):
        return all(k in live and agrees(live[k], v) for k, v in applied.items())
    if isinstance(live, list) and isinstance(applied, list):
        return len(live) == len(applied) and all(map(agrees, live, applied))
    return bool(live == applied)


def _overlaps(a: Path_, b: Path_) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


class Entries:
    """managedFields as {(manager, operation, subresource): (apiVersion, time, paths)}."""

    def __init__(self, managed: list[JsonObj] | None) -> None:
        self.items: dict[tuple[str, str, str], tuple[str, str, set[Path_]]] = {}
        for e in managed or []:
            key = (
                str(e.get("manager", "")),
                str(e.get("operation", "")),
                str(e.get("subresource", "")),
            )
            self.items[key] = (
                str(e.get("apiVersion", "")),
                str(e.get("time", "")),
                from_fields_v1(e.get("fieldsV1")),
            )

    def assign(self, key: tuple[str, str, str], api_version: str, paths: set[Path_]) -> None:
        old = self.items.get(key)
        if old is not None and old[2] == paths and old[0] == api_version:
            return
        self.items[key] = (api_version, now_rfc3339(), paths)

    def take(self, owner: tuple[str, str, str], paths: set[Path_]) -> None:
        """Give `paths` to `owner`: remove them (and overlapping ones) from every other entry."""
        for key in list(self.items):
            if key == owner:
                continue
            api, _, own = self.items[key]
            left = {p for p in own if not any(_overlaps(p, q) for q in paths)}
            if left != own:
                self.items[key] = (api, now_rfc3339(), left)

    def render(self) -> list[JsonObj]:
        out: list[JsonObj] = []
        for (manager, op, sub), (api, time, paths) in self.items.items():
            if not paths:
                continue
            entry: JsonObj = {
                "manager": manager,
                "operation": op,
                "apiVersion": api,
                "time": time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(paths),
            }
            if sub:
                entry["subresource"] = sub
            out.append(entry)
        return out


def server_side_apply(
    current: JsonObj | None, config: JsonObj, manager: str, force: bool
) -> JsonObj:
    """The object after `manager` applies `config`; raises a 409 Status on conflicts."""
    base: JsonObj = copy.deepcopy(current) if current else {}
    entries = Entries(base.get("metadata", {}).get("managedFields"))
    me = (manager, "Apply", "")
    prev = entries.items.get(me, ("", "", set()))[2]
    new_paths = owned_paths(config)
    conflicts: list[tuple[str, Path_]] = []
    for key, (_, _, own) in entries.items.items():
        if key == me:
            continue
        for p in new_paths:
            if any(_overlaps(p, q) for q in own) and not agrees(
                get_path(base, p), get_path(config, p)
            ):
                conflicts.append((key[0], p))
    if conflicts and not force:
        lines = sorted({f'conflict with "{m}": .{".".join(p)}' for m, p in conflicts})
        name = config.get("metadata", {}).get("name", "")
        raise ApiError(
            409,
            "Conflict",
            f"Apply failed with {len(lines)} conflict{'s' if len(lines) > 1 else ''}: "
            + "\n".join(lines),
            {
                "name": name,
                "causes": [
                    {
                        "reason": "FieldManagerConflict",
                        "message": f'conflict with "{m}"',
                        "field": "." + ".".join(p),
                    }
                    for m, p in conflicts
                ],
            },
        )
    others: set[Path_] = set()
    for key, (_, _, own) in entries.items.items():
        if key != me:
            others |= own
    for p in sorted(prev - new_paths, key=len, reverse=True):
        if not any(_overlaps(p, q) for q in others):
            _delete_path(base, p)
    merged: JsonObj = deep_merge(base, config)
    if force:
        entries.take(me, new_paths)
    entries.assign(me, str(config.get("apiVersion", "")), new_paths)
    merged.setdefault("metadata", {})["managedFields"] = entries.render()
    return merged


def record_update(old: JsonObj | None, new: JsonObj, manager: str, subresource: str = "") -> None:
    """Give `manager` (operation Update) the fields that changed from `old` to `new`, in place."""
    entries = Entries((old or new).get("metadata", {}).get("managedFields"))
    before = owned_paths(old) if old else set()
    changed = {
        p for p in owned_paths(new) if p not in before or get_path(old, p) != get_path(new, p)
    }
    if subresource == "status":
        changed = {p for p in changed if p[:1] == ("status",)}
    elif subresource == "":
        changed = {p for p in changed if p[:1] != ("status",) or old is None}
    if changed:
        key = (manager, "Update", subresource)
        mine = entries.items.get(key, ("", "", set()))[2]
        entries.take(key, changed)
        entries.assign(key, str(new.get("apiVersion", "")), mine | changed)
    new.setdefault("metadata", {})["managedFields"] = entries.render()
