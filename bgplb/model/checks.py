"""Cross-checks between parts of the site that no single schema can see."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, ip_address
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel

from bgplb.model import support
from bgplb.model.problems import Problem, Severity
from bgplb.model.site import CLIENT_SEGMENT, NODE_SEGMENT, Site
from bgplb.vyos.timers import place_timers

if TYPE_CHECKING:
    from bgplb.model.raw import RawInventory

LAB_NET = IPv4Network("198.18.0.0/15")


class Where:
    """Turns (host, data key) or a site key into the file and object that define it."""

    def __init__(self, inv: RawInventory) -> None:
        self.inv = inv

    def host(self, host: str, key: str, message: str, warn: bool = False) -> Problem:
        from bgplb.model.load import locate

        top = key.removeprefix("data.").split(".", 1)[0].split("[", 1)[0]
        if key.startswith("data."):
            file, obj = locate(self.inv, host).origin.get(
                top, (self.inv.file("hosts.yaml"), f"host {host}")
            )
        else:
            file, obj = self.inv.file("hosts.yaml"), f"host {host}"
        sev = Severity.WARNING if warn else Severity.ERROR
        return Problem(file, obj, key, message, sev)

    def site(self, key: str, message: str, warn: bool = False) -> Problem:
        sev = Severity.WARNING if warn else Severity.ERROR
        return Problem(self.inv.file("defaults.yaml"), "defaults", f"data.site.{key}", message, sev)


Check = Callable[[Site, Where], list[Problem]]


def check_segments(site: Site, where: Where) -> list[Problem]:
    out = []
    for name in (NODE_SEGMENT, CLIENT_SEGMENT):
        if name not in site.segments:
            out.append(
                where.host(
                    site.router.name,
                    "data.interfaces",
                    f"no router interface on segment {name!r} (segments: nodes, clients)",
                )
            )
    return out


def check_overlaps(site: Site, where: Where) -> list[Problem]:
    k8s = site.kubernetes
    # (label, network, host owning the key or "" for the site section, key)
    named: list[tuple[str, IPv4Network, str, str]] = [
        (f"segment {seg}", net, site.router.name, "data.interfaces")
        for seg, net in site.segments.items()
    ]
    named.append(("pod CIDR", k8s.pod_cidr, "", "kubernetes.pod_cidr"))
    named.append(("service CIDR", k8s.service_cidr, "", "kubernetes.service_cidr"))
    for i, pool in enumerate(site.metallb.pools):
        for j, net in enumerate(pool.addresses):
            named.append((f"pool {pool.name}", net, "", f"metallb.pools[{i}].addresses[{j}]"))
    out = []
    for a, (name_a, net_a, _, _) in enumerate(named):
        for name_b, net_b, host, key in named[a + 1 :]:
            if net_a.overlaps(net_b):
                msg = f"{name_b} {net_b} overlaps {name_a} {net_a}"
                out.append(where.host(host, key, msg) if host else where.site(key, msg))
    return out


def check_services(site: Site, where: Where) -> list[Problem]:
    out = []
    pools = {p.name for p in site.metallb.pools}
    seen: dict[IPv4Address, str] = {}
    for i, svc in enumerate(site.services):
        if svc.pool and svc.pool not in pools:
            out.append(where.site(f"services[{i}].pool", f"unknown pool {svc.pool!r}"))
        if svc.lb_ip is None:
            continue
        pool = site.pool_of(svc.lb_ip)
        if pool is None:
            out.append(
                where.site(f"services[{i}].lb_ip", f"{svc.lb_ip} is outside every MetalLB pool")
            )
        elif svc.pool and pool != svc.pool:
            out.append(
                where.site(f"services[{i}].lb_ip", f"{svc.lb_ip} is in pool {pool}, not {svc.pool}")
            )
        if svc.lb_ip in seen:
            out.append(
                where.site(f"services[{i}].lb_ip", f"{svc.lb_ip} already used by {seen[svc.lb_ip]}")
            )
        seen[svc.lb_ip] = svc.name
    return out


def check_router_bgp(site: Site, where: Where) -> list[Problem]:
    router = site.router
    bgp = router.bgp
    out = []
    own = {i.address.ip for i in router.interfaces}
    groups = {g.name for g in bgp.peer_groups}
    for i, group in enumerate(bgp.peer_groups):
        if group.update_source and group.update_source not in own:
            out.append(
                where.host(
                    router.name,
                    f"data.bgp.peer_groups[{i}].update_source",
                    f"{group.update_source} is not an address of the router",
                )
            )
    nets = [i.address.network for i in router.interfaces]
    seen: set[IPv4Address] = set()
    for i, n in enumerate(bgp.neighbors):
        key = f"data.bgp.neighbors[{i}]"
        if not any(n.address in net for net in nets):
            subnets = ", ".join(str(net) for net in nets)
            out.append(
                where.host(
                    router.name,
                    f"{key}.address",
                    f"{n.address} is not inside a router-connected subnet ({subnets})",
                )
            )
        if n.peer_group and n.peer_group not in groups:
            out.append(
                where.host(router.name, f"{key}.peer_group", f"unknown peer group {n.peer_group!r}")
            )
        if n.remote_as is None and not n.peer_group:
            out.append(where.host(router.name, f"{key}.remote_as", "needs remote_as or peer_group"))
        if n.address in seen:
            out.append(where.host(router.name, f"{key}.address", f"duplicate neighbor {n.address}"))
        seen.add(n.address)
    by_address = {n.address: n for n in router.neighbors}
    for node in site.nodes:
        peer = by_address.get(node.address)
        if peer is None:
            out.append(
                where.host(
                    router.name,
                    "data.bgp.neighbors",
                    f"node {node.name} ({node.address}) is not a BGP neighbor of the router",
                )
            )
        elif peer.remote_as and peer.remote_as != node.asn:
            out.append(
                where.host(
                    node.name,
                    "data.bgp_asn",
                    f"node ASN {node.asn} differs from the router's remote-as {peer.remote_as}",
                )
            )
        if node.asn == bgp.asn:
            out.append(where.host(node.name, "data.bgp_asn", f"equals the router's ASN {bgp.asn}"))
    announcers = len(site.expected_announcers)
    if bgp.maximum_paths.ebgp < announcers:
        out.append(
            where.host(
                router.name,
                "data.bgp.maximum_paths.ebgp",
                f"{bgp.maximum_paths.ebgp} is below the {announcers} nodes expected to announce "
                "each LB IP: ECMP would be silently truncated",
                warn=True,
            )
        )
    return out


def check_router_timers(site: Site, where: Where) -> list[Problem]:
    """Timers the router's VyOS version cannot take where the model puts them (1.3: none on
    a neighbor in a peer-group; bgplb/vyos/timers.py)."""
    router = site.router
    placement = place_timers(router.bgp, router.dialect)
    return [where.host(router.name, c.key, c.message) for c in placement.conflicts]


def check_nodes_on_segment(site: Site, where: Where) -> list[Problem]:
    net = site.segments.get(NODE_SEGMENT)
    if net is None:
        return []
    return [
        where.host(n.name, "hostname", f"{n.address} is not on the router's node segment {net}")
        for n in site.nodes
        if n.address not in net
    ]


def check_clients(site: Site, where: Where) -> list[Problem]:
    out = []
    router_addrs = {i.address.ip for i in site.router.interfaces}
    net = site.segments.get(CLIENT_SEGMENT)
    for client in site.clients:
        if net is not None and client.address not in net:
            out.append(
                where.host(client.name, "hostname", f"{client.address} is not on segment {net}")
            )
        for i, route in enumerate(client.routes):
            if route.via not in router_addrs:
                out.append(
                    where.host(
                        client.name,
                        f"data.routes[{i}].via",
                        f"{route.via} is not an address of the router",
                    )
                )
    return out


def check_unique_addresses(site: Site, where: Where) -> list[Problem]:
    seen: dict[IPv4Address, str] = {}
    out = []
    for name, login in site.logins.items():
        if login.address in seen:
            out.append(
                where.host(name, "hostname", f"{login.address} is also host {seen[login.address]}")
            )
        seen.setdefault(login.address, name)
    return out


def check_metallb(site: Site, where: Where) -> list[Problem]:
    m = site.metallb
    out = []
    if m.config_dialect and m.config_dialect != m.dialect:
        out.append(
            where.site(
                "metallb.config_dialect",
                f"MetalLB {m.version} is configured with {m.dialect} "
                "(ConfigMap up to 0.12, CRDs from 0.13), not " + m.config_dialect,
            )
        )
    if m.version_tuple < (0, 10, 0) and not m.memberlist_secret_env:
        out.append(
            where.site(
                "metallb.memberlist_secret_env",
                f"MetalLB {m.version} needs the memberlist secret created by hand: name the "
                "environment variable that holds its key",
            )
        )
    if m.bfd is not None and m.implementation != "frr":
        out.append(
            where.site(
                "metallb.bfd",
                f"BFD needs MetalLB's FRR mode (0.13+, the metallb-frr.yaml manifest); MetalLB "
                f"{m.version} in native mode has no BFD",
            )
        )
    if m.timers and m.timers.keepalive_time is not None and m.dialect == "configmap":
        out.append(
            where.site(
                "metallb.timers.keepalive_time",
                f"MetalLB {m.version}'s ConfigMap takes only hold-time (the keepalive is a "
                "third of it); keepaliveTime is from the CRDs (0.13)",
            )
        )
    names = [p.name for p in m.pools]
    for i, name in enumerate(names):
        if name in names[:i]:
            out.append(where.site(f"metallb.pools[{i}].name", f"duplicate pool {name!r}"))
    return out


def check_support(site: Site, where: Where) -> list[Problem]:
    """The site's versions and their combinations against the support matrix
    (bgplb/model/support.py): node OS, Kubernetes and its package sources, container runtime
    and its socket, Calico for the Kubernetes version, MetalLB version and implementation."""
    k = site.kubernetes
    minor = k.minor_tuple
    out = []
    if problem := support.kubernetes_problem(minor):
        out.append(where.site("kubernetes.version", problem))
    for node in site.nodes:
        if node.os not in support.UBUNTU:
            out.append(
                where.host(
                    node.name,
                    "data.os",
                    f"node OS {node.os!r} is not in the support matrix "
                    f"(supported: {', '.join(support.UBUNTU)})",
                )
            )
        if problem := support.runtime_problem(node.container_runtime, minor):
            out.append(where.host(node.name, "data.container_runtime", problem))
    runtimes = sorted({n.container_runtime for n in site.nodes})
    if len(runtimes) > 1:
        out.append(
            where.site(
                "kubernetes.cri_socket",
                f"the nodes run different container runtimes ({', '.join(runtimes)}): one "
                "kubernetes.cri_socket serves only one",
            )
        )
    runtime = support.RUNTIMES.get(runtimes[0]) if len(runtimes) == 1 else None
    if runtime is not None and k.cri_socket not in runtime.socket_spellings:
        out.append(
            where.site(
                "kubernetes.cri_socket",
                f"{k.cri_socket} is not {runtime.name}'s socket ({runtime.socket})",
            )
        )
    os_names = tuple(sorted({n.os for n in site.nodes}))
    if problem := support.package_repos_problem(minor, k.package_repos, runtime, os_names):
        out.append(where.site("kubernetes.package_repos", problem))
    if problem := support.calico_problem(k.cni.version, minor):
        out.append(where.site("kubernetes.cni.version", problem))
    m = site.metallb
    for key, problem in support.metallb_problems(m.version_tuple, m.implementation, minor):
        out.append(where.site(f"metallb.{key}", problem))
    other = {"native": "metallb-frr.yaml", "frr": "metallb-native.yaml"}[m.implementation]
    for i, manifest in enumerate(m.manifests):
        if manifest.source.rstrip("/").rsplit("/", 1)[-1] == other:
            out.append(
                where.site(
                    f"metallb.manifests[{i}]",
                    f"{manifest.source} is MetalLB's {other.split('-')[1].split('.')[0]} "
                    f"mode, but metallb.implementation is {m.implementation}",
                )
            )
    return out


def expanded(path: Path | str) -> Path | None:
    """`~` and `~user` expanded; None when the user (or HOME) is unknown."""
    try:
        return Path(path).expanduser()
    except RuntimeError:
        return None


def check_paths(site: Site, where: Where) -> list[Problem]:
    """Every path of the inventory can be expanded (`~nosuchuser/...` cannot)."""
    site_paths: list[tuple[str, Path]] = [("kubernetes.kubeconfig", site.kubernetes.kubeconfig)]
    if site.lab:
        site_paths += [("lab.state_dir", site.lab.state_dir)]
        site_paths += [("lab.known_hosts", site.lab.known_hosts)]
    out = [
        where.site(key, f"cannot expand {str(path)!r}: unknown user or no home directory")
        for key, path in site_paths
        if expanded(path) is None
    ]
    for name, login in site.logins.items():
        key = login.credentials.ssh_key
        if key is not None and expanded(key) is None:
            out.append(
                where.host(
                    name,
                    "data.credentials.ssh_key",
                    f"cannot expand {str(key)!r}: unknown user or no home directory",
                )
            )
    return out


# The project's own directory: local manifests may live here (lab/manifests) or in the inventory.
PROJECT_DIR = Path(__file__).resolve().parents[2]


def _inside(path: Path, *roots: Path) -> bool:
    return any(path.is_relative_to(root.resolve()) for root in roots)


def manifest_path(source: str, inventory_dir: Path) -> Path | None:
    """A local manifest's path (file:// URL or path, relative to the inventory), resolved."""
    split = urlsplit(source)
    raw = unquote(split.path) if split.scheme == "file" else source
    path = expanded(raw)
    if path is None:
        return None
    return (path if path.is_absolute() else inventory_dir / path).resolve()


