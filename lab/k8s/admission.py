"""Defaulting and validation of built-in kinds (what the real server does before storing).

`admit(rt, obj, old, ctx)` fills defaults in place and raises a 422 Invalid Status listing every
problem found, as the real API server does.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from ipaddress import IPv4Address, ip_address
from typing import Any

from lab.k8s.catalog import ResourceType
from lab.k8s.cluster_info import ClusterInfo
from lab.k8s.crd_schema import validate_custom
from lab.k8s.status import invalid
from lab.k8s.store import JsonObj, Store
from lab.k8s.termination import unsupported_hooks

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAMES = {"Namespace", "Service"}
NODE_PORTS = range(30000, 32768)
Cause = tuple[str, str, str]


@dataclass
class Context:
    store: Store
    cluster: ClusterInfo


def _required(field: str) -> Cause:
    return ("FieldValueRequired", field, "Required value")


def _bad(field: str, value: object, why: str) -> Cause:
    return ("FieldValueInvalid", field, f"Invalid value: {_go(value)}: {why}")


def _go(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def _check_name(rt: ResourceType, name: str, causes: list[Cause]) -> None:
    if not name:
        causes.append(
            (
                "FieldValueRequired",
                "metadata.name",
                "Required value: name or generateName is required",
            )
        )
        return
    if rt.kind in LABEL_NAMES:
        if len(name) > 63 or not DNS_LABEL.match(name):
            causes.append(
                _bad(
                    "metadata.name",
                    name,
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                    "characters or '-', and must start and end with an alphanumeric character "
                    "(e.g. 'my-name',  or '123-abc', regex used for validation is "
                    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                )
            )
    elif rt.kind not in {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"} and (
        len(name) > 253 or not DNS_SUBDOMAIN.match(name)
    ):
        causes.append(
            _bad(
                "metadata.name",
                name,
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                "characters, '-' or '.', and must start and end with an alphanumeric character "
                "(e.g. 'example.com', regex used for validation is "
                "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            )
        )


def admit(rt: ResourceType, obj: JsonObj, old: JsonObj | None, ctx: Context) -> None:
    causes: list[Cause] = []
    m = obj.setdefault("metadata", {})
    _check_name(rt, str(m.get("name", "")), causes)
    for field in ("labels", "annotations"):
        for k, v in (m.get(field) or {}).items():
            if not isinstance(v, str):
                causes.append(_bad(f"metadata.{field}.{k}", v, "must be a string"))
    if rt.crd:
        causes += validate_custom(ctx.store, rt, obj)
    else:
        handler = _KINDS.get(rt.kind)
        if handler is not None:
            causes += handler(obj, old, ctx)
    if causes:
        raise invalid(rt.kind, str(m.get("name", "")), rt.group, causes)


# ---- per kind ------------------------------------------------------------------------------


def _namespace(obj: JsonObj, _old: JsonObj | None, _ctx: Context) -> list[Cause]:
    m = obj["metadata"]
    m.setdefault("labels", {})["kubernetes.io/metadata.name"] = m["name"]
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")
    return []


def _secret(obj: JsonObj, old: JsonObj | None, _ctx: Context) -> list[Cause]:
    causes: list[Cause] = []
    obj.setdefault("type", "Opaque")
    string_data = obj.pop("stringData", None) or {}
    data = obj.setdefault("data", {})
    for k, v in string_data.items():
        data[k] = base64.b64encode(str(v).encode()).decode()
    for k, v in data.items():
        try:
            base64.b64decode(str(v), validate=True)
        except (binascii.Error, ValueError):
            causes.append(_bad(f"data[{k}]", "", "illegal base64 data"))
    if not data:
        obj.pop("data")
    if old is not None and old.get("type") != obj.get("type"):
        causes.append(_bad("type", obj.get("type"), "field is immutable"))
    return causes


def _configmap(obj: JsonObj, _old: JsonObj | None, _ctx: Context) -> list[Cause]:
    return [
        _bad(f"data[{k}]", v, "must be a string")
        for k, v in (obj.get("data") or {}).items()
        if not isinstance(v, str)
    ]


def _pod_spec(spec: Any, field: str) -> list[Cause]:
    if not isinstance(spec, dict):
        return [_required(field)]
    causes: list[Cause] = []
    containers = spec.get("containers")
    if not containers:
        causes.append(_required(f"{field}.containers"))
    for i, c in enumerate(containers or []):
        if not c.get("name"):
            causes.append(_required(f"{field}.containers[{i}].name"))
        if not c.get("image"):
            causes.append(_required(f"{field}.containers[{i}].image"))
        for port in c.get("ports") or []:
            port.setdefault("protocol", "TCP")
        c.setdefault(
            "imagePullPolicy",
            "Always"
            if str(c.get("image", "")).endswith(":latest") or ":" not in str(c.get("image", ""))
            else "IfNotPresent",
        )
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        c.setdefault("resources", {})
    for i, why in unsupported_hooks(spec):
        causes.append(_bad(f"{field}.containers[{i}].lifecycle.preStop", "preStop", why))
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    return causes


def _pod(obj: JsonObj, _old: JsonObj | None, _ctx: Context) -> list[Cause]:
    spec = obj.get("spec")
    causes = _pod_spec(spec, "spec")
    if isinstance(spec, dict):
        spec.setdefault("serviceAccountName", "default")
        spec.setdefault("serviceAccount", spec["serviceAccountName"])
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("priority", 0)
    obj.setdefault("status", {}).setdefault("phase", "Pending")
    obj["status"].setdefault("qosClass", "BestEffort")
    return causes


def _workload(obj: JsonObj, old: JsonObj | None, _ctx: Context) -> list[Cause]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [_required("spec")]
    causes: list[Cause] = []
    selector = spec.get("selector")
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    if not selector:
        causes.append(_required("spec.selector"))
    else:
        from lab.k8s.selectors import selector_object_matcher

        if not selector_object_matcher(selector)(labels):
            causes.append(
                _bad(
                    "spec.template.metadata.labels",
                    labels,
                    "`selector` does not match template `labels`",
                )
            )
    if old is not None and (old.get("spec") or {}).get("selector") != selector:
        causes.append(_bad("spec.selector", selector, "field is immutable"))
    causes += _pod_spec(template.get("spec"), "spec.template.spec")
    kind = obj.get("kind")
    spec.setdefault("revisionHistoryLimit", 10)
    if kind == "Deployment":
        spec.setdefault("replicas", 1)
        spec.setdefault("progressDeadlineSeconds", 600)
        spec.setdefault(
            "strategy",
            {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
        )
    elif kind == "DaemonSet":
        spec.setdefault(
            "updateStrategy",
            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
        )
    elif kind == "ReplicaSet":
        spec.setdefault("replicas", 1)
        spec.pop("revisionHistoryLimit", None)
    obj.setdefault("status", {})
    return causes


def _used_cluster_ips(ctx: Context) -> set[str]:
    return {str(s.get("spec", {}).get("clusterIP")) for s in ctx.store.list(("", "services"))}


def _used_node_ports(ctx: Context) -> set[int]:
    return {
        int(p["nodePort"])
        for s in ctx.store.list(("", "services"))
        for p in s.get("spec", {}).get("ports") or []
        if "nodePort" in p
    }


def _allocate_cluster_ip(ctx: Context, name: str, namespace: str) -> str:
    net = ctx.cluster.service_network
    if (name, namespace) == ("kubernetes", "default"):
        return str(ctx.cluster.kubernetes_service_ip)
    used = _used_cluster_ips(ctx)
    for host in list(net.hosts())[9:] + list(net.hosts())[1:9]:
        if str(host) not in used:
            return str(host)
    raise invalid("Service", name, "", [("FieldValueInvalid", "spec.clusterIPs", "range is full")])


def _service(obj: JsonObj, old: JsonObj | None, ctx: Context) -> list[Cause]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [_required("spec.ports")]
    causes: list[Cause] = []
    kind = spec.setdefault("type", "ClusterIP")
    if kind not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        causes.append(
            (
                "FieldValueNotSupported",
                "spec.type",
                f'Unsupported value: "{kind}": supported values: "ClusterIP", "ExternalName", '
                '"LoadBalancer", "NodePort"',
            )
        )
    ports = spec.get("ports") or []
    if not ports and kind != "ExternalName":
        causes.append(_required("spec.ports"))
    names = [p.get("name") for p in ports]
    for i, p in enumerate(ports):
        port = p.get("port")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            causes.append(
                _bad(f"spec.ports[{i}].port", port, "must be between 1 and 65535, inclusive")
            )
        if len(ports) > 1 and not p.get("name"):
            causes.append(_required(f"spec.ports[{i}].name"))
        elif p.get("name") and names.count(p.get("name")) > 1:
            causes.append(
                (
                    "FieldValueDuplicate",
                    f"spec.ports[{i}].name",
                    f'Duplicate value: "{p.get("name")}"',
                )
            )
        p.setdefault("protocol", "TCP")
        p.setdefault("targetPort", port)
    lb_ip = spec.get("loadBalancerIP")
    if lb_ip:
        try:
            IPv4Address(str(lb_ip))
        except ValueError:
            causes.append(_bad("spec.loadBalancerIP", lb_ip, "must be a valid IP address"))
    old_spec = (old or {}).get("spec") or {}
    if kind != "ExternalName":
        ip = spec.get("clusterIP") or old_spec.get("clusterIP")
        if old_spec.get("clusterIP") and spec.get("clusterIP") not in (None, old_spec["clusterIP"]):
            causes.append(
                _bad("spec.clusterIPs[0]", spec.get("clusterIP"), "may not change once set")
            )
        elif not ip:
            m = obj["metadata"]
            ip = _allocate_cluster_ip(ctx, m["name"], m.get("namespace", ""))
        elif ip != "None":
            try:
                if ip_address(ip) not in ctx.cluster.service_network:
                    causes.append(
                        _bad(
                            "spec.clusterIPs",
                            ip,
                            "provided IP is not in the valid range. The range of valid IPs is "
                            f"{ctx.cluster.service_cidr}",
                        )
                    )
            except ValueError:
                causes.append(_bad("spec.clusterIPs[0]", ip, "must be a valid IP address"))
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("sessionAffinity", "None")
    if kind in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
        if spec["externalTrafficPolicy"] not in ("Cluster", "Local"):
            causes.append(
                (
                    "FieldValueNotSupported",
                    "spec.externalTrafficPolicy",
                    f'Unsupported value: "{spec["externalTrafficPolicy"]}": supported values: '
                    '"Cluster", "Local"',
                )
            )
        used = _used_node_ports(ctx)
        old_ports = {
            (p.get("port"), p.get("protocol")): p.get("nodePort")
            for p in old_spec.get("ports") or []
        }
        for p in ports:
            if "nodePort" not in p:
                keep = old_ports.get((p.get("port"), p.get("protocol")))
                p["nodePort"] = keep or next(n for n in NODE_PORTS if n not in used)
                used.add(p["nodePort"])
        if kind == "LoadBalancer" and spec["externalTrafficPolicy"] == "Local":
            spec.setdefault(
                "healthCheckNodePort",
                old_spec.get("healthCheckNodePort") or next(n for n in NODE_PORTS if n not in used),
            )
    else:
        for p in ports:
            p.pop("nodePort", None)
        spec.pop("externalTrafficPolicy", None)
    obj.setdefault("status", {}).setdefault("loadBalancer", {})
    return causes


def _crd(obj: JsonObj, _old: JsonObj | None, _ctx: Context) -> list[Cause]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [_required("spec")]
    causes: list[Cause] = []
    names = spec.get("names") or {}
    group = spec.get("group")
    if not group:
        causes.append(_required("spec.group"))
    if not names.get("plural"):
        causes.append(_required("spec.names.plural"))
    if not names.get("kind"):
        causes.append(_required("spec.names.kind"))
    expected = f"{names.get('plural')}.{group}"
    if obj["metadata"].get("name") != expected:
        causes.append(
            _bad(
                "metadata.name",
                obj["metadata"].get("name"),
                'must be spec.names.plural+"."+spec.group',
            )
        )
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(
            (
                "FieldValueNotSupported",
                "spec.scope",
                f'Unsupported value: "{spec.get("scope")}": supported values: "Cluster", '
                '"Namespaced"',
            )
        )
    versions = spec.get("versions") or []
    if not versions:
        causes.append(_required("spec.versions"))
    elif sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(
            _bad(
                "spec.versions",
                versions and [v.get("name") for v in versions],
                "must have exactly one version marked as storage version",
            )
        )
    names.setdefault("singular", str(names.get("kind", "")).lower())
    names.setdefault("listKind", f"{names.get('kind')}List")
    obj.setdefault("status", {})
    return causes


_KINDS = {
    "Namespace": _namespace,
    "Secret": _secret,
    "ConfigMap": _configmap,
    "Pod": _pod,
    "Deployment": _workload,
    "DaemonSet": _workload,
    "ReplicaSet": _workload,
    "StatefulSet": _workload,
    "Service": _service,
    "CustomResourceDefinition": _crd,
}
