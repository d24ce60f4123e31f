"""The twin's topology derived from the site model, and the `ip` commands that build it (pure).

One namespace per host plus a switch namespace holding one bridge per segment; each host
interface is one end of a veth pair whose other end is a bridge port in the switch.
The machine itself joins each segment like the write-up's KVM host: a veth into the switch
with the hypervisor's address, which gives it connected routes to the lab and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Literal

from bgplb.errors import LabError
from bgplb.model import Site
from bgplb.model.checks import LAB_NET

PREFIX = "bgplab-"
SWITCH_NS = PREFIX + "sw"
LAB_SPACE = LAB_NET  # RFC 2544: the only addresses the twin may use (one definition, the model's)
HostKind = Literal["router", "node", "client"]


def ns_name(host: str) -> str:
    return PREFIX + host


def host_link_name(segment: str) -> str:
    """The machine's own interface into a segment (Linux caps names at 15 characters)."""
    return (PREFIX + segment)[:15]


def bridge_name(segment: str) -> str:
    return ("br-" + segment)[:15]


def port_name(host: str, ifname: str) -> str:
    """The switch-side end of a host's veth (names only need to be unique in the switch)."""
    return f"{host[:9]}-{ifname}"[:15]


@dataclass(frozen=True)
class Link:
    """One host interface: `ifname` inside namespace `ns` (None: the machine itself)."""

    host: str
    ns: str | None
    ifname: str
    address: IPv4Interface
    segment: str
    mac: str | None = None

    @property
    def port(self) -> str:
        return port_name(self.host, self.ifname)


@dataclass(frozen=True)
class Route:
    ns: str
    prefix: IPv4Network
    via: IPv4Address


@dataclass(frozen=True)
class LabHost:
    name: str
    kind: HostKind
    ns: str


@dataclass(frozen=True)
class Topology:
    hosts: tuple[LabHost, ...]
    segments: dict[str, IPv4Network]
    links: tuple[Link, ...]
    routes: tuple[Route, ...]

    @property
    def namespaces(self) -> tuple[str, ...]:
        return (SWITCH_NS, *(h.ns for h in self.hosts))

    @property
    def host_links(self) -> tuple[Link, ...]:
        """The machine's own interfaces into the lab."""
        return tuple(link for link in self.links if link.ns is None)

    def host(self, name: str) -> LabHost:
        for h in self.hosts:
            if h.name == name:
                return h
        raise LabError(f"no host {name!r} in the lab (hosts: {', '.join(self.host_names)})")

    @property
    def host_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hosts)

    @property
    def router(self) -> LabHost:
        return next(h for h in self.hosts if h.kind == "router")


def _inside(what: str, net: IPv4Network | IPv4Address) -> None:
    inside = net.subnet_of(LAB_SPACE) if isinstance(net, IPv4Network) else net in LAB_SPACE
    if not inside:
        raise LabError(f"{what} {net} is outside the lab's address space {LAB_SPACE}")


def plan(site: Site) -> Topology:
    """Build the topology from the site; refuse any address outside 198.18.0.0/15."""
    router = site.router
    segments = site.segments
    hosts = [LabHost(router.name, "router", ns_name(router.name))]
    links = [
        Link(router.name, ns_name(router.name), i.name, i.address, i.segment)
        for i in router.interfaces
    ]
    routes: list[Route] = []
    node_gw = router.address_on("nodes")
    for node in site.nodes:
        hosts.append(LabHost(node.name, "node", ns_name(node.name)))
        seg = _segment_of(segments, node.address, node.name)
        links.append(
            Link(node.name, ns_name(node.name), "eth0", _iface(segments[seg], node.address), seg)
        )
        gw = router.address_on(seg) or node_gw
        if gw is None:
            raise LabError(f"router {router.name} has no address on segment {seg}")
        routes.append(Route(ns_name(node.name), LAB_SPACE, gw))
    for client in site.clients:
        hosts.append(LabHost(client.name, "client", ns_name(client.name)))
        seg = _segment_of(segments, client.address, client.name)
        links.append(
            Link(
                client.name,
                ns_name(client.name),
                "eth0",
                _iface(segments[seg], client.address),
                seg,
            )
        )
        routes.extend(Route(ns_name(client.name), r.prefix, r.via) for r in client.routes)
    if site.hypervisor:
        for i in site.hypervisor.interfaces:
            links.append(
                Link(site.hypervisor.name, None, host_link_name(i.segment), i.address, i.segment)
            )
    # MACs from the inventory make `show arp` on the router read like the write-up's.
    macs = {n.name: n.mac for n in site.nodes if n.mac}
    links = [
        Link(x.host, x.ns, x.ifname, x.address, x.segment, macs.get(x.host)) if x.ns else x
        for x in links
    ]
    for net in segments.values():
        _inside("segment", net)
    for link in links:
        _inside(f"address of {link.host}", link.address.network)
        if link.segment not in segments:
            raise LabError(f"{link.host}: segment {link.segment!r} is not one of the router's")
    for route in routes:
        _inside(f"route in {route.ns}", route.prefix)
        _inside(f"next hop in {route.ns}", route.via)
    return Topology(tuple(hosts), dict(segments), tuple(links), tuple(routes))


