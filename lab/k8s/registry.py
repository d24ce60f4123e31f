"""Which resource types the server serves right now: the built-ins of its Kubernetes version and
the served versions of every Established CustomResourceDefinition."""

from __future__ import annotations

import threading

from lab.k8s.catalog import ResourceType, builtin_types, crd_types, version_priority
from lab.k8s.store import JsonObj, Store

CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")


def established(crd: JsonObj) -> bool:
    conds = crd.get("status", {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conds)


class Registry:
    def __init__(self, store: Store, minor: tuple[int, int]) -> None:
        self.store = store
        self.builtin = builtin_types(minor)
        self._lock = threading.Lock()
        self._rv = -1
        self._types: tuple[ResourceType, ...] = self.builtin

    def types(self) -> tuple[ResourceType, ...]:
        with self._lock:
            rv = self.store.resource_version
            if rv != self._rv:
                custom: list[ResourceType] = []
                for crd in self.store.list(CRDS):
                    if established(crd) and not crd["metadata"].get("deletionTimestamp"):
                        custom += crd_types(crd)
                self._types = self.builtin + tuple(custom)
                self._rv = rv
            return self._types

    def find(self, group: str, version: str, plural: str) -> ResourceType | None:
        return next(
            (t for t in self.types() if (t.group, t.version, t.plural) == (group, version, plural)),
            None,
        )

    def by_kind(self, group: str, kind: str) -> ResourceType | None:
        """The preferred version's row for a kind (what controllers use to store objects)."""
        rows = [t for t in self.types() if t.group == group and t.kind == kind]
        return max(rows, key=lambda t: version_priority(t.version)) if rows else None

    def groups(self) -> dict[str, list[str]]:
        """group -> served versions, preferred first (core group excluded)."""
        out: dict[str, list[str]] = {}
        for t in self.types():
            if t.group and t.version not in out.setdefault(t.group, []):
                out[t.group].append(t.version)
        return {g: sorted(v, key=version_priority, reverse=True) for g, v in out.items()}
