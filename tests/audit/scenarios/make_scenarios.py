"""Regenerate the recorded audit scenarios (router.json, cluster.json, probe.json, site.json).

    sudo .venv/bin/python tests/audit/scenarios/make_scenarios.py

Needs root: the `ip route get` answers are asked of a real kernel in a throwaway network
namespace (bgplb-auditcap-<pid>, two veth pairs, deleted on exit), so the per-flow next hops
are the kernel's own hashing, not a model of it. See README.md for what each file is made of.
expected.json is NOT written here: it is reviewed and kept by hand.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DRIVER_CAPTURES = REPO / "tests" / "fixtures" / "driver" / "captures" / "peers3"
sys.path.insert(0, str(REPO))

from bgplb.audit.parse_router import FlowSpec, plan_flows  # noqa: E402
from napalm_bgplb_vyos.parse_bgp_liveness import parse_bgp_liveness  # noqa: E402
from napalm_bgplb_vyos.parse_bgp_neighbors import (  # noqa: E402
    parse_bgp_neighbors,
    parse_bgp_neighbors_detail,
    summary_as_numbers,
)
from napalm_bgplb_vyos.parse_route import bgp_paths_by_prefix, parse_route_to  # noqa: E402

# FRR capture addresses -> the twin inventory's (inventory/lab/hosts.yaml)
ADDRESS_MAP = {
    "198.18.30.1": "198.18.30.254",
    "198.18.30.11": "198.18.30.50",
    "198.18.30.12": "198.18.30.60",
    "198.18.30.13": "198.18.30.61",
    "dcr-eth1": "eth1",
    "drvcap-r": "vyos",
    "drvcap-node1": "master01",
    "drvcap-node2": "worker01",
    "drvcap-node3": "worker02",
}
NODES = {"master01": "198.18.30.50", "worker01": "198.18.30.60", "worker02": "198.18.30.61"}
CLIENTS = [IPv4Address("198.18.123.5"), IPv4Address("198.18.123.23"), IPv4Address("198.18.123.29")]
LB_IP = "198.18.100.10"
POOL = "198.18.100.0/24"
FLOWS_PER_DESTINATION = 30
EXCLUDE = "node.kubernetes.io/exclude-from-external-load-balancers"

# ---------------------------------------------------------------- router side


def capture(name: str) -> Any:
    """A verbatim FRR 8.4.4 capture of the driver's, addresses and names mapped to the twin."""
    text = (DRIVER_CAPTURES / name).read_text()
    for old, new in ADDRESS_MAP.items():
        text = re.sub(rf'"{re.escape(old)}([/"])', rf'"{new}\1', text)
    return json.loads(text)


def only_nodes(doc: dict[str, Any]) -> dict[str, Any]:
    """Keep the three node peers (the captures also hold .204-.206 and 198.19.99.99)."""
    return {k: v for k, v in doc.items() if k in NODES.values()}


def bgp_state(summary: Any, neighbors: Any, fields: dict[str, dict[str, Any]]) -> None:
    """Edit a peer in both the summary and the neighbors capture (e.g. a node gone down)."""
    for addr, changes in fields.items():
        summary["ipv4Unicast"]["peers"][addr].update(changes.get("summary", {}))
        neighbors[addr].update(changes.get("neighbors", {}))


DOWN = {
    "summary": {
        "state": "Active",
        "peerState": "OK",
        "pfxRcd": 0,
        "pfxSnt": 0,
        "peerUptime": "never",
        "peerUptimeMsec": 0,
    },
    "neighbors": {"bgpState": "Active"},
}


def route_captures(
    announcers: list[str], fib: list[str] | None = None, keep_20: bool = False
) -> tuple[Any, Any]:
    """zebra and bgpd captures of the pool, limited to the paths from `announcers`.

    `fib`: next hops installed (default: all of announcers). The capture's second prefix,
    198.18.100.20/32 (announced by master01 only), is dropped unless keep_20.
    """
    fib = announcers if fib is None else fib
    zebra, bgp = capture("route_pool_longer.json"), capture("bgp_pool_longer_detail.json")
    if not keep_20:
        zebra.pop("198.18.100.20/32")
        bgp["routes"].pop("198.18.100.20/32")
    if not announcers:
        return {}, {}
    route = zebra[f"{LB_IP}/32"][0]
    route["nexthops"] = [h for h in route["nexthops"] if h["ip"] in fib]
    route["internalNextHopNum"] = route["internalNextHopActiveNum"] = len(route["nexthops"])
    entry = bgp["routes"][f"{LB_IP}/32"]
    header, paths = entry[0], entry[1:]
    paths = [p for p in paths if p["peer"]["peerId"] in announcers]
    if not any("bestpath" in p for p in paths):
        paths[-1]["bestpath"] = {"overall": True, "selectionReason": "Older Path"}
    for p in paths:
        if p["peer"]["peerId"] not in fib:
            p.pop("multipath", None)  # received, valid, not selected
    bgp["routes"][f"{LB_IP}/32"] = [header, *paths]
    return zebra, bgp


