"""The failover drill, pure parts: the shell commands it sends and the reading of their output.

A hard node failure is its link going dark with its BGP session left open (no FIN, no RST):
the router keeps the node as a next hop until the hold timer (or BFD) says otherwise. The drill
cuts the link of the node's interface *on the node*, self-restoring: the command that takes the
link down also brings it back after `seconds`, in the background, so a lost SSH session or a
crashed drill never leaves a node cut. The drill restores it earlier itself once it has
measured. A link down flushes the routes through it (the default route, static routes) and a
link up does not bring them back: the restore re-adds the routes read before the cut.

From each client, a loop of short requests (a new connection each, so layer-4 ECMP spreads
them) prints `<epoch seconds> <HTTP code>`; the loss window is from the first failed request to
the first success after the last failure (clock offsets between hosts do not matter: each
client's window is measured on its own clock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address

from bgplb.errors import InputError, ParseError
from bgplb.model import Site
from bgplb.model.specs import ServiceSpec

# root on the node: `sudo -n` (never a password prompt) unless the login is root already
AS_ROOT = 'if [ "$(id -u)" = 0 ]; then R=; else R="sudo -n"; fi; '
_IFACE = re.compile(r"^\d+:\s+(?P<name>[^\s:@]+)[@\s]")


ROUTES_MARK = "@@ROUTES"
_ROUTE_WORD = re.compile(r"^[A-Za-z0-9./:_-]+$")


@dataclass(frozen=True)
class NodeLink:
    """The node's interface holding its address, and the routes through it that a link down
    flushes and a link up does not bring back (`proto kernel` ones come back by themselves)."""

    interface: str
    routes: tuple[str, ...] = ()


def interface_command(address: IPv4Address) -> str:
    """The interface holding the node's address, then every IPv4 route."""
    return f"ip -o -4 addr show to {address}/32; echo {ROUTES_MARK}; ip -4 route show"


def parse_interface(text: str, address: IPv4Address) -> NodeLink:
    head, _, routes = text.partition(ROUTES_MARK)
    for line in head.splitlines():
        m = _IFACE.match(line.strip())
        if m and m["name"] != "lo":
            name = _check_interface(m["name"])
            return NodeLink(name, _routes_via(routes, name))
    raise ParseError(interface_command(address), "no interface holds the address", text)


# routes the system put there by hand or at boot; the kernel's and a routing daemon's (bgp,
# ospf, ...) come back by themselves once the link and the sessions are up
RESTORED_PROTOCOLS = ("boot", "static", "dhcp")


def _routes_via(text: str, interface: str) -> tuple[str, ...]:
    out = []
    for line in text.splitlines():
        words = line.split()
        proto = words[words.index("proto") + 1] if "proto" in words[:-1] else "boot"
        if not words or proto not in RESTORED_PROTOCOLS or f"dev {interface}" not in line:
            continue
        words = [w for w in words if w != "linkdown"]
        if "nhid" in words[:-1]:  # a nexthop object: the via/dev words say the same
            i = words.index("nhid")
            words = words[:i] + words[i + 2 :]
        if not all(_ROUTE_WORD.match(w) for w in words):
            raise ParseError("ip -4 route show", "a route the drill cannot restore safely", line)
        out.append(" ".join(words))
    return tuple(out)


def _check_interface(interface: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,15}", interface):
        raise ValueError(f"refusing interface name {interface!r}")
    return interface


def _up(link: NodeLink) -> str:
    """Link up, then its routes back (words checked: safe inside double quotes)."""
    dev = _check_interface(link.interface)
    for route in link.routes:
        if not all(_ROUTE_WORD.match(w) for w in route.split()):
            raise ValueError(f"refusing route {route!r}")
    return "; ".join(
        [f"$R ip link set dev {dev} up", *(f"$R ip route replace {r}" for r in link.routes)]
    )


