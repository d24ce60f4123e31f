"""The disruption controller: every PodDisruptionBudget's status (lab/k8s/eviction.py).

It reads and writes under the store's lock, so an eviction's decrement is never overwritten by
a status computed before it."""

from __future__ import annotations

from lab.k8s.controllers.base import World, replace_field
from lab.k8s.eviction import PDBS, disruption_status


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    def strip(s: dict[str, object]) -> dict[str, object]:
        conds = s.get("conditions")
        out = {k: v for k, v in s.items() if k != "conditions"}
        if isinstance(conds, list):
            out["conditions"] = [
                {k: v for k, v in c.items() if k != "lastTransitionTime"} for c in conds
            ]
        return out

    return strip(a) == strip(b)


def disruption(world: World) -> None:
    with world.store.lock:
        for pdb in world.store.list(PDBS):
            status = disruption_status(world.store, pdb)
            if not _same(status, pdb.get("status") or {}):
                replace_field(world, PDBS, pdb, "status", status)