def napalm_router(
    summary: Any, neighbors: Any, zebra: Any, bgp: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The three getters' answers, produced by the driver's own parsers."""
    local_as, remote_as = summary_as_numbers(summary)
    route_to = (
        parse_route_to(
            zebra,
            bgp_paths_by_prefix(bgp, "bgp paths"),
            protocol="bgp",
            local_as=local_as,
            remote_as_by_peer=remote_as,
        )
        if zebra
        else {}
    )
    return (
        parse_bgp_neighbors(summary, neighbors),
        parse_bgp_neighbors_detail(summary, neighbors),
        route_to,
    )


def config_commands(maximum_paths: int = 8, layer4: bool = True) -> str:
    """`show configuration commands` of the twin's router (as in the write-up, 198.18 mapped)."""
    lines = [
        "set interfaces ethernet eth0 address '198.18.123.20/24'",
        "set interfaces ethernet eth1 address '198.18.30.254/24'",
        "set interfaces loopback lo",
        f"set protocols bgp address-family ipv4-unicast maximum-paths ebgp '{maximum_paths}'",
        f"set protocols bgp address-family ipv4-unicast maximum-paths ibgp '{maximum_paths}'",
        "set protocols bgp address-family ipv4-unicast network 198.18.100.0/24",
        "set protocols bgp local-as '64501'",
        *(f"set protocols bgp neighbor {a} peer-group 'group01'" for a in NODES.values()),
        "set protocols bgp peer-group group01 address-family ipv4-unicast "
        "soft-reconfiguration inbound",
        "set protocols bgp peer-group group01 remote-as '64500'",
        "set protocols bgp peer-group group01 update-source '198.18.30.254'",
        "set service ssh",
        "set system host-name 'vyos'",
    ]
    if layer4:
        lines.append("set system ip multipath layer4-hashing")
    return "\n".join(lines) + "\n"


@contextmanager
def kernel(next_hops: list[str], hash_policy: int) -> Iterator[str]:
    """A namespace whose FIB holds LB_IP via next_hops, as the router's kernel would."""
    ns = f"bgplb-auditcap-{os.getpid()}"

    def ip(*args: str) -> None:
        subprocess.run(["ip", "-n", ns, *args], check=True)

    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        ip("link", "add", "eth0", "type", "veth", "peer", "name", "p0")
        ip("link", "add", "eth1", "type", "veth", "peer", "name", "p1")
        ip("addr", "add", "198.18.123.20/24", "dev", "eth0")
        ip("addr", "add", "198.18.30.254/24", "dev", "eth1")
        for dev in ("lo", "eth0", "eth1", "p0", "p1"):
            ip("link", "set", dev, "up")
        subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                ns,
                "sysctl",
                "-qw",
                "net.ipv4.ip_forward=1",
                f"net.ipv4.fib_multipath_hash_policy={hash_policy}",
            ],
            check=True,
        )
        hops: list[str] = []
        for nh in next_hops:
            hops += ["nexthop", "via", nh, "dev", "eth1", "weight", "1"]
        ip("route", "add", f"{LB_IP}/32", "proto", "bgp", "metric", "20", *hops)
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=True)


def flow_answers(next_hops: list[str], hash_policy: int) -> dict[str, str]:
    if len(next_hops) < 2:
        return {}
    flows = plan_flows([(IPv4Address(LB_IP), 80)], CLIENTS, "eth0", FLOWS_PER_DESTINATION)
    out = {}
    with kernel(next_hops, hash_policy) as ns:
        for f in flows:
            out[f.command] = _ask(ns, f)
    return out


