"""Server-side `Table` output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), what
`kubectl get` prints.

Built-in kinds carry the columns and cells of Kubernetes' printers
(kubernetes/kubernetes pkg/printers/internalversion/printers.go, `AddHandlers`; columns checked
against commit 008dafe05a0d41dd767c7d0fd65e8360d7eee9b4 and the 1.2x layout that added READY to
deployments); the server fills every cell, wide ones included (kubectl hides priority-1 columns
unless `-o wide`). Custom resources use their CRD version's `additionalPrinterColumns` (an Age
column when it has none). Other kinds get the default convertor's NAME and CREATED AT.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lab.k8s.store import JsonObj

Cell = str | int | float | bool | None
Row = Callable[[JsonObj], list[Cell]]
META_API = "meta.k8s.io/v1"
ROLE_PREFIX = "node-role.kubernetes.io/"
ROLE_LABEL = "kubernetes.io/role"


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    priority: int = 0
    format: str = ""

    def definition(self) -> JsonObj:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": "",
            "priority": self.priority,
        }


def wants_table(accept: str) -> bool:
    """True when the client asks for a meta.k8s.io Table (v1 or v1beta1) before plain JSON."""
    for media in accept.split(","):
        params = {
            k.strip(): v.strip() for k, _, v in (p.partition("=") for p in media.split(";")[1:])
        }
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io":
            return True
        if media.split(";")[0].strip() in ("application/json", "*/*"):
            return False
    return False


# ---- formatting helpers (as the printers do) ---------------------------------------------


def _parse_time(text: object) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d" if hours % 24 == 0 else f"{hours // 24}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = hours // 24 // 365, hours // 24 % 365
    if hours < 24 * 365 * 8:
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{years}y"


def age(timestamp: object, now: dt.datetime | None = None) -> str:
    when = _parse_time(timestamp)
    if when is None:
        return "<unknown>"
    now = now or dt.datetime.now(dt.UTC)
    return human_duration((now - when).total_seconds())


def format_labels(labels: object) -> str:
    if not isinstance(labels, dict) or not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def format_selector(selector: object) -> str:
    """metav1.FormatLabelSelector."""
    if not isinstance(selector, dict):
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op, key, values = expr.get("operator"), expr.get("key"), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) or "<none>"


def _containers(template_spec: JsonObj) -> tuple[str, str]:
    cs = template_spec.get("containers") or []
    return ",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


# ---- rows per kind -----------------------------------------------------------------------


def pod_row(pod: JsonObj) -> list[Cell]:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or ""
    restarts, ready, total = 0, 0, len(spec.get("containers") or [])
    initializing = False
    init_specs = spec.get("initContainers") or []
    for i, c in enumerate(status.get("initContainerStatuses") or []):
        restarts += int(c.get("restartCount") or 0)
        state = c.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            reason = "Init:" + (term.get("reason") or f"ExitCode:{term.get('exitCode')}")
        elif wait and wait.get("reason") and wait.get("reason") != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    if not initializing:
        restarts, has_running = 0, False
        for c in reversed(status.get("containerStatuses") or []):
            restarts += int(c.get("restartCount") or 0)
            state = c.get("state") or {}
            term, wait = state.get("terminated"), state.get("waiting")
            if wait and wait.get("reason"):
                reason = wait["reason"]
            elif term and term.get("reason"):
                reason = term["reason"]
            elif term:
                reason = f"ExitCode:{term.get('exitCode')}"
            elif c.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            ready_cond = any(
                x.get("type") == "Ready" and x.get("status") == "True"
                for x in status.get("conditions") or []
            )
            reason = "Running" if ready_cond else "NotReady"
    m = pod.get("metadata") or {}
    if m.get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    ips = status.get("podIPs") or []
    gates = spec.get("readinessGates") or []
    gates_cell = "<none>"
    if gates:
        conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        true = sum(1 for g in gates if conds.get(g.get("conditionType")) == "True")
        gates_cell = f"{true}/{len(gates)}"
    return [
        m.get("name", ""),
        f"{ready}/{total}",
        reason,
        str(restarts),
        age(m.get("creationTimestamp")),
        (ips[0].get("ip") if ips else "") or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gates_cell,
    ]


def node_roles(labels: dict[str, str]) -> str:
    roles = set()
    for key, value in labels.items():
        if key.startswith(ROLE_PREFIX) and key[len(ROLE_PREFIX) :]:
            roles.add(key[len(ROLE_PREFIX) :])
        elif key == ROLE_LABEL and value:
            roles.add(value)
    return ",".join(sorted(roles)) or "<none>"


def node_row(node: JsonObj) -> list[Cell]:
    m, spec, status = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    states = [
        "Unknown" if ready is None else "Ready" if ready.get("status") == "True" else "NotReady"
    ]
    if spec.get("unschedulable"):
        states.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}

    def address(kind: str) -> str:
        return next(
            (a["address"] for a in status.get("addresses") or [] if a.get("type") == kind), "<none>"
        )

    return [
        m.get("name", ""),
        ",".join(states),
        node_roles(m.get("labels") or {}),
        age(m.get("creationTimestamp")),
        info.get("kubeletVersion", ""),
        address("InternalIP"),
        address("ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def service_external_ip(svc: JsonObj) -> str:
    spec = svc.get("spec") or {}
    external = list(spec.get("externalIPs") or [])
    kind = spec.get("type", "ClusterIP")
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        ingress = _get(svc, "status", "loadBalancer", "ingress") or []
        lb = [i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")]
        return ",".join([*lb, *external]) or "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName", ""))
    return "<unknown>"


def service_ports(ports: list[JsonObj]) -> str:
    pieces = []
    for p in ports:
        proto = p.get("protocol", "TCP")
        node = p.get("nodePort")
        pieces.append(f"{p.get('port')}:{node}/{proto}" if node else f"{p.get('port')}/{proto}")
    return ",".join(pieces) or "<none>"


def service_row(svc: JsonObj) -> list[Cell]:
    m, spec = svc.get("metadata") or {}, svc.get("spec") or {}
    return [
        m.get("name", ""),
        spec.get("type", "ClusterIP"),
        spec.get("clusterIP") or "<none>",
        service_external_ip(svc),
        service_ports(spec.get("ports") or []),
        age(m.get("creationTimestamp")),
        format_labels(spec.get("selector")),
    ]


def endpoints_cell(ep: JsonObj) -> str:
    listed: list[str] = []
    count = 0
    for subset in ep.get("subsets") or []:
        addresses = subset.get("addresses") or []
        ports = subset.get("ports") or []
        pairs = (
            [a["ip"] for a in addresses]
            if not ports
            else [f"{a['ip']}:{p['port']}" for p in ports for a in addresses]
        )
        for pair in pairs:
            if len(listed) < 3:
                listed.append(pair)
            count += 1
    if not ep.get("subsets"):
        return "<none>"
    text = ",".join(listed)
    return f"{text} + {count - 3} more..." if count > 3 else text


def endpoints_row(ep: JsonObj) -> list[Cell]:
    m = ep.get("metadata") or {}
    return [m.get("name", ""), endpoints_cell(ep), age(m.get("creationTimestamp"))]


def _more(items: list[str]) -> str:
    if not items:
        return "<unset>"
    text = ",".join(items[:3])
    return f"{text} + {len(items) - 3} more..." if len(items) > 3 else text


def slice_row(es: JsonObj) -> list[Cell]:
    m = es.get("metadata") or {}
    ports = [
        str(p["port"]) if p.get("port") is not None else (p.get("name") or "*")
        for p in es.get("ports") or []
    ]
    addresses = [a for e in es.get("endpoints") or [] for a in e.get("addresses") or []]
    return [
        m.get("name", ""),
        es.get("addressType", ""),
        _more(ports),
        _more(addresses),
        age(m.get("creationTimestamp")),
    ]


def deployment_row(d: JsonObj) -> list[Cell]:
    m, spec, status = d.get("metadata") or {}, d.get("spec") or {}, d.get("status") or {}
    names, images = _containers(_get(spec, "template", "spec") or {})
    return [
        m.get("name", ""),
        f"{int(status.get('readyReplicas') or 0)}/{int(spec.get('replicas', 1))}",
        int(status.get("updatedReplicas") or 0),
        int(status.get("availableReplicas") or 0),
        age(m.get("creationTimestamp")),
        names,
        images,
        format_selector(spec.get("selector")),
    ]


def replicaset_row(rs: JsonObj) -> list[Cell]:
    m, spec, status = rs.get("metadata") or {}, rs.get("spec") or {}, rs.get("status") or {}
    names, images = _containers(_get(spec, "template", "spec") or {})
    return [
        m.get("name", ""),
        int(spec.get("replicas", 1)),
        int(status.get("replicas") or 0),
        int(status.get("readyReplicas") or 0),
        age(m.get("creationTimestamp")),
        names,
        images,
        format_selector(spec.get("selector")),
    ]


def daemonset_row(ds: JsonObj) -> list[Cell]:
    m, spec, status = ds.get("metadata") or {}, ds.get("spec") or {}, ds.get("status") or {}
    tpl = _get(spec, "template", "spec") or {}
    names, images = _containers(tpl)
    return [
        m.get("name", ""),
        int(status.get("desiredNumberScheduled") or 0),
        int(status.get("currentNumberScheduled") or 0),
        int(status.get("numberReady") or 0),
        int(status.get("updatedNumberScheduled") or 0),
        int(status.get("numberAvailable") or 0),
        format_labels(tpl.get("nodeSelector")),
        age(m.get("creationTimestamp")),
        names,
        images,
        format_selector(spec.get("selector")),
    ]


def event_row(ev: JsonObj) -> list[Cell]:
    m, inv = ev.get("metadata") or {}, ev.get("involvedObject") or {}
    first = age(ev.get("firstTimestamp") or ev.get("eventTime"))
    last = age(ev.get("lastTimestamp")) if ev.get("lastTimestamp") else first
    kind = str(inv.get("kind", "")).lower()
    target = f"{kind}/{inv['name']}" if inv.get("name") else kind
    source = ev.get("source") or {}
    src = ", ".join(s for s in (source.get("component"), source.get("host")) if s)
    return [
        last,
        ev.get("type", ""),
        ev.get("reason", ""),
        target,
        inv.get("fieldPath", ""),
        src or ev.get("reportingComponent", ""),
        str(ev.get("message", "")).strip(),
        first,
        int(ev.get("count") or 1),
        m.get("name", ""),
    ]


def _simple(*cells: Callable[[JsonObj], Cell]) -> Row:
    def row(obj: JsonObj) -> list[Cell]:
        m = obj.get("metadata") or {}
        return [m.get("name", ""), *(c(obj) for c in cells), age(m.get("creationTimestamp"))]

    return row


NAME = Column("Name", format="name")
AGE = Column("Age")


def _cols(*main: Column, wide: tuple[str, ...] = ()) -> tuple[Column, ...]:
    """The columns, then the priority-1 ones `-o wide` adds."""
    return (*main, *(Column(n, priority=1) for n in wide))


# (group, kind) -> columns, row function
PRINTERS: dict[tuple[str, str], tuple[tuple[Column, ...], Row]] = {
    ("", "Pod"): (
        _cols(
            NAME,
            Column("Ready"),
            Column("Status"),
            Column("Restarts"),
            AGE,
            wide=("IP", "Node", "Nominated Node", "Readiness Gates"),
        ),
        pod_row,
    ),
    ("", "Node"): (
        _cols(
            NAME,
            Column("Status"),
            Column("Roles"),
            AGE,
            Column("Version"),
            wide=("Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"),
        ),
        node_row,
    ),
    ("", "Service"): (
        _cols(
            NAME,
            Column("Type"),
            Column("Cluster-IP"),
            Column("External-IP"),
            Column("Port(s)"),
            AGE,
            wide=("Selector",),
        ),
        service_row,
    ),
    ("", "Endpoints"): ((NAME, Column("Endpoints"), AGE), endpoints_row),
    ("", "Namespace"): (
        (NAME, Column("Status"), AGE),
        _simple(lambda o: _get(o, "status", "phase") or ""),
    ),
    ("", "ConfigMap"): (
        (NAME, Column("Data", "integer"), AGE),
        _simple(lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {})),
    ),
    ("", "Secret"): (
        (NAME, Column("Type"), Column("Data", "integer"), AGE),
        lambda o: [
            _get(o, "metadata", "name") or "",
            o.get("type", "Opaque"),
            len(o.get("data") or {}),
            age(_get(o, "metadata", "creationTimestamp")),
        ],
    ),
    ("", "ServiceAccount"): (
        (NAME, Column("Secrets", "integer"), AGE),
        _simple(lambda o: len(o.get("secrets") or [])),
    ),
    ("", "Event"): (
        (
            Column("Last Seen"),
            Column("Type"),
            Column("Reason"),
            Column("Object"),
            Column("Subobject", priority=1),
            Column("Source", priority=1),
            Column("Message"),
            Column("First Seen", priority=1),
            Column("Count", priority=1),
            Column("Name", priority=1, format="name"),
        ),
        event_row,
    ),
    ("discovery.k8s.io", "EndpointSlice"): (
        (NAME, Column("AddressType"), Column("Ports"), Column("Endpoints"), AGE),
        slice_row,
    ),
    ("apps", "Deployment"): (
        _cols(
            NAME,
            Column("Ready"),
            Column("Up-to-date"),
            Column("Available"),
            AGE,
            wide=("Containers", "Images", "Selector"),
        ),
        deployment_row,
    ),
    ("apps", "ReplicaSet"): (
        _cols(
            NAME,
            Column("Desired", "integer"),
            Column("Current", "integer"),
            Column("Ready", "integer"),
            AGE,
            wide=("Containers", "Images", "Selector"),
        ),
        replicaset_row,
    ),
    ("apps", "DaemonSet"): (
        _cols(
            NAME,
            Column("Desired", "integer"),
            Column("Current", "integer"),
            Column("Ready", "integer"),
            Column("Up-to-date", "integer"),
            Column("Available", "integer"),
            Column("Node Selector"),
            AGE,
            wide=("Containers", "Images", "Selector"),
        ),
        daemonset_row,
    ),
}


def _default_printer() -> tuple[tuple[Column, ...], Row]:
    """The default table convertor: NAME and CREATED AT (RFC 3339)."""
    return (
        (NAME, Column("Created At", "date")),
        lambda o: [_get(o, "metadata", "name") or "", _get(o, "metadata", "creationTimestamp")],
    )


# ---- custom resources: additionalPrinterColumns --------------------------------------------


def jsonpath_simple(obj: Any, path: str) -> tuple[bool, Any]:
    """A `.a.b.c` JSONPath (what printer columns use): (found, value)."""
    cur = obj
    for part in [p for p in path.strip().lstrip("{").rstrip("}").split(".") if p]:
        if not isinstance(cur, dict) or part not in cur:
            return False, None
        cur = cur[part]
    return True, cur


def _json_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def crd_cell(column: JsonObj, obj: JsonObj) -> Cell:
    found, value = jsonpath_simple(obj, str(column.get("jsonPath", "")))
    if not found or value is None:
        return None
    kind = column.get("type", "string")
    if kind == "string":
        return _json_text(value)
    if kind == "date":
        return age(value)
    if kind == "integer":
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if kind == "number":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    return _json_text(value)


def crd_printer(columns: list[JsonObj]) -> tuple[tuple[Column, ...], Row]:
    """Name, then the version's additionalPrinterColumns (Age when it declares none)."""
    cols = columns or [{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
    defs = (
        NAME,
        *(
            Column(
                str(c.get("name")),
                str(c.get("type", "string")),
                int(c.get("priority", 0)),
                str(c.get("format", "")),
            )
            for c in cols
        ),
    )

    def row(obj: JsonObj) -> list[Cell]:
        return [_get(obj, "metadata", "name") or "", *(crd_cell(c, obj) for c in cols)]

    return defs, row


# ---- the Table ---------------------------------------------------------------------------


def printer_for(
    group: str, kind: str, crd_columns: list[JsonObj] | None
) -> tuple[tuple[Column, ...], Row]:
    if crd_columns is not None:
        return crd_printer(crd_columns)
    return PRINTERS.get((group, kind)) or _default_printer()


def _row_object(obj: JsonObj, include: str) -> JsonObj | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": META_API,
        "metadata": obj.get("metadata") or {},
    }


def as_table(
    printer: tuple[tuple[Column, ...], Row],
    objects: list[JsonObj],
    resource_version: str,
    include_object: str = "Metadata",
    headers: bool = True,
) -> JsonObj:
    columns, row = printer
    return {
        "kind": "Table",
        "apiVersion": META_API,
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [c.definition() for c in columns] if headers else None,
        "rows": [
            {"cells": row(o), "object": _row_object(o, include_object or "Metadata")}
            for o in objects
        ],
    }


def table_events(
    printer: tuple[tuple[Column, ...], Row], events: Iterator[JsonObj], include_object: str
) -> Iterator[JsonObj]:
    """A watch stream whose objects are one-row Tables (column definitions on the first)."""
    first = True
    for ev in events:
        obj = ev["object"]
        rv = str(_get(obj, "metadata", "resourceVersion") or "")
        yield {
            "type": ev["type"],
            "object": as_table(printer, [obj], rv, include_object, headers=first),
        }
        first = False
