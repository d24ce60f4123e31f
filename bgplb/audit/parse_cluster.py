"""Pure readers of Kubernetes API objects (JSON form, as the API server sends them) into a
ClusterObservation. MetalLB's two configuration dialects are read into one MetallbConfig.

The input is one mapping of recorded API answers:
  nodes, pods (metallb-system), services, endpointslices: `{"items": [...]}` lists;
  configmap: the `metallb-system/config` ConfigMap or None (ConfigMap dialect);
  ipaddresspools, bgpadvertisements, bgppeers: custom-object lists (CRD dialect).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from ipaddress import AddressValueError, IPv4Address, IPv4Network, summarize_address_range
from typing import Any, Literal, cast

import yaml

from bgplb.audit.observations import (
    BgpAdvertisement,
    ClusterObservation,
    LabelSelector,
    MetallbConfig,
    MetallbPeer,
    MetallbPod,
    MetallbPool,
    NodeObservation,
    SelectorRequirement,
    ServiceObservation,
)
from bgplb.errors import ParseError

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
LB_IPS_ANNOTATIONS = ("metallb.universe.tf/loadBalancerIPs", "metallb.io/loadBalancerIPs")
_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _items(doc: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise ParseError(what, "expected a list object with `items`", str(doc)[:200])
    return cast(list[dict[str, Any]], doc["items"])


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    return cast(dict[str, Any], obj.get("metadata") or {})


def _condition_true(obj: Mapping[str, Any], kind: str) -> bool:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _when(text: Any) -> datetime | None:
    """An RFC 3339 time as the API writes it (`2026-12-06T04:00:00.123456Z`); None if not."""
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def lease_ages(leases: Any, now: Any) -> dict[str, float]:
    """Node name -> seconds since its kube-node-lease Lease was renewed (`spec.renewTime`),
    measured against `now` (the gather's time, RFC 3339). Empty when either is missing."""
    at = _when(now)
    if leases is None or at is None:
        return {}
    out: dict[str, float] = {}
    for lease in _items(leases, "leases"):
        renewed = _when((lease.get("spec") or {}).get("renewTime"))
        if renewed is not None:
            out[_meta(lease)["name"]] = max(0.0, (at - renewed).total_seconds())
    return out


def parse_nodes(doc: Any, ages: Mapping[str, float] | None = None) -> tuple[NodeObservation, ...]:
    out = []
    for node in _items(doc, "nodes"):
        addresses = (node.get("status") or {}).get("addresses") or []
        internal = next((a["address"] for a in addresses if a.get("type") == "InternalIP"), None)
        out.append(
            NodeObservation(
                name=_meta(node)["name"],
                address=IPv4Address(internal) if internal else None,
                labels=dict(_meta(node).get("labels") or {}),
                ready=_condition_true(node, "Ready"),
                unschedulable=bool((node.get("spec") or {}).get("unschedulable")),
                lease_age_s=(ages or {}).get(_meta(node)["name"]),
            )
        )
    return tuple(sorted(out, key=lambda n: n.name))


def parse_metallb_pods(doc: Any) -> tuple[MetallbPod, ...]:
    out = []
    for pod in _items(doc, "pods"):
        component = (_meta(pod).get("labels") or {}).get("component")
        if component not in ("speaker", "controller"):
            continue
        containers = (pod.get("spec") or {}).get("containers") or []
        main = next((c for c in containers if c.get("name") == component), None)
        main = main or (containers[0] if containers else {})
        phase = (pod.get("status") or {}).get("phase")
        out.append(
            MetallbPod(
                name=_meta(pod)["name"],
                component=component,
                node=(pod.get("spec") or {}).get("nodeName"),
                ready=phase == "Running" and _condition_true(pod, "Ready"),
                image=str(main.get("image", "")),
                args=tuple(str(a) for a in main.get("args") or ()),
            )
        )
    return tuple(sorted(out, key=lambda p: (p.component, p.node or "", p.name)))


# ---------------------------------------------------------------- MetalLB config


def _networks(entries: Iterable[str], what: str) -> tuple[IPv4Network, ...]:
    """CIDRs and `first-last` ranges, as both dialects accept them."""
    nets: list[IPv4Network] = []
    for entry in entries:
        try:
            if "-" in entry and "/" not in entry:
                first, last = (IPv4Address(x.strip()) for x in entry.split("-", 1))
                nets.extend(summarize_address_range(first, last))
            else:
                nets.append(IPv4Network(entry.strip(), strict=False))
        except (ValueError, TypeError, AddressValueError) as exc:
            raise ParseError(what, f"address {entry!r}: {exc}") from exc
    return tuple(nets)


def _selector(doc: Mapping[str, Any] | None, kebab: bool = False) -> LabelSelector:
    doc = doc or {}
    labels_key, exprs_key = (
        ("match-labels", "match-expressions") if kebab else ("matchLabels", "matchExpressions")
    )
    exprs = []
    for e in doc.get(exprs_key) or ():
        op = e.get("operator")
        if op not in _OPERATORS:
            raise ParseError("node selector", f"unknown operator {op!r}")
        exprs.append(SelectorRequirement(str(e["key"]), op, tuple(e.get("values") or ())))
    return LabelSelector(dict(doc.get(labels_key) or {}), tuple(exprs))


def _selectors(docs: Any, kebab: bool = False) -> tuple[LabelSelector, ...]:
    return tuple(_selector(d, kebab) for d in docs or ())


def parse_configmap_config(configmap: Mapping[str, Any]) -> MetallbConfig:
    """MetalLB up to 0.12: ConfigMap metallb-system/config, key `config` (YAML)."""
    text = (configmap.get("data") or {}).get("config")
    if not isinstance(text, str):
        raise ParseError("ConfigMap metallb-system/config", "no `config` key in data")
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ParseError("ConfigMap metallb-system/config", f"not YAML: {exc}", text) from exc
    try:
        peers = tuple(
            MetallbPeer(
                name=f"peer{i}",
                peer_address=IPv4Address(p["peer-address"]),
                peer_asn=int(p["peer-asn"]),
                my_asn=int(p["my-asn"]),
                node_selectors=_selectors(p.get("node-selectors"), kebab=True),
            )
            for i, p in enumerate(doc.get("peers") or ())
        )
        pools = tuple(
            MetallbPool(
                name=str(p["name"]),
                addresses=_networks(p.get("addresses") or (), f"address-pool {p['name']}"),
                protocol=str(p.get("protocol", "")),
            )
            for p in doc.get("address-pools") or ()
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ParseError("ConfigMap metallb-system/config", repr(exc), text) from exc
    # In this dialect every bgp pool is advertised to every peer from every node.
    adverts = tuple(BgpAdvertisement(name=p.name, pools=(p.name,)) for p in pools)
    return MetallbConfig("configmap", peers, pools, adverts)


def parse_crd_config(ipaddresspools: Any, bgpadvertisements: Any, bgppeers: Any) -> MetallbConfig:
    """MetalLB from 0.13: IPAddressPool, BGPAdvertisement, BGPPeer custom resources."""
    try:
        pools = tuple(
            MetallbPool(
                name=_meta(p)["name"],
                addresses=_networks(p["spec"].get("addresses") or (), "IPAddressPool"),
                labels=dict(_meta(p).get("labels") or {}),
            )
            for p in _items(ipaddresspools, "ipaddresspools")
        )
        adverts = tuple(
            BgpAdvertisement(
                name=_meta(a)["name"],
                pools=tuple((a.get("spec") or {}).get("ipAddressPools") or ()),
                pool_selectors=_selectors((a.get("spec") or {}).get("ipAddressPoolSelectors")),
                node_selectors=_selectors((a.get("spec") or {}).get("nodeSelectors")),
                peers=tuple((a.get("spec") or {}).get("peers") or ()),
            )
            for a in _items(bgpadvertisements, "bgpadvertisements")
        )
        peers = tuple(
            MetallbPeer(
                name=_meta(p)["name"],
                peer_address=IPv4Address(p["spec"]["peerAddress"]),
                peer_asn=int(p["spec"]["peerASN"]),
                my_asn=int(p["spec"]["myASN"]),
                node_selectors=_selectors(p["spec"].get("nodeSelectors")),
            )
            for p in _items(bgppeers, "bgppeers")
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ParseError("MetalLB custom resources", repr(exc)) from exc
    return MetallbConfig("crds", peers, pools, adverts)


# ---------------------------------------------------------------- services


def _ready_nodes_by_service(doc: Any) -> dict[tuple[str, str], frozenset[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for eps in _items(doc, "endpointslices"):
        meta = _meta(eps)
        svc = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if not svc:
            continue
        nodes = out.setdefault((meta.get("namespace", "default"), svc), set())
        for ep in eps.get("endpoints") or ():
            ready = (ep.get("conditions") or {}).get("ready")
            if ready is not False and ep.get("nodeName"):  # nil means ready (API doc)
                nodes.add(ep["nodeName"])
    return {k: frozenset(v) for k, v in out.items()}


def parse_services(services: Any, endpointslices: Any) -> tuple[ServiceObservation, ...]:
    ready = _ready_nodes_by_service(endpointslices)
    out = []
    for svc in _items(services, "services"):
        spec = svc.get("spec") or {}
        if spec.get("type") != "LoadBalancer":
            continue
        meta = _meta(svc)
        ns, name = meta.get("namespace", "default"), meta["name"]
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        requested = [spec["loadBalancerIP"]] if spec.get("loadBalancerIP") else []
        for key in LB_IPS_ANNOTATIONS:
            value = (meta.get("annotations") or {}).get(key)
            if value:
                requested += [v.strip() for v in value.split(",") if v.strip()]
        out.append(
            ServiceObservation(
                namespace=ns,
                name=name,
                ingress_ips=tuple(_v4s(i.get("ip") for i in ingress)),
                requested_ips=tuple(_v4s(requested)),
                external_traffic_policy=str(spec.get("externalTrafficPolicy") or "Cluster"),
                ports=tuple(int(p["port"]) for p in spec.get("ports") or ()),
                ready_endpoint_nodes=ready.get((ns, name), frozenset()),
            )
        )
    return tuple(sorted(out, key=lambda s: s.key))


def _v4s(values: Iterable[str | None]) -> list[IPv4Address]:
    out = []
    for v in values:
        if v and ":" not in v:  # IPv6 ingress is outside this audit's scope
            out.append(IPv4Address(v))
    return out


# ---------------------------------------------------------------- all together


def cluster_observation(raw: Mapping[str, Any]) -> ClusterObservation:
    """Read every recorded API answer; the MetalLB config may fail alone (config_error)."""
    config: MetallbConfig | None = None
    config_error: str | None = None
    dialect: Literal["configmap", "crds"] = raw.get("dialect", "configmap")
    try:
        if dialect == "configmap":
            if raw.get("configmap") is None:
                config_error = "ConfigMap metallb-system/config not found"
            else:
                config = parse_configmap_config(raw["configmap"])
        else:
            config = parse_crd_config(
                raw.get("ipaddresspools"), raw.get("bgpadvertisements"), raw.get("bgppeers")
            )
    except ParseError as exc:
        config_error = str(exc)
    return ClusterObservation(
        nodes=parse_nodes(raw.get("nodes"), lease_ages(raw.get("leases"), raw.get("now"))),
        pods=parse_metallb_pods(raw.get("pods")),
        config=config,
        config_error=config_error,
        services=parse_services(raw.get("services"), raw.get("endpointslices")),
    )
