"""The site summary shown by runbooks.validate: rich tables and a JSON document."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from rich.console import Console
from rich.table import Table

from bgplb.model import Site


def site_summary(site: Site, hosts: Collection[str] | None = None) -> dict[str, Any]:
    """The site as JSON; `hosts` (--limit) narrows the host list, the site-wide parts stay."""
    r = site.router
    shown = set(site.host_names) if hosts is None else set(hosts)
    return {
        "ok": True,
        "selected": sorted(shown),
        "site": site.name,
        "inventory": str(site.inventory_dir),
        "twin": site.lab is not None,
        "router": {
            "name": r.name,
            "address": str(r.login.address),
            "vyos_version": r.vyos_version,
            "dialect": r.dialect.name,
            "asn": r.bgp.asn,
            "maximum_paths": r.bgp.maximum_paths.model_dump(),
            "layer4_hashing": r.bgp.layer4_hashing,
            "neighbors": [
                {"address": str(n.address), "remote_as": n.remote_as, "peer_group": n.peer_group}
                for n in r.neighbors
            ],
        },
        "hosts": [
            {"name": n.name, "role": n.role, "address": str(n.address), "asn": n.asn}
            for n in site.nodes
            if n.name in shown
        ]
        + [
            {"name": c.name, "role": "client", "address": str(c.address)}
            for c in site.clients
            if c.name in shown
        ],
        "segments": {k: str(v) for k, v in site.segments.items()},
        "kubernetes": site.kubernetes.model_dump(mode="json"),
        "metallb": {
            "version": site.metallb.version,
            "dialect": site.metallb.dialect,
            "pools": [p.model_dump(mode="json") for p in site.metallb.pools],
            "expected_announcers": [n.name for n in site.expected_announcers],
        },
        "services": [s.model_dump(mode="json") for s in site.services],
        "warnings": [w.as_dict() for w in site.warnings],
    }


def render_site(site: Site, console: Console, hosts: Collection[str] | None = None) -> None:
    """The site as tables; `hosts` (--limit) narrows the host table, the site-wide parts stay."""
    r = site.router
    shown = set(site.host_names) if hosts is None else set(hosts)
    kind = "twin of the reference lab" if site.lab else "site"
    console.print(f"[bold green]valid[/] {kind} [bold]{site.name}[/] ({site.inventory_dir})")
    title = "Hosts" if hosts is None else f"Hosts (--limit: {len(shown)} of {len(site.host_names)})"
    table = Table(title=title)
    for col in ("host", "role", "address", "ASN", "detail"):
        table.add_column(col)
    if r.name in shown:
        row = (r.name, "router", str(r.login.address), str(r.bgp.asn), f"VyOS {r.vyos_version}")
        table.add_row(*row)
    for n in site.nodes:
        if n.name in shown:
            detail = f"{n.os}, {n.container_runtime}"
            table.add_row(n.name, n.role, str(n.address), str(n.asn), detail)
    for c in site.clients:
        if c.name in shown:
            routes = ", ".join(f"{rt.prefix} via {rt.via}" for rt in c.routes)
            table.add_row(c.name, "client", str(c.address), "", routes)
    if site.hypervisor and site.hypervisor.name in shown:
        hv = site.hypervisor
        table.add_row(hv.name, "hypervisor", str(hv.login.address), "", f"{len(hv.vms)} VM(s)")
    console.print(table)

    peers = Table(title=f"Router BGP (dialect {r.dialect.name})")
    for col in ("neighbor", "remote AS", "peer group", "update source"):
        peers.add_column(col)
    for peer in r.neighbors:
        peers.add_row(
            str(peer.address),
            str(peer.remote_as),
            peer.peer_group or "",
            str(peer.update_source or ""),
        )
    console.print(peers)
    mp = r.bgp.maximum_paths
    console.print(
        f"local AS {r.bgp.asn}, maximum-paths ebgp {mp.ebgp} ibgp {mp.ibgp}, "
        f"layer-4 hashing {'on' if r.bgp.layer4_hashing else 'off'}"
    )

    m = site.metallb
    pools = Table(title=f"MetalLB {m.version} ({m.dialect})")
    for col in ("pool", "addresses", "avoid buggy IPs", "services"):
        pools.add_column(col)
    for p in m.pools:
        svcs = [
            f"{s.namespace}/{s.name} {s.lb_ip}"
            for s in site.services
            if s.lb_ip and site.pool_of(s.lb_ip) == p.name
        ]
        pools.add_row(
            p.name,
            ", ".join(map(str, p.addresses)),
            "yes" if p.avoid_buggy_ips else "no",
            "\n".join(svcs),
        )
    console.print(pools)
    k = site.kubernetes
    console.print(
        f"Kubernetes {k.version}: pods {k.pod_cidr}, services {k.service_cidr}, "
        f"endpoint {k.control_plane_endpoint}, "
        f"CNI {k.cni.name} {k.cni.version} ({k.cni.encapsulation})"
    )
    console.print(
        "expected announcers per LB IP: " + ", ".join(n.name for n in site.expected_announcers)
    )
    for w in site.warnings:
        console.print(f"[yellow]{w}[/]", highlight=False)
