"""Benchmark: the audit's pure evaluation at scale, on synthetic recorded data (no twin, no root).

200 nodes, each an eBGP peer of the router with a ready MetalLB speaker, and 5,000 LB IPs, one
Service each, in the shapes the gather tasks record them (NAPALM getters and one cli() answer
from the router; the Kubernetes API's lists). Two mixes:
- cluster: every Service externalTrafficPolicy Cluster, so every LB IP is routed over all 200
  nodes (1,000,000 next hops: the worst case);
- local: externalTrafficPolicy Local, each Service's endpoints on 3 nodes (rotating), so each
  LB IP has 3 next hops.

Timed, median of RUNS: parse (router_observation, cluster_observation), evaluate (expectations
and every check), render (the rich report into a buffer and the --json document). Target:
parse + evaluate + render at most 1 s (issue 17). Prints figures beside target and baseline;
asserts nothing. Run: .venv/bin/python bench/audit_eval.py [cluster|local] [NODES IPS]
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402
from rich.console import Console  # noqa: E402

from bgplb.audit.observations import Observations  # noqa: E402
from bgplb.audit.outcome import evaluate  # noqa: E402
from bgplb.audit.parse_cluster import cluster_observation  # noqa: E402
from bgplb.audit.parse_router import (  # noqa: E402
    CONFIG_COMMAND,
    flow_targets,
    plan_flows,
    router_observation,
    routes_from_napalm,
)
from bgplb.audit.report import json_document, render  # noqa: E402
from bgplb.model import Site, load_site  # noqa: E402

INVENTORY = REPO / "inventory" / "lab"
RUNS = 3
TARGET_S = 1.0
BASELINE = {  # the same evaluation before issue 17, on the same machine (README)
    "cluster": "over 120 s",
    "local": "38.9 s at 1,000 LB IPs",
}
NODE_NET = IPv4Network("198.18.30.0/24")
ROUTER = IPv4Address("198.18.30.254")
POOL = IPv4Network("198.18.128.0/19")
SPEAKER_ASN, ROUTER_ASN = 64500, 64501
FLOWS = 30


# ---- the site ------------------------------------------------------------------------------


def node_addresses(count: int) -> list[IPv4Address]:
    free = [a for a in NODE_NET.hosts() if a != ROUTER]
    if count > len(free):
        raise SystemExit(f"at most {len(free)} nodes in {NODE_NET}")
    return free[:count]


def large_site(dest: Path, nodes: int) -> Site:
    """inventory/lab grown to `nodes` nodes (every one a router peer), maximum-paths 256, one
    pool POOL; the same shape as bench/audit.py's large inventory."""
    files = {
        n: yaml.safe_load((INVENTORY / f"{n}.yaml").read_text())
        for n in ("hosts", "groups", "defaults")
    }
    hosts = files["hosts"]
    kept = {n: h for n, h in hosts.items() if not set(h.get("groups", [])) & {"workers"}}
    masters = [n for n, h in kept.items() if "control_plane" in h.get("groups", [])]
    taken = {IPv4Address(hosts[n]["hostname"]) for n in masters}
    free = [a for a in node_addresses(nodes + len(taken)) if a not in taken]
    bgp = kept["vyos"]["data"]["bgp"]
    bgp["maximum_paths"] = {"ebgp": 256, "ibgp": 256}
    group = bgp["neighbors"][0].get("peer_group", "group01")
    bgp["neighbors"] = [n for n in bgp["neighbors"] if IPv4Address(n["address"]) in taken]
    for i, address in enumerate(free[: nodes - len(masters)]):
        kept[f"worker{i + 1:03d}"] = {
            "hostname": str(address),
            "groups": ["workers"],
            "data": {"mac": f"52:54:00:88:{(i + 1) // 256:02x}:{(i + 1) % 256:02x}"},
        }
        bgp["neighbors"].append({"address": str(address), "peer_group": group})
    files["hosts"] = kept
    site = files["defaults"]["data"]["site"]
    site["metallb"]["pools"][0]["addresses"] = [str(POOL)]
    for svc in site["services"]:
        svc["lb_ip"] = str(POOL.network_address + 1)  # the first synthetic Service is it
    cni = site["kubernetes"]["cni"]
    cni["manifest"] = str((INVENTORY / cni["manifest"]).resolve())
    site["metallb"]["manifests"] = [
        {**m, "source": str((INVENTORY / m["source"]).resolve())}
        if isinstance(m, dict)
        else m
        if "://" in m
        else str((INVENTORY / m).resolve())
        for m in site["metallb"]["manifests"]
    ]
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (dest / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return load_site(dest)


# ---- what the gather tasks would record ------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    neighbors: dict[str, Any]
    detail: dict[str, Any]
    routes_by_pool: dict[IPv4Network, dict[str, Any]]
    cli: dict[str, str]
    cluster: dict[str, Any]
    flows: tuple[Any, ...]
    liveness: dict[str, Any]


def _announcers(mix: str, i: int, nodes: list[tuple[str, IPv4Address]]) -> list[int]:
    if mix == "cluster":
        return list(range(len(nodes)))
    return sorted({(i * 3 + k) % len(nodes) for k in range(3)})


def recorded(site: Site, mix: str, ips: int) -> Recorded:
    nodes = [(n.name, n.address) for n in site.nodes]
    lb = [POOL.network_address + 1 + i for i in range(ips)]
    peers = {
        str(a): {
            "local_as": ROUTER_ASN,
            "remote_as": SPEAKER_ASN,
            "remote_id": str(a),
            "is_up": True,
            "is_enabled": True,
            "description": "",
            "uptime": 100,
            "address_family": {"ipv4": {"received_prefixes": ips, "accepted_prefixes": ips}},
        }
        for _, a in nodes
    }
    detail = {
        "global": {
            str(SPEAKER_ASN): [
                {"remote_address": str(a), "connection_state": "Established"} for _, a in nodes
            ]
        }
    }
    route_to: dict[str, Any] = {}
    for i, ip in enumerate(lb):
        route_to[f"{ip}/32"] = [
            {
                "protocol": "bgp",
                "next_hop": str(nodes[k][1]),
                "current_active": True,
                "selected_next_hop": True,
                "protocol_attributes": {
                    "multipath": True,
                    "best": k == 0,
                    "remote_as": SPEAKER_ASN,
                },
            }
            for k in _announcers(mix, i, nodes)
        ]
    routes_by_pool = {POOL: route_to}
    routes = routes_from_napalm(route_to)
    ports = dict.fromkeys(lb, 80)
    iif = "eth0"
    sources = [c.address for c in site.clients]
    flows = plan_flows(flow_targets(routes, ports, per_destination=FLOWS), sources, iif, FLOWS)
    hops_of = {r.host_address: sorted(r.fib) for r in routes}
    cli = {
        CONFIG_COMMAND: "\n".join(
            [
                "set interfaces ethernet eth0 address '198.18.123.20/24'",
                f"set interfaces ethernet eth1 address '{ROUTER}/24'",
                "set protocols bgp address-family ipv4-unicast maximum-paths ebgp '256'",
                f"set protocols bgp system-as '{ROUTER_ASN}'",
                "set system ip multipath layer4-hashing",
            ]
        )
    }
    for f in flows:
        hops = hops_of[f.destination]
        nh = hops[(int(f.destination) * 7 + f.sport) % len(hops)]
        cli[f.command] = (
            f"{f.destination} from {f.source} via {nh} dev eth1 \n    cache iif eth0 \n"
        )
    return Recorded(
        peers and {"global": {"router_id": str(ROUTER), "peers": peers}},
        detail,
        routes_by_pool,
        cli,
        cluster_docs(site, mix, nodes, lb),
        flows,
        # every peer heard from 1 s ago, 9 s hold / 3 s keepalive (the driver's getter)
        {
            "global": {
                str(a): {
                    "last_read_ms": 1000,
                    "hold_ms": 9000,
                    "keepalive_ms": 3000,
                    "bfd_status": None,
                    "state": "Established",
                }
                for _, a in nodes
            }
        },
    )


def cluster_docs(
    site: Site, mix: str, nodes: list[tuple[str, IPv4Address]], lb: list[IPv4Address]
) -> dict[str, Any]:
    ready = [{"type": "Ready", "status": "True"}]
    node_items = [
        {
            "metadata": {"name": n, "labels": {"kubernetes.io/hostname": n}},
            "status": {
                "addresses": [{"type": "InternalIP", "address": str(a)}],
                "conditions": ready,
            },
        }
        for n, a in nodes
    ]
    version = site.metallb.version
    pods = [
        {
            "metadata": {
                "name": f"speaker-{n}",
                "labels": {"app": "metallb", "component": "speaker"},
            },
            "spec": {
                "nodeName": n,
                "containers": [{"name": "speaker", "image": f"metallb/speaker:v{version}"}],
            },
            "status": {"phase": "Running", "conditions": ready},
        }
        for n, _ in nodes
    ] + [
        {
            "metadata": {
                "name": "controller-0",
                "labels": {"app": "metallb", "component": "controller"},
            },
            "spec": {
                "nodeName": nodes[0][0],
                "containers": [{"name": "controller", "image": f"metallb/controller:v{version}"}],
            },
            "status": {"phase": "Running", "conditions": ready},
        }
    ]
    policy = "Cluster" if mix == "cluster" else "Local"
    services, slices = [], []
    first = site.services[0]
    for i, ip in enumerate(lb):
        name, namespace = (first.name, first.namespace) if i == 0 else (f"svc-{i:05d}", "default")
        services.append(
            {
                "metadata": {"name": name, "namespace": namespace},
                "spec": {
                    "type": "LoadBalancer",
                    "externalTrafficPolicy": policy,
                    "ports": [{"port": 80, "protocol": "TCP"}],
                },
                "status": {"loadBalancer": {"ingress": [{"ip": str(ip)}]}},
            }
        )
        slices.append(
            {
                "metadata": {
                    "name": f"{name}-x",
                    "namespace": namespace,
                    "labels": {"kubernetes.io/service-name": name},
                },
                "endpoints": [
                    {"nodeName": nodes[k][0], "conditions": {"ready": True}}
                    for k in _announcers("local", i, nodes)
                ],
            }
        )
    config = yaml.safe_dump(
        {
            "peers": [{"peer-address": str(ROUTER), "peer-asn": ROUTER_ASN, "my-asn": SPEAKER_ASN}],
            "address-pools": [{"name": "default", "protocol": "bgp", "addresses": [str(POOL)]}],
        }
    )
    dialect = "configmap" if site.metallb.dialect == "configmap" else "crds"
    if dialect != "configmap":
        raise SystemExit("the synthetic data is written in MetalLB's ConfigMap dialect")
    return {
        "dialect": dialect,
        "nodes": {"items": node_items},
        "pods": {"items": pods},
        "services": {"items": services},
        "endpointslices": {"items": slices},
        "configmap": {"metadata": {"name": "config"}, "data": {"config": config}},
    }


# ---- timing ----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def one_run(site: Site, rec: Recorded) -> dict[str, float]:
    t_parse, obs = timed(
        lambda: Observations(
            router_observation(
                "vyos",
                rec.neighbors,
                rec.detail,
                rec.routes_by_pool,
                rec.cli,
                rec.flows,
                rec.liveness,
            ),
            cluster_observation(rec.cluster),
        )
    )
    t_eval, outcome = timed(lambda: evaluate(site, obs))
    console = Console(file=io.StringIO(), width=160, force_terminal=False)
    t_render, _ = timed(lambda: render(outcome, console))
    t_json, _ = timed(lambda: json.dumps(json_document(outcome)))
    errors = [f for f in outcome.findings if f.severity.value == "error"]
    if errors:
        raise SystemExit(f"the synthetic data should pass: {errors[:3]}")
    return {"parse": t_parse, "evaluate": t_eval, "render": t_render, "json": t_json}


def main(argv: list[str]) -> int:
    mixes = [a for a in argv if a in ("cluster", "local")] or ["cluster", "local"]
    sizes = [int(a) for a in argv if a.isdigit()]
    nodes, ips = (sizes + [200, 5000][len(sizes) :])[:2]
    with tempfile.TemporaryDirectory(prefix="bgplb-bench-eval-") as tmp:
        site = large_site(Path(tmp) / "inventory", nodes)
    for mix in mixes:
        rec = recorded(site, mix, ips)
        paths = sum(len(v) for v in rec.routes_by_pool[POOL].values())
        runs = [one_run(site, rec) for _ in range(RUNS)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        total = med["parse"] + med["evaluate"] + med["render"]
        verdict = "within" if total <= TARGET_S else "MISSES"
        print(
            f"{mix}: {nodes} nodes, {ips} LB IPs, {paths} next hops, {len(rec.flows)} flows; "
            f"median of {RUNS}: parse {med['parse']:.2f} s, evaluate {med['evaluate']:.2f} s, "
            f"render {med['render']:.2f} s = {total:.2f} s (target {TARGET_S:.0f} s: {verdict}; "
            f"baseline {BASELINE[mix]}); --json document {med['json']:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
