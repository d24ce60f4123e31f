"""The site summary shown by runbooks.validate: rich tables and a JSON document."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from rich.console import Console
from rich.table import Table

from bgplb.model import Site
from bgplb.terminal import markup_safe, text


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
    """The site as tables; `hosts` (--limit) narrows the host table, the site-wide parts stay.
    Every value from the inventory is printed as text (`bgplb.terminal`), never as markup."""
    r = site.router
    shown = set(site.host_names) if hosts is None else set(hosts)
    kind = "twin of the reference lab" if site.lab else "site"
    console.print(
        f"[bold green]valid[/] {kind} [bold]{markup_safe(site.name)}[/] "
        f"({markup_safe(site.inventory_dir)})"
    )
    title = "Hosts" if hosts is None else f"Hosts (--limit: {len(shown)} of {len(site.host_names)})"
    table = Table(title=title)
    for col in ("host", "role", "address", "ASN", "detail"):
        table.add_column(col)

    def row(*cells: object) -> None:
        table.add_row(*(text(c) for c in cells))

    if r.name in shown:
        row(r.name, "router", r.login.address, r.bgp.asn, f"VyOS {r.vyos_version}")
    for n in site.nodes:
        if n.name in shown:
            row(n.name, n.role, n.address, n.asn, f"{n.os}, {n.container_runtime}")
    for c in site.clients:
        if c.name in shown:
            routes = ", ".join(f"{rt.prefix} via {rt.via}" for rt in c.routes)
            row(c.name, "client", c.address, "", routes)
    if site.hypervisor and site.hypervisor.name in shown:
        hv = site.hypervisor
        row(hv.name, "hypervisor", hv.login.address, "", f"{len(hv.vms)} VM(s)")
    console.print(table)

    peers = Table(title=f"Router BGP (dialect {markup_safe(r.dialect.name)})")
    for col in ("neighbor", "remote AS", "peer group", "update source"):
        peers.add_column(col)
    for peer in r.neighbors:
        peers.add_row(
            *(
                text(c)
                for c in (
                    peer.address,
                    peer.remote_as,
                    peer.peer_group or "",
                    peer.update_source or "",
                )
            )
        )
    console.print(peers)
    mp = r.bgp.maximum_paths
    console.print(
        f"local AS {r.bgp.asn}, maximum-paths ebgp {mp.ebgp} ibgp {mp.ibgp}, "
        f"layer-4 hashing {'on' if r.bgp.layer4_hashing else 'off'}"
    )

    m = site.metallb
    pools = Table(title=f"MetalLB {markup_safe(m.version)} ({m.dialect})")
    for col in ("pool", "addresses", "avoid buggy IPs", "services"):
        pools.add_column(col)
    for p in m.pools:
        svcs = [
            f"{s.namespace}/{s.name} {s.lb_ip}"
            for s in site.services
            if s.lb_ip and site.pool_of(s.lb_ip) == p.name
        ]
        pools.add_row(
            text(p.name),
            text(", ".join(map(str, p.addresses))),
            "yes" if p.avoid_buggy_ips else "no",
            text("\n".join(svcs)),
        )
    console.print(pools)
    k = site.kubernetes
    console.print(
        text(
            f"Kubernetes {k.version}: pods {k.pod_cidr}, services {k.service_cidr}, "
            f"endpoint {k.control_plane_endpoint}, "
            f"CNI {k.cni.name} {k.cni.version} ({k.cni.encapsulation})"
        )
    )
    announcers = ", ".join(n.name for n in site.expected_announcers)
    console.print(text(f"expected announcers per LB IP: {announcers}"))
    for w in site.warnings:
        console.print(text(w, style="yellow"), highlight=False)
