"""The twin's status as data (collect) and as a rich table (render, console passed in)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from bgplb.errors import LabError
from bgplb.model import Site
from lab import netns
from lab.lifecycle import Lab
from lab.observe import bgp_kernel_routes, router_sessions
from lab.state import is_alive, read_record


@dataclass(frozen=True)
class HostStatus:
    name: str
    kind: str
    namespace: str
    present: bool
    addresses: list[str]


@dataclass(frozen=True)
class ProcessStatus:
    name: str
    pid: int | None
    alive: bool


@dataclass(frozen=True)
class SessionStatus:
    peer: str
    remote_as: int
    state: str
    prefixes_received: int | None


@dataclass(frozen=True)
class RouteStatus:
    prefix: str
    nexthops: list[str]


@dataclass(frozen=True)
class LabStatus:
    up: bool
    hosts: list[HostStatus]
    processes: list[ProcessStatus]
    sessions: list[SessionStatus]
    routes: list[RouteStatus]
    errors: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def collect(site: Site) -> LabStatus:
    lab = Lab.of(site)
    present = netns.list_namespaces()
    hosts = []
    for h in lab.topo.hosts:
        addrs = [str(x.address) for x in lab.topo.links if x.ns == h.ns]
        hosts.append(HostStatus(h.name, h.kind, h.ns, h.ns in present, addrs))
    procs = []
    for name in lab.expected_records:
        rec = read_record(lab.paths, name)
        procs.append(ProcessStatus(name, rec.pid if rec else None, bool(rec and is_alive(rec))))
    sessions: list[SessionStatus] = []
    routes: list[RouteStatus] = []
    errors: list[str] = []
    router_ns = lab.topo.router.ns
    if router_ns in present:
        try:
            sessions = [
                SessionStatus(str(s.peer), s.remote_as, s.state, s.prefixes_received)
                for s in router_sessions(lab.router_inst)
            ]
        except LabError as exc:
            errors.append(f"router BGP: {exc}")
        try:
            routes = [
                RouteStatus(str(r.prefix), [str(n) for n in r.nexthops])
                for r in bgp_kernel_routes(router_ns)
            ]
        except LabError as exc:
            errors.append(f"router kernel routes: {exc}")
    up = all(h.present for h in hosts) and all(p.alive for p in procs) and not errors
    return LabStatus(up, hosts, procs, sessions, routes, errors)


def render(status: LabStatus, console: Console) -> None:
    hosts = Table(title="lab hosts")
    for col in ("host", "kind", "namespace", "addresses"):
        hosts.add_column(col)
    for h in status.hosts:
        ns = h.namespace if h.present else f"[red]{h.namespace} (missing)[/]"
        hosts.add_row(h.name, h.kind, ns, ", ".join(h.addresses))
    console.print(hosts)
    procs = Table(title="processes")
    for col in ("process", "pid", "alive"):
        procs.add_column(col)
    for p in status.processes:
        procs.add_row(p.name, str(p.pid or "-"), "[green]yes[/]" if p.alive else "[red]no[/]")
    console.print(procs)
    sessions = Table(title="router BGP sessions")
    for col in ("peer", "remote AS", "state", "prefixes received"):
        sessions.add_column(col)
    for s in status.sessions:
        colour = "green" if s.state == "Established" else "red"
        pfx = "-" if s.prefixes_received is None else str(s.prefixes_received)
        sessions.add_row(s.peer, str(s.remote_as), f"[{colour}]{s.state}[/]", pfx)
    console.print(sessions)
    routes = Table(title="BGP routes in the router's kernel")
    for col in ("prefix", "next hops"):
        routes.add_column(col)
    for r in status.routes:
        routes.add_row(r.prefix, ", ".join(r.nexthops))
    console.print(routes)
    for e in status.errors:
        console.print(f"[red]{e}[/]")
    console.print("lab is [green]up[/]" if status.up else "lab is [red]not (fully) up[/]")
