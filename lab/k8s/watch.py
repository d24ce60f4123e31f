"""Watch streams: the current objects as ADDED, then changes from the store's log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from lab.k8s.selectors import field_matcher, label_matcher
from lab.k8s.store import JsonObj, Store, meta

if TYPE_CHECKING:
    from lab.k8s.api import Api
    from lab.k8s.catalog import ResourceType


def watch_events(
    store: Store,
    api: Api,
    rt: ResourceType,
    namespace: str,
    labels: str,
    fields: str,
    query: dict[str, str],
) -> Iterator[JsonObj]:
    lm, fm = label_matcher(labels), field_matcher(fields, rt.field_labels)
    timeout = float(query.get("timeoutSeconds", "300"))
    deadline = time.monotonic() + timeout

    def wanted(obj: JsonObj) -> bool:
        m = meta(obj)
        if rt.namespaced and namespace and m.get("namespace") != namespace:
            return False
        return lm(m.get("labels") or {}) and fm(obj)

    start = query.get("resourceVersion", "")
    if start in ("", "0"):
        with store.lock:
            since = store.resource_version
            initial = api.list(rt, namespace, labels, fields)["items"]
        for obj in initial:
            yield {"type": "ADDED", "object": api.present(rt, obj)}
    else:
        since = int(start)
    while time.monotonic() < deadline:
        store.wait(since, min(1.0, max(0.0, deadline - time.monotonic())))
        with store.lock:
            events = [e for e in store.log if e.rv > since]
            since = store.resource_version
        for ev in events:
            if (ev.group, ev.resource) == (rt.group, rt.plural) and wanted(ev.obj):
                yield {"type": ev.type, "object": api.present(rt, ev.obj)}
