"""load_site(): the inventory read, validated and cross-checked once, all problems at once."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, ip_address
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bgplb.model.checks import cross_check
from bgplb.model.connections import check_connections, connection_names, shell_connection
from bgplb.model.problems import InventoryProblems, Problem, Severity
from bgplb.model.raw import RawInventory, ancestors, read_inventory, validate_as
from bgplb.model.site import Client, Hypervisor, K8sNode, Login, Router, Site
from bgplb.model.specs import ClientData, HypervisorData, NodeData, RouterData, SiteSpec
from bgplb.vyos.dialects import UnknownVyosVersion, dialect_for

# Role groups: every host belongs to exactly one of the primary roles.
PRIMARY_ROLES = ("router", "control_plane", "workers", "clients", "hypervisor")
ROLE_SCHEMA: dict[str, type[BaseModel]] = {
    "router": RouterData,
    "control_plane": NodeData,
    "workers": NodeData,
    "clients": ClientData,
    "hypervisor": HypervisorData,
}


@dataclass
class Located:
    """A host's effective data and, per top-level key, the file and object that set it."""

    data: dict[str, Any]
    origin: dict[str, tuple[str, str]]


def load_site(directory: Path | str) -> Site:
    """Validate the inventory in `directory`; raise InventoryProblems listing every error."""
    inv = read_inventory(Path(directory))
    problems = list(inv.problems)
    site = None
    if inv.complete:
        site = _build(inv, problems)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors or site is None:
        raise InventoryProblems(problems)
    return site


def locate(inv: RawInventory, host: str) -> Located:
    """Nornir's data resolution: host data, then its groups in order, then defaults."""
    entry = inv.hosts[host]
    layers: list[tuple[str, str, dict[str, Any]]] = [
        (inv.file("defaults.yaml"), "defaults", dict(inv.defaults.data))
    ]
    for group in reversed(ancestors(inv, entry.groups, ())):
        layers.append((inv.file("groups.yaml"), f"group {group}", dict(inv.groups[group].data)))
    layers.append((inv.file("hosts.yaml"), f"host {host}", dict(entry.data)))
    data: dict[str, Any] = {}
    origin: dict[str, tuple[str, str]] = {}
    for file, obj, layer in layers:
        for key, value in layer.items():
            if obj == "defaults" and key == "site":
                continue
            data[key] = value
            origin[key] = (file, obj)
    return Located(data, origin)


def _field(inv: RawInventory, host: str, name: str) -> Any:
    """A Nornir top-level field (username, platform, port) resolved like Nornir does."""
    value = getattr(inv.hosts[host], name)
    if value is not None:
        return value
    for group in ancestors(inv, inv.hosts[host].groups, ()):
        value = getattr(inv.groups[group], name)
        if value is not None:
            return value
    return getattr(inv.defaults, name)


def _validate_role_data(inv: RawInventory, host: str, role: str, problems: list[Problem]) -> Any:
    located = locate(inv, host)
    schema = ROLE_SCHEMA[role]
    hosts_file = inv.file("hosts.yaml")
    local: list[Problem] = []
    result = validate_as(schema, located.data, hosts_file, f"host {host}", "data", local)
    for p in local:
        top = p.key.removeprefix("data.").split(".", 1)[0].split("[", 1)[0]
        file, obj = located.origin.get(top, (hosts_file, f"host {host}"))
        if obj != f"host {host}":
            obj = f"{obj} (inherited by host {host})"
        problems.append(Problem(file, obj, p.key, p.message, p.severity))
    return result


def _login(inv: RawInventory, host: str, creds: Any, problems: list[Problem]) -> Login | None:
    raw = inv.hosts[host].hostname
    file, obj = inv.file("hosts.yaml"), f"host {host}"
    if raw is None:
        problems.append(Problem(file, obj, "hostname", "required key missing"))
        return None
    try:
        address = ip_address(raw)
    except ValueError:
        problems.append(Problem(file, obj, "hostname", f"must be an IPv4 address (got {raw!r})"))
        return None
    if not isinstance(address, IPv4Address):
        problems.append(Problem(file, obj, "hostname", f"must be IPv4 (got {raw!r})"))
        return None
    return Login(
        address=address,
        username=_field(inv, host, "username"),
        port=_field(inv, host, "port"),
        platform=_field(inv, host, "platform"),
        credentials=creds,
        shell=shell_connection(connection_names(inv, host)),
    )


