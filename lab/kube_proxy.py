"""kube-proxy's data path on a twin node, with the real kernel (nftables), and the pods' network.

Reconciled from Services, EndpointSlices and Pods as kube-proxy (nftables mode) does:
- a Service's LoadBalancer IPs and cluster IP, port -> DNAT to an endpoint's targetPort, the
  endpoint picked at random (`numgen random`); NodePorts on every local address;
- externalTrafficPolicy Cluster: any ready endpoint, the traffic masqueraded to the node's
  address (SNAT), so the pod answers the node and the node answers the client;
- externalTrafficPolicy Local: only the node's own ready endpoints, client address kept; a node
  without one drops the traffic;
- healthCheckNodePort (Local): answered by the node (lab.http_backend), 200 while a local
  endpoint is ready, 503 otherwise, with kube-proxy's JSON.
The pod network (what the CNI does): each running pod's IP on the node's `kube-pods` bridge
(as a CNI's cni0), a /32 route to every other node's pods via that node; and the pods' HTTP servers,
which the node's lab.http_backend runs from `<state>/pods/<node>.json` (each names its pod, its
node and the node the request came through).

    plan = plan_node("worker01", cluster)   # pure: what the node should hold
    render_ruleset(plan)                   # pure: the nft script
    apply_plan("bgplab-worker01", plan, pods_file)   # I/O, idempotent
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lab.netns import IP, ip_json, link_exists, run

TABLE = "kube-proxy"
POD_LINK = "kube-pods"
ROUTE_PROTO = "250"  # marks the pod routes this module owns
MASQ_MARK = "0x4000"
NFT = "nft"
JsonObj = dict[str, Any]


@dataclass(frozen=True, order=True)
class Endpoint:
    ip: str
    port: int
    node: str
    pod: str
    namespace: str


@dataclass(frozen=True, order=True)
class PortRule:
    """One Service port: where it is reached and the ready endpoints behind it."""

    service: str  # namespace/name
    name: str
    protocol: str
    port: int
    node_port: int | None
    cluster_ip: str | None
    lb_ips: tuple[str, ...]
    local: bool  # externalTrafficPolicy Local
    endpoints: tuple[Endpoint, ...]  # ready ones, all nodes


@dataclass(frozen=True, order=True)
class HealthCheck:
    port: int
    namespace: str
    name: str
    local_endpoints: int


@dataclass(frozen=True)
class NodePlan:
    """Everything a node's data path holds; equal plans mean nothing to do."""

    node: str
    address: str
    proxy: bool  # a kube-proxy pod runs on the node
    rules: tuple[PortRule, ...] = ()
    health: tuple[HealthCheck, ...] = ()
    local_pods: tuple[str, ...] = ()  # pod IPs on this node
    remote_pods: tuple[tuple[str, str], ...] = ()  # (pod IP, node address)
    backends: tuple[Endpoint, ...] = ()  # pod servers this node runs
    nodes: tuple[tuple[str, str], ...] = field(default=())  # (name, address) of every node

    def to_json(self) -> JsonObj:
        return asdict(self)