def _ask(ns: str, flow: FlowSpec) -> str:
    cmd = ["ip", "-n", ns, *flow.command.split()[1:]]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def router_json(
    announcers: list[str],
    fib: list[str] | None = None,
    peers: dict[str, dict[str, Any]] | None = None,
    policy: bool = False,
    keep_20: bool = False,
    maximum_paths: int = 8,
    layer4: bool = True,
) -> dict[str, Any]:
    prefix = "policy_" if policy else ""
    summary = capture(f"{prefix}summary.json")
    summary["ipv4Unicast"]["peers"] = only_nodes(summary["ipv4Unicast"]["peers"])
    neighbors = only_nodes(capture(f"{prefix}neighbors.json"))
    bgp_state(summary, neighbors, peers or {})
    zebra, bgp = route_captures(announcers, fib, keep_20)
    napalm, detail, route_to = napalm_router(summary, neighbors, zebra, bgp)
    installed = fib if fib is not None else announcers
    cli = {"show configuration commands": config_commands(maximum_paths, layer4)}
    cli |= flow_answers(installed, 1 if layer4 else 0)
    return {
        "host": "vyos",
        "flows_per_destination": FLOWS_PER_DESTINATION,
        "get_bgp_neighbors": napalm,
        "get_bgp_neighbors_detail": detail,
        "get_bgp_peer_liveness": parse_bgp_liveness(neighbors),
        "get_route_to": {POOL: route_to},
        "cli": cli,
    }


# ---------------------------------------------------------------- cluster side

KUBEADM_CP_LABELS = {
    "node-role.kubernetes.io/control-plane": "",
    "node-role.kubernetes.io/master": "",
    EXCLUDE: "",  # kubeadm puts it on control-plane nodes from Kubernetes 1.21
}


def _node(name: str, ready: bool = True) -> dict[str, Any]:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    if name == "master01":
        labels |= KUBEADM_CP_LABELS
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": NODES[name]},
                {"type": "Hostname", "address": name},
            ],
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "Unknown",
                    "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                }
            ],
            "nodeInfo": {"kubeletVersion": "v1.21.1", "containerRuntimeVersion": "cri-o://1.21.0"},
        },
    }


def _pod(name: str, component: str, node: str, version: str, ready: bool = True) -> dict[str, Any]:
    repo = "metallb" if version.startswith("0.9") else "quay.io/metallb"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "metallb-system",
            "labels": {"app": "metallb", "component": component},
        },
        "spec": {
            "nodeName": node,
            "containers": [
                {
                    "name": component,
                    "image": f"{repo}/{component}:v{version}",
                    "args": ["--port=7472", "--config=config"]
                    if version.startswith("0.9")
                    else ["--port=7472", "--log-level=info"],
                }
            ],
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


CONFIGMAP_0_9 = """peers:
- peer-address: 198.18.30.254  # vyos IP
  peer-asn: 64501
  my-asn: 64500
address-pools:
- name: default
  protocol: bgp
  avoid-buggy-ips: true
  addresses:
  - 198.18.100.0/24
"""


def _service(policy: str = "Cluster", ingress: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-service", "namespace": "default"},
        "spec": {
            "type": "LoadBalancer",
            "loadBalancerIP": LB_IP,
            "selector": {"app": "nginx"},
            "ports": [
                {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 80, "nodePort": 30686}
            ],
            "clusterIP": "198.18.60.147",
            "externalTrafficPolicy": policy,
        },
        "status": {"loadBalancer": {"ingress": [{"ip": LB_IP}] if ingress else []}},
    }


def _kubernetes_service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default"},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "198.18.60.1",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP"}],
        },
        "status": {"loadBalancer": {}},
    }