def _role(inv: RawInventory, host: str, problems: list[Problem]) -> str | None:
    groups = ancestors(inv, inv.hosts[host].groups, ())
    roles = [r for r in PRIMARY_ROLES if r in groups]
    if len(roles) != 1:
        found = ", ".join(roles) or "none"
        problems.append(
            Problem(
                inv.file("hosts.yaml"),
                f"host {host}",
                "groups",
                f"must belong to exactly one role group of {', '.join(PRIMARY_ROLES)} "
                f"(found: {found})",
            )
        )
        return None
    return roles[0]


def _build(inv: RawInventory, problems: list[Problem]) -> Site | None:
    defaults_file = inv.file("defaults.yaml")
    site_raw = inv.defaults.data.get("site")
    spec: SiteSpec | None = None
    if site_raw is None:
        problems.append(Problem(defaults_file, "defaults", "data.site", "required key missing"))
    else:
        spec = validate_as(SiteSpec, site_raw, defaults_file, "defaults", "data.site", problems)
    problems.extend(check_connections(inv, spec))

    routers: list[Router] = []
    nodes: list[K8sNode] = []
    clients: list[Client] = []
    hypervisors: list[Hypervisor] = []
    roles_seen: set[str] = set()
    for host in inv.hosts:
        role = _role(inv, host, problems)
        if role is None:
            continue
        roles_seen.add(role)
        data = _validate_role_data(inv, host, role, problems)
        if data is None:
            continue
        login = _login(inv, host, data.credentials, problems)
        if login is None:
            continue
        if isinstance(data, RouterData):
            router = _router(inv, host, login, data, problems)
            if router:
                routers.append(router)
        elif isinstance(data, NodeData):
            nodes.append(
                K8sNode(
                    name=host,
                    login=login,
                    role="control_plane" if role == "control_plane" else "worker",
                    asn=data.bgp_asn,
                    os=data.os,
                    container_runtime=data.container_runtime,
                    mac=data.mac,
                    labels=dict(data.labels),
                )
            )
        elif isinstance(data, ClientData):
            clients.append(Client(name=host, login=login, routes=tuple(data.routes)))
        elif isinstance(data, HypervisorData):
            hypervisors.append(
                Hypervisor(
                    name=host,
                    login=login,
                    interfaces=tuple(data.interfaces),
                    vms=tuple(data.vms),
                )
            )

    hosts_file = inv.file("hosts.yaml")
    limits: tuple[tuple[str, list[Router] | list[Hypervisor], tuple[int, ...]], ...] = (
        ("router", routers, (1,)),
        ("hypervisor", hypervisors, (0, 1)),
    )
    for role, found, allowed in limits:
        if role in roles_seen and not found:
            continue  # the host exists but failed validation: already reported
        if len(found) not in allowed:
            problems.append(
                Problem(
                    hosts_file,
                    "",
                    "groups",
                    f"expected {' or '.join(map(str, allowed))} host(s) in group {role}, "
                    f"found {len(found)}",
                )
            )
    if "control_plane" not in roles_seen:
        problems.append(Problem(hosts_file, "", "groups", "no host in group control_plane"))
    if spec is None or any(p.severity is Severity.ERROR for p in problems):
        return None
    site = Site(
        name=spec.name,
        inventory_dir=inv.directory,
        router=routers[0],
        nodes=tuple(nodes),
        clients=tuple(clients),
        hypervisor=hypervisors[0] if hypervisors else None,
        kubernetes=spec.kubernetes,
        metallb=spec.metallb,
        services=tuple(spec.services),
        lab=spec.lab,
    )
    checked = cross_check(site, inv)
    problems.extend(checked)
    warnings = tuple(p for p in problems if p.severity is Severity.WARNING)
    return Site(**{**site.__dict__, "warnings": warnings})


def _router(
    inv: RawInventory, host: str, login: Login, data: RouterData, problems: list[Problem]
) -> Router | None:
    try:
        dialect = dialect_for(data.vyos_version)
    except UnknownVyosVersion as exc:
        file, obj = locate(inv, host).origin.get("vyos_version", (inv.file("hosts.yaml"), host))
        problems.append(Problem(file, obj, "data.vyos_version", str(exc)))
        return None
    return Router(
        name=host,
        login=login,
        vyos_version=data.vyos_version,
        dialect=dialect,
        interfaces=tuple(data.interfaces),
        bgp=data.bgp,
    )