# ---- the plan (pure) ------------------------------------------------------------------------


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _ready(pod: JsonObj) -> bool:
    conds = _get(pod, "status", "conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conds)


def node_addresses(nodes: list[JsonObj]) -> dict[str, str]:
    out = {}
    for n in nodes:
        for a in _get(n, "status", "addresses") or []:
            if a.get("type") == "InternalIP":
                out[n["metadata"]["name"]] = a["address"]
    return out


def proxy_nodes(pods: list[JsonObj]) -> set[str]:
    """Nodes where a kube-proxy pod (kube-system, k8s-app=kube-proxy) is ready."""
    return {
        str(_get(p, "spec", "nodeName"))
        for p in pods
        if _get(p, "metadata", "namespace") == "kube-system"
        and (_get(p, "metadata", "labels") or {}).get("k8s-app") == "kube-proxy"
        and _ready(p)
    }


def _slice_endpoints(slices: list[JsonObj], svc: JsonObj) -> dict[str, list[Endpoint]]:
    """port name -> ready endpoints, from the Service's EndpointSlices."""
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    out: dict[str, list[Endpoint]] = {}
    for es in slices:
        labels = _get(es, "metadata", "labels") or {}
        if (
            _get(es, "metadata", "namespace") != ns
            or labels.get("kubernetes.io/service-name") != name
        ):
            continue
        for port in es.get("ports") or []:
            if port.get("port") is None or port.get("protocol", "TCP") != "TCP":
                continue
            for ep in es.get("endpoints") or []:
                if not _get(ep, "conditions", "ready"):
                    continue
                ref = ep.get("targetRef") or {}
                for ip in ep.get("addresses") or []:
                    out.setdefault(str(port.get("name") or ""), []).append(
                        Endpoint(
                            ip,
                            int(port["port"]),
                            str(ep.get("nodeName", "")),
                            str(ref.get("name", "")),
                            str(ref.get("namespace", ns)),
                        )
                    )
    return out


def port_rules(services: list[JsonObj], slices: list[JsonObj]) -> list[PortRule]:
    out = []
    for svc in services:
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName":
            continue
        by_port = _slice_endpoints(slices, svc)
        cluster_ip = spec.get("clusterIP")
        lb_ips = tuple(
            sorted(
                i["ip"] for i in _get(svc, "status", "loadBalancer", "ingress") or [] if i.get("ip")
            )
        )
        for p in spec.get("ports") or []:
            if p.get("protocol", "TCP") != "TCP":
                continue
            out.append(
                PortRule(
                    service=f"{svc['metadata']['namespace']}/{svc['metadata']['name']}",
                    name=str(p.get("name") or ""),
                    protocol="tcp",
                    port=int(p["port"]),
                    node_port=int(p["nodePort"]) if p.get("nodePort") else None,
                    cluster_ip=cluster_ip if cluster_ip not in (None, "", "None") else None,
                    lb_ips=lb_ips if spec.get("type") == "LoadBalancer" else (),
                    local=spec.get("externalTrafficPolicy") == "Local",
                    endpoints=tuple(sorted(set(by_port.get(str(p.get("name") or ""), [])))),
                )
            )
    return sorted(out)


def _terminating_servers(node: str, running: list[JsonObj]) -> set[Endpoint]:
    """The servers of this node's terminating pods: they answer what was already sent to them
    (a connection another node's kube-proxy DNATed before it dropped the endpoint) until their
    preStop hook is over."""
    return {
        Endpoint(
            p["status"]["podIP"],
            int(port["containerPort"]),
            node,
            p["metadata"]["name"],
            p["metadata"]["namespace"],
        )
        for p in running
        if p["spec"].get("nodeName") == node and _get(p, "metadata", "deletionTimestamp")
        for c in p["spec"].get("containers") or []
        for port in c.get("ports") or []
        if port.get("containerPort") and port.get("protocol", "TCP") == "TCP"
    }


def plan_node(
    node: str,
    nodes: list[JsonObj],
    services: list[JsonObj],
    slices: list[JsonObj],
    pods: list[JsonObj],
) -> NodePlan:
    addresses = node_addresses(nodes)
    address = addresses.get(node, "")
    node_ips = set(addresses.values())
    # a terminating pod still runs (its preStop hook) until the kubelet removes it: it keeps
    # its address, its route and its server, though no Service sends it anything new
    running = [
        p
        for p in pods
        if _get(p, "status", "podIP")
        and not _get(p, "spec", "hostNetwork")
        and _get(p, "status", "phase") == "Running"
    ]
    local_pods = tuple(
        sorted(p["status"]["podIP"] for p in running if p["spec"].get("nodeName") == node)
    )
    remote = tuple(
        sorted(
            (p["status"]["podIP"], addresses[p["spec"]["nodeName"]])
            for p in running
            if p["spec"].get("nodeName") not in (node, None) and p["spec"]["nodeName"] in addresses
        )
    )
    if node not in proxy_nodes(pods):
        return NodePlan(node, address, False, local_pods=local_pods, remote_pods=remote)
    rules = tuple(port_rules(services, slices))
    health = []
    for svc in services:
        hc = _get(svc, "spec", "healthCheckNodePort")
        if hc and _get(svc, "spec", "externalTrafficPolicy") == "Local":
            key = f"{svc['metadata']['namespace']}/{svc['metadata']['name']}"
            local = {e.ip for r in rules if r.service == key for e in r.endpoints if e.node == node}
            health.append(
                HealthCheck(
                    int(hc), svc["metadata"]["namespace"], svc["metadata"]["name"], len(local)
                )
            )
    backends = tuple(
        sorted(
            {
                e
                for r in rules
                for e in r.endpoints
                if e.node == node and e.ip not in node_ips and e.ip in local_pods
            }
            | _terminating_servers(node, running)
        )
    )
    return NodePlan(
        node,
        address,
        True,
        rules,
        tuple(sorted(health)),
        local_pods,
        remote,
        backends,
        tuple(sorted(addresses.items())),
    )


# ---- the nft script (pure) ----------------------------------------------------------------


def _chain(kind: str, rule: PortRule, extra: str = "") -> str:
    digest = hashlib.sha256(f"{rule.service}/{rule.name}/{rule.port}".encode()).hexdigest()[:8]
    ns, name = rule.service.split("/")
    return f"{kind}-{digest}-{ns}-{name}-{rule.port}{extra}"


def _endpoint_chain(rule: PortRule, ep: Endpoint) -> str:
    digest = hashlib.sha256(f"{rule.service}/{rule.port}/{ep.ip}:{ep.port}".encode()).hexdigest()
    return f"endpoint-{digest[:8]}-{ep.ip}-{ep.port}"


def _pick(chains: list[str]) -> str:
    if len(chains) == 1:
        return f"goto {chains[0]}"
    entries = ", ".join(f"{i} : goto {c}" for i, c in enumerate(chains))
    return f"numgen random mod {len(chains)} vmap {{ {entries} }}"


def render_ruleset(plan: NodePlan) -> str:
    """`nft -f` input replacing table ip kube-proxy in one transaction."""
    head = [f"add table ip {TABLE}", f"delete table ip {TABLE}"]
    if not plan.proxy:
        return "\n".join(head) + "\n"
    body: list[str] = []
    chains: dict[str, list[str]] = {}
    services: list[str] = []
    nodeports: list[str] = []
    for rule in plan.rules:
        svc_chain = _chain("service", rule)
        ext_chain = _chain("external", rule)
        eps = list(rule.endpoints)
        local_eps = [e for e in eps if e.node == plan.node]
        ep_chains = []
        for ep in eps:
            ec = _endpoint_chain(rule, ep)
            chains[ec] = [
                f"ip saddr {ep.ip} jump mark-for-masquerade",
                f"meta l4proto tcp dnat to {ep.ip}:{ep.port}",
            ]
            ep_chains.append(ec)
        chains[svc_chain] = [_pick(ep_chains)] if ep_chains else ["reject"]
        if rule.local:
            local_chain = _chain("local", rule)
            picks = [_endpoint_chain(rule, e) for e in local_eps]
            chains[local_chain] = [_pick(picks)] if picks else ["drop"]
            chains[ext_chain] = [f"goto {local_chain}"]
        else:
            chains[ext_chain] = ["jump mark-for-masquerade", f"goto {svc_chain}"]
        if rule.cluster_ip:
            services.append(f"ip daddr {rule.cluster_ip} tcp dport {rule.port} goto {svc_chain}")
        for ip in rule.lb_ips:
            services.append(f"ip daddr {ip} tcp dport {rule.port} goto {ext_chain}")
        if rule.node_port:
            nodeports.append(f"tcp dport {rule.node_port} goto {ext_chain}")
    chains["mark-for-masquerade"] = [f"meta mark set meta mark | {MASQ_MARK}"]
    chains["services"] = [
        *services,
        *(["ip daddr != 127.0.0.0/8 fib daddr type local jump nodeports"] if nodeports else []),
    ]
    if nodeports:
        chains["nodeports"] = nodeports
    body.append(f"table ip {TABLE} {{")
    body += [
        "  chain nat-prerouting {",
        "    type nat hook prerouting priority dstnat; policy accept;",
        "    jump services",
        "  }",
        "  chain nat-output {",
        "    type nat hook output priority -100; policy accept;",
        "    jump services",
        "  }",
        "  chain nat-postrouting {",
        "    type nat hook postrouting priority srcnat; policy accept;",
        f"    meta mark & {MASQ_MARK} == {MASQ_MARK} masquerade fully-random",
        "  }",
        "  chain nat-input {",
        "    type nat hook input priority 100; policy accept;",
        f"    meta mark & {MASQ_MARK} == {MASQ_MARK} snat to {plan.address}",
        "  }",
    ]
    for name, lines in chains.items():
        body.append(f"  chain {name} {{")
        body += [f"    {line}" for line in lines]
        body.append("  }")
    body.append("}")
    return "\n".join(head + body) + "\n"


def pods_document(plan: NodePlan) -> JsonObj:
    """What the node's lab.http_backend serves: its pods' servers and the health checks."""
    return {
        "node": plan.node,
        "nodes": dict(plan.nodes),
        "pods": [asdict(e) for e in plan.backends],
        "health": [asdict(h) for h in plan.health],
    }


# ---- applying it (I/O) ---------------------------------------------------------------------


def pods_file(state_root: Path, node: str) -> Path:
    return state_root / "pods" / f"{node}.json"


def _write(path: Path, doc: JsonObj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True))
    os.replace(tmp, path)