def cut_command(link: NodeLink, seconds: float) -> str:
    """Take the link down now and, in the background, up again (routes included) after
    `seconds`: a lost session or a crashed drill never leaves the node cut."""
    dev = _check_interface(link.interface)
    return (
        f'{AS_ROOT}nohup sh -c "sleep {float(seconds):g}; {_up(link)}" '
        f">/dev/null 2>&1 & $R ip link set dev {dev} down && echo CUT"
    )


def restore_command(link: NodeLink) -> str:
    return f"{AS_ROOT}{_up(link)} && echo RESTORED"


def sample_command(
    address: IPv4Address,
    port: int,
    duration_s: float,
    timeout_s: float = 0.5,
    interval_s: float = 0.1,
) -> str:
    """Requests one after the other for `duration_s`: `<epoch> <code>` per request."""
    url = f"http://{address}:{port}/"
    return (
        f"end=$(( $(date +%s) + {int(duration_s + 0.999)} )); "
        'while [ "$(date +%s)" -lt "$end" ]; do s=$(date +%s.%N); '
        f"c=$(curl -s -o /dev/null -m {timeout_s:g} -w '%{{http_code}}' {url}); "
        f'echo "$s $c"; sleep {interval_s:g}; done'
    )


@dataclass(frozen=True)
class Sample:
    at: float  # epoch seconds on the client's clock, when the request started
    ok: bool


_SAMPLE = re.compile(r"^(?P<at>\d+(?:\.\d+)?) (?P<code>\d{3})$")


def parse_samples(text: str) -> list[Sample]:
    out = []
    for line in text.splitlines():
        m = _SAMPLE.match(line.strip())
        if m:
            code = int(m["code"])
            out.append(Sample(float(m["at"]), 200 <= code < 400))
    return out


@dataclass(frozen=True)
class LossWindow:
    requests: int
    failed: int
    window_s: float | None  # first failure -> first success after the last one; None: no loss
    recovered: bool  # a success came after the last failure


def loss_window(samples: list[Sample]) -> LossWindow:
    failed = [s for s in samples if not s.ok]
    if not failed:
        return LossWindow(len(samples), 0, None, True)
    last = failed[-1]
    after = next((s for s in samples if s.ok and s.at > last.at), None)
    end = after.at if after else last.at
    return LossWindow(len(samples), len(failed), end - failed[0].at, after is not None)


# What the Service's externalTrafficPolicy (the inventory's services[].external_traffic_policy)
# means for what the drill measures; printed with the plan, recorded with each result.
POLICY_EFFECT = {
    "Cluster": (
        "live nodes keep forwarding part of their flows to the cut node's pods until "
        "Kubernetes marks the node Unknown (the node monitor's grace period, 40 s by default): "
        "the clients' loss window can outlast the router's withdraw"
    ),
    "Local": (
        "each node serves only its own pods and announces only while it has a ready one: the "
        "clients' loss window follows the router's withdraw; a node without a ready pod of the "
        "Service is no next hop and cannot be drilled"
    ),
}


def target_service(site: Site) -> ServiceSpec:
    """The Service the drill's clients sample: the inventory's first with an lb_ip."""
    for svc in site.services:
        if svc.lb_ip is not None:
            return svc
    raise InputError("no Service in the inventory has an lb_ip to measure")


def policy_at(site: Site, lb_ip: IPv4Address) -> str:
    """The externalTrafficPolicy of the inventory's Service at `lb_ip` ("" when none is)."""
    return next((s.external_traffic_policy for s in site.services if s.lb_ip == lb_ip), "")


def not_a_next_hop(node: str, lb_ip: IPv4Address, policy: str) -> str:
    """Why a node cannot be drilled: the router does not route the address to it."""
    why = (
        " (externalTrafficPolicy Local: a node announces only with a ready pod of the Service "
        "on it)"
        if policy == "Local"
        else ""
    )
    return f"{node} is not a next hop of {lb_ip} before the drill{why}"