def check_manifests(site: Site, where: Where) -> list[Problem]:
    """https:// URLs naming their version, and local files inside the inventory or the project
    (elsewhere only when pinned by sha256); an https:// URL without sha256 is a warning."""
    versions = {"kubernetes.cni.manifest": site.kubernetes.cni.version.lstrip("v")}
    sources = [("kubernetes.cni.manifest", site.kubernetes.cni.manifest)]
    for i, m in enumerate(site.metallb.manifests):
        sources.append((f"metallb.manifests[{i}]", m))
        versions[f"metallb.manifests[{i}]"] = site.metallb.version
    out = []
    for key, manifest in sources:
        source = manifest.source
        scheme = urlsplit(source).scheme.lower()
        if scheme == "https":
            version = versions[key]
            if f"v{version}" not in source and f"/{version}/" not in source:
                out.append(
                    where.site(
                        key,
                        f"unpinned manifest URL {source!r}: it must name the version "
                        f"(v{version}), or it changes under the same address",
                    )
                )
            if manifest.sha256 is None:
                out.append(
                    where.site(
                        key,
                        f"{source} has no sha256: its content is not pinned (write "
                        "{source: URL, sha256: HEX})",
                        warn=True,
                    )
                )
            continue
        if scheme not in ("", "file") or ("://" in source and scheme != "file"):
            out.append(where.site(key, f"{source!r}: only https:// URLs, file:// URLs or paths"))
            continue
        path = manifest_path(source, site.inventory_dir)
        if path is None:
            out.append(where.site(key, f"cannot expand {source!r}: unknown user or no home"))
            continue
        if not path.is_file():
            out.append(where.site(key, f"manifest file not found: {path}"))
        elif manifest.sha256 is None and not _inside(path, site.inventory_dir, PROJECT_DIR):
            out.append(
                where.site(
                    key,
                    f"local manifest {path} is outside the inventory and the project: "
                    "pin it with sha256 ({source: PATH, sha256: HEX}) or move it",
                )
            )
    return out


