"""Discovery documents: /version, /api, /api/v1, /apis, /apis/<group>[/<version>]."""

from __future__ import annotations

from lab.k8s.catalog import ResourceType, version_priority
from lab.k8s.cluster_info import ClusterInfo
from lab.k8s.registry import Registry
from lab.k8s.store import JsonObj

# subresource -> (kind, group, version, verbs)
SUBRESOURCES: dict[str, tuple[str | None, str | None, str | None, tuple[str, ...]]] = {
    "status": (None, None, None, ("get", "patch", "update")),
    "scale": ("Scale", "autoscaling", "v1", ("get", "patch", "update")),
    "log": ("Pod", None, None, ("get",)),
    "binding": ("Binding", None, None, ("create",)),
    "eviction": ("Eviction", "policy", "v1beta1", ("create",)),
    "finalize": (None, None, None, ("update",)),
    "proxy": ("ServiceProxyOptions", None, None, ("create", "delete", "get", "patch", "update")),
}


def version_info(cluster: ClusterInfo) -> JsonObj:
    major, minor = cluster.minor
    return {
        "major": str(major),
        "minor": str(minor),
        "gitVersion": f"v{cluster.version}",
        "gitCommit": "5e58841cce77d4bc13713ad2b91fa0d961e69192",
        "gitTreeState": "clean",
        "buildDate": "2021-05-12T14:12:29Z",
        "goVersion": "go1.16.4",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def _server_addresses(cluster: ClusterInfo) -> list[JsonObj]:
    return [
        {"clientCIDR": "0.0.0.0/0", "serverAddress": f"{cluster.advertise_address}:{cluster.port}"}
    ]


def api_versions(cluster: ClusterInfo) -> JsonObj:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": _server_addresses(cluster),
    }


def _group(name: str, versions: list[str]) -> JsonObj:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list(registry: Registry) -> JsonObj:
    groups = registry.groups()
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group(g, v) for g, v in groups.items()],
    }


def api_group(registry: Registry, group: str) -> JsonObj | None:
    versions = registry.groups().get(group)
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(group, versions)}


def _entry(rt: ResourceType) -> JsonObj:
    out: JsonObj = {
        "name": rt.plural,
        "singularName": rt.singular_name,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        out["shortNames"] = list(rt.short_names)
    if rt.categories:
        out["categories"] = list(rt.categories)
    return out


def _sub_entry(rt: ResourceType, sub: str) -> JsonObj:
    kind, group, version, verbs = SUBRESOURCES.get(sub, (None, None, None, ("get",)))
    out: JsonObj = {
        "name": f"{rt.plural}/{sub}",
        "singularName": "",
        "namespaced": rt.namespaced,
        "kind": kind or rt.kind,
        "verbs": list(verbs),
    }
    if group:
        out["group"], out["version"] = group, version
    return out


def resource_list(registry: Registry, group: str, version: str) -> JsonObj | None:
    rows = [t for t in registry.types() if t.group == group and t.version == version]
    if not rows:
        return None
    resources: list[JsonObj] = []
    for rt in rows:
        resources.append(_entry(rt))
        resources += [_sub_entry(rt, s) for s in rt.subresources]
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def preferred(versions: list[str]) -> str:
    return max(versions, key=version_priority)