def _endpointslice(nodes: list[str]) -> dict[str, Any]:
    """The write-up's two nginx pods, both on worker01 unless told otherwise."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "my-service-x7k2p",
            "namespace": "default",
            "labels": {"kubernetes.io/service-name": "my-service"},
        },
        "addressType": "IPv4",
        "endpoints": [
            {"addresses": [f"198.18.50.{205 + i}"], "conditions": {"ready": True}, "nodeName": node}
            for i, node in enumerate(nodes)
        ],
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
    }


def cluster_json(
    version: str = "0.9.6",
    down: str | None = None,
    policy: str = "Cluster",
    service: bool = True,
) -> dict[str, Any]:
    names = list(NODES)
    pods = [_pod("controller-64f86798cc-q4p75", "controller", "worker01", version)]
    pods += [
        _pod(f"speaker-{suffix}", "speaker", n, version, ready=n != down)
        for n, suffix in zip(names, ("d7rmm", "jbsb2", "q72w5"), strict=True)
    ]
    services = [_kubernetes_service()] + ([_service(policy)] if service else [])
    doc: dict[str, Any] = {
        "dialect": "configmap" if version.startswith("0.9") else "crds",
        "nodes": {"items": [_node(n, ready=n != down) for n in names]},
        "pods": {"items": pods},
        "services": {"items": services},
        "endpointslices": {"items": [_endpointslice(["worker01", "worker01"])] if service else []},
    }
    if version.startswith("0.9"):
        doc["configmap"] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "config", "namespace": "metallb-system"},
            "data": {"config": CONFIGMAP_0_9},
        }
    else:
        doc |= crds()
    return doc


def crds() -> dict[str, Any]:
    def obj(kind: str, name: str, spec: dict[str, Any], version: str = "v1beta1") -> Any:
        return {
            "apiVersion": f"metallb.io/{version}",
            "kind": kind,
            "metadata": {"name": name, "namespace": "metallb-system"},
            "spec": spec,
        }

    return {
        "ipaddresspools": {
            "items": [obj("IPAddressPool", "default", {"addresses": [POOL], "avoidBuggyIPs": True})]
        },
        "bgpadvertisements": {
            "items": [obj("BGPAdvertisement", "default", {"ipAddressPools": ["default"]})]
        },
        "bgppeers": {
            "items": [
                obj(
                    "BGPPeer",
                    "vyos",
                    {"peerAddress": "198.18.30.254", "peerASN": 64501, "myASN": 64500},
                    "v1beta2",
                )
            ]
        },
    }


# ---------------------------------------------------------------- probe (synthetic)


def probe_output(nodes: list[str], requests: int = 30) -> str:
    """What `probe_command` prints when each answer names its node (the twin's backends)."""
    out = []
    for i in range(requests):
        node = nodes[i % len(nodes)]
        out.append(json.dumps({"node": node, "client": "x"}) + "\n@@200")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- scenarios


def write(name: str, files: dict[str, Any]) -> None:
    d = HERE / name
    d.mkdir(exist_ok=True)
    for fname, doc in files.items():
        (d / fname).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def main() -> None:
    if os.geteuid() != 0:
        sys.exit("needs root (the flows are asked of a kernel in a network namespace)")
    m, w1, w2 = NODES.values()
    everyone = [m, w1, w2]
    no_prefix = {"summary": {"pfxRcd": 0}}
    write(
        "healthy",
        {
            "router.json": router_json(everyone),
            "cluster.json": cluster_json(),
            "probe.json": {
                "requests": 30,
                "outputs": {
                    c: {f"{LB_IP}:80": probe_output(list(NODES))} for c in ("c01", "c02", "c03")
                },
            },
        },
    )
    write(
        "master_included_0_9",
        {
            "router.json": router_json(everyone),
            "cluster.json": cluster_json("0.9.6"),
        },
    )
    write(
        "master_excluded_0_14",
        {
            "router.json": router_json([w1, w2], peers={m: no_prefix}),
            "cluster.json": cluster_json("0.14.9"),
            "site.json": {"metallb_version": "0.14.9"},
        },
    )
    write(
        "node_down",
        {
            "router.json": router_json([m, w1], peers={w2: DOWN}),
            "cluster.json": cluster_json(down="worker02"),
        },
    )
    write(
        "maximum_paths_1",
        {
            "router.json": router_json(everyone, fib=[m], maximum_paths=1),
            "cluster.json": cluster_json(),
        },
    )
    write(
        "local_policy",
        {
            "router.json": router_json([w1], peers={m: no_prefix, w2: no_prefix}),
            "cluster.json": cluster_json(policy="Local"),
        },
    )
    write(
        "stale_route",
        {
            "router.json": router_json(everyone, keep_20=True),
            "cluster.json": cluster_json(service=False),
        },
    )
    write(
        "policy_state",
        {
            "router.json": router_json([], policy=True),
            "cluster.json": cluster_json(),
        },
    )
    write(
        "layer3_hashing",
        {
            "router.json": router_json(everyone, layer4=False),
            "cluster.json": cluster_json(),
            "probe.json": {
                "requests": 30,
                "outputs": {
                    c: {f"{LB_IP}:80": probe_output(["worker01"])} for c in ("c01", "c02", "c03")
                },
            },
        },
    )
    write(
        "ungatherable_router",
        {
            "router.json": {
                "host": "vyos",
                "failure": "NetmikoTimeoutException: TCP connection to "
                "device failed (198.18.123.20:22)",
            },
            "cluster.json": cluster_json(),
        },
    )
    print("written:", ", ".join(sorted(p.name for p in HERE.iterdir() if p.is_dir())))


if __name__ == "__main__":
    main()