def check_avoided_ips(site: Site, where: Where) -> list[Problem]:
    """MetalLB never hands out .0 and .255 of a pool with avoid_buggy_ips: an lb_ip there would
    stay pending forever."""
    out = []
    for i, svc in enumerate(site.services):
        if svc.lb_ip is None:
            continue
        name = site.pool_of(svc.lb_ip)
        pool = next((p for p in site.metallb.pools if p.name == name), None)
        if pool is None or not pool.avoid_buggy_ips:
            continue
        if svc.lb_ip.packed[-1] in (0, 255):
            out.append(
                where.site(
                    f"services[{i}].lb_ip",
                    f"{svc.lb_ip} ends in .0 or .255, which pool {pool.name} excludes "
                    "(avoid_buggy_ips: true): MetalLB would never assign it",
                )
            )
    return out


def _addresses(value: object, key: str) -> Iterator[tuple[str, IPv4Address | IPv4Network]]:
    """Every IPv4 address, interface and network inside a validated model, by dotted key."""
    if isinstance(value, IPv4Interface):
        yield key, value.network
        yield key, value.ip
    elif isinstance(value, IPv4Address | IPv4Network):
        yield key, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _addresses(getattr(value, name), f"{key}.{name}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _addresses(item, f"{key}[{i}]")


def _in_lab(value: IPv4Address | IPv4Network) -> bool:
    return value.subnet_of(LAB_NET) if isinstance(value, IPv4Network) else value in LAB_NET


def check_lab_addresses(site: Site, where: Where) -> list[Problem]:
    """A twin inventory may only use 198.18.0.0/15, in every address it holds (connections,
    networks, router-id, neighbors, routes, pools, LB IPs): nothing it drives can reach a real
    lab. An api_server_override must be an address there too (a name may resolve anywhere), or
    a loopback address of this machine."""
    if site.lab is None:
        return []
    out = []
    for name, login in site.logins.items():
        if login.address not in LAB_NET:
            out.append(where.host(name, "hostname", f"{login.address} is outside {LAB_NET}"))
    r = site.router
    host_values: list[tuple[str, str, object]] = [
        (r.name, "data.interfaces", list(r.interfaces)),
        (r.name, "data.bgp", r.bgp),
    ]
    host_values += [(c.name, "data.routes", list(c.routes)) for c in site.clients]
    if site.hypervisor:
        hv = site.hypervisor
        host_values.append((hv.name, "data.interfaces", list(hv.interfaces)))
    for host, key, value in host_values:
        for dotted, address in _addresses(value, key):
            if not _in_lab(address):
                msg = f"{address} is outside {LAB_NET}: not allowed in a twin"
                out.append(where.host(host, dotted, msg))
    k = site.kubernetes
    site_values = [
        ("kubernetes.pod_cidr", k.pod_cidr),
        ("kubernetes.service_cidr", k.service_cidr),
        ("metallb.pools", list(site.metallb.pools)),
        ("services", list(site.services)),
    ]
    for key, value in site_values:
        for dotted, address in _addresses(value, key):
            if not _in_lab(address):
                msg = f"{address} is outside {LAB_NET}: not allowed in a twin"
                out.append(where.site(dotted, msg))
    for key, endpoint in (
        ("kubernetes.control_plane_endpoint", k.control_plane_endpoint),
        ("kubernetes.api_server_override", k.api_server_override),
    ):
        if endpoint is None:
            continue
        ep_name = urlsplit(endpoint).hostname if "://" in endpoint else endpoint.rsplit(":", 1)[0]
        try:
            target = ip_address(ep_name or "")
        except ValueError:
            if key.endswith("override"):
                out.append(where.site(key, f"{endpoint!r}: a twin needs an address in {LAB_NET}"))
            continue
        if target.is_loopback and key.endswith("override"):
            continue  # this machine (tests serve an API server on 127.0.0.1): no real lab
        if not isinstance(target, IPv4Address) or target not in LAB_NET:
            out.append(where.site(key, f"{target} is outside {LAB_NET}: not allowed in a twin"))
    return out


def check_lab_paths(site: Site, where: Where) -> list[Problem]:
    """The twin keeps everything it writes or reads as state in its own directory:
    the kubeconfig, known_hosts and SSH keys inside `lab.state_dir`, which is an absolute path
    at least two levels below / (never / itself, /var or /home)."""
    if site.lab is None:
        return []
    state = expanded(site.lab.state_dir)
    if state is None:
        return []  # check_paths reports it
    out = []
    state = state.resolve()
    if not site.lab.state_dir.is_absolute() or len(state.parts) < 3:
        out.append(
            where.site(
                "lab.state_dir",
                f"{site.lab.state_dir} must be an absolute directory at least two levels below /",
            )
        )
        return out
    paths: list[tuple[str | None, str, Path | None]] = [
        (None, "kubernetes.kubeconfig", site.kubernetes.kubeconfig),
        (None, "lab.known_hosts", site.lab.known_hosts),
    ]
    paths += [
        (name, "data.credentials.ssh_key", login.credentials.ssh_key)
        for name, login in site.logins.items()
    ]
    for host, key, path in paths:
        full = expanded(path) if path is not None else None
        if full is None or full.resolve().is_relative_to(state):
            continue
        msg = f"{path} is outside the twin's directory {state} (lab.state_dir)"
        out.append(where.host(host, key, msg) if host else where.site(key, msg))
    return out


CHECKS: tuple[Check, ...] = (
    check_segments,
    check_overlaps,
    check_services,
    check_router_bgp,
    check_router_timers,
    check_nodes_on_segment,
    check_clients,
    check_unique_addresses,
    check_metallb,
    check_support,
    check_paths,
    check_manifests,
    check_avoided_ips,
    check_lab_addresses,
    check_lab_paths,
)


def cross_check(site: Site, inv: RawInventory) -> list[Problem]:
    where = Where(inv)
    # a group's value inherited by several hosts is one problem, reported once
    return list(dict.fromkeys(p for check in CHECKS for p in check(site, where)))
