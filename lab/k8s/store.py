"""The server's object store: objects by (group, resource, namespace, name), one resourceVersion
counter, a change log for watches and controllers, persisted as JSON in the state directory.

Every read returns a deep copy; writes that change nothing keep the resourceVersion.
"""

from __future__ import annotations

import builtins
import copy
import datetime as dt
import json
import os
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JsonObj = dict[str, Any]
GroupResource = tuple[str, str]
Key = tuple[str, str, str, str]  # group, resource, namespace ("" when cluster-scoped), name
LOG_SIZE = 4096


def now_rfc3339() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(obj: JsonObj) -> JsonObj:
    m = obj.setdefault("metadata", {})
    assert isinstance(m, dict)
    return m


@dataclass(frozen=True)
class Event:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    group: str
    resource: str
    obj: JsonObj


def _spec_part(obj: JsonObj) -> JsonObj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


class Store:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[Key, JsonObj] = {}
        self._rv = 1
        self.log: deque[Event] = deque(maxlen=LOG_SIZE)
        if path is not None and path.is_file():
            self._load(path)

    # ---- persistence ------------------------------------------------------------------
    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text())
        self._rv = int(data["resourceVersion"])
        for entry in data["objects"]:
            obj = entry["object"]
            m = meta(obj)
            key = (entry["group"], entry["resource"], m.get("namespace", ""), m["name"])
            self._objects[key] = obj

    def _save(self) -> None:
        if self.path is None:
            return
        entries = [
            {"group": k[0], "resource": k[1], "object": v} for k, v in sorted(self._objects.items())
        ]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"resourceVersion": self._rv, "objects": entries}))
        os.replace(tmp, self.path)

    # ---- reads --------------------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        with self.lock:
            return self._rv

    def get(self, gr: GroupResource, namespace: str, name: str) -> JsonObj | None:
        with self.lock:
            obj = self._objects.get((gr[0], gr[1], namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, gr: GroupResource, namespace: str | None = None) -> list[JsonObj]:
        with self.lock:
            return [
                copy.deepcopy(v)
                for k, v in sorted(self._objects.items())
                if k[0] == gr[0] and k[1] == gr[1] and (namespace is None or k[2] == namespace)
            ]

    def namespaced_keys(self, namespace: str) -> builtins.list[Key]:
        with self.lock:
            return [k for k in sorted(self._objects) if k[2] == namespace]

    def uids(self) -> set[str]:
        with self.lock:
            return {str(meta(o).get("uid")) for o in self._objects.values()}

    def all_items(self) -> builtins.list[tuple[Key, JsonObj]]:
        with self.lock:
            return [(k, copy.deepcopy(v)) for k, v in sorted(self._objects.items())]

    # ---- writes -------------------------------------------------------------------------
    def _bump(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _record(self, type_: str, gr: GroupResource, obj: JsonObj) -> None:
        self.log.append(Event(self._rv, type_, gr[0], gr[1], copy.deepcopy(obj)))
        self._save()
        self.changed.notify_all()

    def create(self, gr: GroupResource, obj: JsonObj) -> JsonObj:
        """Insert a new object (the caller checked it does not exist)."""
        with self.lock:
            obj = copy.deepcopy(obj)
            m = meta(obj)
            m.setdefault("uid", str(uuid.uuid4()))
            m.setdefault("creationTimestamp", now_rfc3339())
            m["resourceVersion"] = self._bump()
            if "status" in obj or "spec" in obj:
                m.setdefault("generation", 1)
            self._objects[(gr[0], gr[1], m.get("namespace", ""), m["name"])] = obj
            self._record("ADDED", gr, obj)
            return copy.deepcopy(obj)

    def update(self, gr: GroupResource, obj: JsonObj) -> JsonObj:
        """Replace an existing object; a no-op write keeps the resourceVersion."""
        with self.lock:
            m = meta(obj)
            key = (gr[0], gr[1], m.get("namespace", ""), m["name"])
            old = self._objects[key]
            new = copy.deepcopy(obj)
            nm = meta(new)
            om = old["metadata"]
            for fixed in ("uid", "creationTimestamp"):
                if fixed in om:
                    nm[fixed] = om[fixed]
            nm["resourceVersion"] = om.get("resourceVersion")
            if "generation" in om:
                nm["generation"] = om["generation"]
            if new == old:
                return copy.deepcopy(old)
            if "generation" in om and _spec_part(new) != _spec_part(old):
                nm["generation"] = int(om["generation"]) + 1
            nm["resourceVersion"] = self._bump()
            self._objects[key] = new
            self._record("MODIFIED", gr, new)
            return copy.deepcopy(new)

    def delete(self, gr: GroupResource, namespace: str, name: str) -> JsonObj | None:
        with self.lock:
            obj = self._objects.pop((gr[0], gr[1], namespace, name), None)
            if obj is None:
                return None
            meta(obj)["resourceVersion"] = self._bump()
            self._record("DELETED", gr, obj)
            return copy.deepcopy(obj)

    def wait(self, since: int, timeout: float) -> int:
        """Block until the resourceVersion moves past `since` or `timeout` passes."""
        with self.changed:
            if self._rv <= since:
                self.changed.wait(timeout)
            return self._rv