def _addresses(ns: str) -> set[str]:
    if not link_exists(POD_LINK, ns):
        run([IP, "-n", ns, "link", "add", POD_LINK, "type", "bridge"])
        run([IP, "-n", ns, "link", "set", POD_LINK, "up"])
    have: set[str] = set()
    for link in ip_json(ns, ["-4", "addr", "show", "dev", POD_LINK]):
        infos = link.get("addr_info", [])
        assert isinstance(infos, list)
        have |= {str(info["local"]) for info in infos}
    return have


def _routes(ns: str) -> dict[str, str]:
    return {
        str(r["dst"]).split("/")[0]: str(r.get("gateway", ""))
        for r in ip_json(ns, ["-4", "route", "show", "proto", ROUTE_PROTO])
    }


def _check(ns: str) -> None:
    if not ns.startswith("bgplab-"):
        raise ValueError(f"refusing namespace {ns!r} (not bgplab-*)")


def add_pod_network(ns: str, plan: NodePlan) -> tuple[set[str], set[str]]:
    """The plan's new pod addresses and routes, nothing removed (a CNI ADD: a pod's network is
    there before its container runs, so before any endpoint names it). Returns the pod
    addresses and the routed pod IPs the node held before, read once."""
    _check(ns)
    run([IP, "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
    have_addrs, have_routes = _addresses(ns), _routes(ns)
    for ip in sorted(set(plan.local_pods) - have_addrs):
        run([IP, "-n", ns, "addr", "add", f"{ip}/32", "dev", POD_LINK])
    for ip, via in sorted(plan.remote_pods):
        if have_routes.get(ip) != via:
            run([IP, "-n", ns, "route", "replace", f"{ip}/32", "via", via, "proto", ROUTE_PROTO])
    return have_addrs, set(have_routes)


def apply_plan(ns: str, plan: NodePlan, pods_path: Path) -> None:
    """Make node namespace `ns` hold `plan` (idempotent).

    In the order that never sends a packet into nothing: new pods' addresses and routes first
    (LabDataPath adds them on every node before any node's rules change), then the rules (DNAT
    to the endpoints of now, new pods served), and only then the addresses and routes of pods
    that are gone. Rules updated after a route was removed would, for that instant, DNAT a new
    connection to a pod the node no longer routes to: its default route takes it to the
    router, which answers "network unreachable" (seen on the twin, a failed request during a
    drain)."""
    have_addrs, have_routes = add_pod_network(ns, plan)
    run([IP, "netns", "exec", ns, NFT, "-f", "-"], stdin=render_ruleset(plan))
    _write(pods_path, pods_document(plan))
    for ip in sorted(have_routes - {ip for ip, _ in plan.remote_pods}):
        run([IP, "-n", ns, "route", "del", f"{ip}/32", "proto", ROUTE_PROTO], check=False)
    for ip in sorted(have_addrs - set(plan.local_pods)):
        run([IP, "-n", ns, "addr", "del", f"{ip}/32", "dev", POD_LINK], check=False)


def ruleset(ns: str) -> str:
    """The node's kube-proxy table as nft lists it (tests, status)."""
    return run([IP, "netns", "exec", ns, NFT, "list", "table", "ip", TABLE], check=False)