def _segment_of(segments: dict[str, IPv4Network], addr: IPv4Address, host: str) -> str:
    for name, net in segments.items():
        if addr in net:
            return name
    raise LabError(f"{host}: address {addr} is on none of the router's segments")


def _iface(net: IPv4Network, addr: IPv4Address) -> IPv4Interface:
    return IPv4Interface(f"{addr}/{net.prefixlen}")


# ---- commands (argv lists for `ip -n NS -batch -`, one line per command) --------------------


def switch_commands(topo: Topology) -> list[str]:
    """Bridges in the switch namespace, veth pairs to every host, ports enslaved and up."""
    lines = ["link set lo up"]
    for seg in topo.segments:
        br = bridge_name(seg)
        lines += [f"link add {br} type bridge", f"link set {br} up"]
    for link in topo.links:
        if link.ns is None:
            continue
        lines.append(f"link add {link.port} type veth peer name {link.ifname} netns {link.ns}")
    for link in topo.links:
        if link.ns is None:
            continue
        lines += [
            f"link set {link.port} master {bridge_name(link.segment)}",
            f"link set {link.port} up",
        ]
    return lines


def host_side_commands(topo: Topology) -> list[str]:
    """The machine's own veths into the switch (run in the host namespace)."""
    lines = []
    for link in topo.host_links:
        lines.append(f"link add {link.ifname} type veth peer name {link.port} netns {SWITCH_NS}")
    return lines


def host_side_up_commands(topo: Topology) -> list[str]:
    lines = []
    for link in topo.host_links:
        lines += [
            f"link set {link.ifname} addrgenmode none",
            f"addr add {link.address} dev {link.ifname}",
            f"link set {link.ifname} up",
        ]
    return lines


def switch_host_port_commands(topo: Topology) -> list[str]:
    lines = []
    for link in topo.host_links:
        lines += [
            f"link set {link.port} master {bridge_name(link.segment)}",
            f"link set {link.port} up",
        ]
    return lines


def namespace_commands(topo: Topology, ns: str) -> list[str]:
    """Addresses, MACs, links up and routes inside one host namespace."""
    lines = ["link set lo up"]
    for link in topo.links:
        if link.ns != ns:
            continue
        if link.mac:
            lines.append(f"link set {link.ifname} address {link.mac}")
        lines += [f"addr add {link.address} dev {link.ifname}", f"link set {link.ifname} up"]
    for route in topo.routes:
        if route.ns == ns:
            lines.append(f"route replace {route.prefix} via {route.via}")
    return lines


def router_sysctls(layer4_hashing: bool) -> dict[str, str]:
    """Router namespace only: forwarding on, no reverse-path filter, the ECMP hash policy."""
    return {
        "net.ipv4.ip_forward": "1",
        "net.ipv4.conf.all.rp_filter": "0",
        "net.ipv4.conf.default.rp_filter": "0",
        "net.ipv4.fib_multipath_hash_policy": "1" if layer4_hashing else "0",
    }
