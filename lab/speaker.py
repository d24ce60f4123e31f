"""A node's BGP speaker in the twin (what MetalLB's FRR mode does on a real node).

Stateless on purpose: the truth is the node's FRR (saved to its frr.conf after each change)
and the node's kernel (an LB address is announceable while it sits on the node's `lo`), so any
process can drive a speaker: tests, the audit, the emulated MetalLB.

    sp = Speaker(site, "worker01")
    sp.peer(Timers(3, 9)); sp.announce(IPv4Address("198.18.100.10"))
    sp.kill_bgpd(); sp.start_bgpd(); sp.cut_link(); sp.restore_link()
"""

from __future__ import annotations

import json
import signal
from ipaddress import IPv4Address, IPv4Network

from bgplb.errors import LabError
from bgplb.model import Site
from lab import frr
from lab.frr_config import (
    BfdProfile,
    Timers,
    bfd_commands,
    neighbor_timers_line,
    network_commands,
    peer_lines,
    router_peer_address,
    timers_commands,
    vtysh_router_bgp,
)
from lab.instances import node_instance
from lab.netns import IP, ip_json, run
from lab.poll import wait_for
from lab.state import forget_process, read_record, signal_process
from lab.topology import LAB_SPACE, SWITCH_NS, ns_name, port_name

DEFAULT_HOLDTIME = 180  # FRR's (and VyOS's) default hold time, seconds


class Speaker:
    """Drive one node's speaker. Holds no state of its own beyond the site and the node."""

    def __init__(self, site: Site, node_name: str) -> None:
        try:
            self.node = site.node(node_name)
        except StopIteration:
            raise LabError(f"no node {node_name!r} in the site") from None
        self.site = site
        self.ns = ns_name(node_name)
        self.inst = node_instance(site, node_name)

    # ---- BGP session ------------------------------------------------------------------
    @property
    def router_address(self) -> IPv4Address:
        return router_peer_address(self.site, self.node)

    def peer(
        self,
        timers: Timers | None = None,
        asked: Timers | None = None,
        bfd: BfdProfile | None = None,
    ) -> None:
        """Peer with the router (ASN and addresses from the site); idempotent. `asked`: the
        session's own timers, as MetalLB configures them (`neighbor X timers KA HOLD`, set
        with the neighbor, so the first OPEN carries them); `bfd`: the peer's BFD profile
        (MetalLB FRR mode: `bfd` > `profile`, `neighbor X bfd profile P`; None: no BFD);
        `timers`: set afterwards, with a session reset (set_timers)."""
        body = [" no bgp ebgp-requires-policy", *peer_lines(self.site, self.node)]
        if asked is not None:
            body.append(neighbor_timers_line(self.router_address, asked))
        self._configure(vtysh_router_bgp(self.node, body))
        if bfd is not None or "peerBfdInfo" in self._neighbor():
            self._configure(bfd_commands(self.node, self.router_address, bfd))
        if asked is not None and self._neighbor().get("bgpState") == "Established":
            # a session up before (the twin peers at boot) still runs on the old timers
            frr.vtysh(self.inst, f"clear bgp ipv4 unicast {self.router_address}")
        if timers is not None:
            self.set_timers(timers)

    def unpeer(self) -> None:
        self._configure(vtysh_router_bgp(self.node, [f"no neighbor {self.router_address}"]))

    def set_timers(self, timers: Timers | None, wait: float = 15.0) -> None:
        """`timers bgp KEEPALIVE HOLD` (None: FRR's defaults, 60/180). The session is reset so
        the hold time applies at once; returns when it is Established again with it."""
        self._configure(timers_commands(self.node, self.router_address, timers))
        before = self._neighbor().get("connectionsEstablished", 0)
        frr.vtysh(self.inst, f"clear bgp ipv4 unicast {self.router_address}")
        hold_ms = (timers.holdtime if timers else DEFAULT_HOLDTIME) * 1000

        def renegotiated() -> bool:
            peer = self._neighbor()
            return (
                peer.get("bgpState") == "Established"
                and peer.get("connectionsEstablished") != before
                and peer.get("bgpTimerConfiguredHoldTimeMsecs") == hold_ms
            )

        if not wait_for(renegotiated, timeout=wait, interval=0.05):
            raise LabError(f"{self.node.name}: session not re-established within {wait} s")

    def _neighbor(self) -> dict[str, object]:
        data = frr.vtysh_json(self.inst, f"show bgp neighbors {self.router_address} json")
        peer = data.get(str(self.router_address), {})
        return peer if isinstance(peer, dict) else {}

    def bfd_status(self) -> str | None:
        """The node's BFD session with the router (`up`, `down`, `init`, ...); None: none."""
        for peer in frr_bfd_peers(self.inst):
            if peer.get("peer") == str(self.router_address):
                return str(peer.get("status"))
        return None

    def session_state(self) -> str:
        """The node's view of its session with the router (`Established`, `Active`, ...)."""
        data = frr.vtysh_json(self.inst, "show bgp ipv4 unicast summary json")
        peers = data.get("peers", {})
        assert isinstance(peers, dict)
        peer = peers.get(str(self.router_address))
        return str(peer.get("state", "unknown")) if isinstance(peer, dict) else "not configured"

    # ---- announcements ------------------------------------------------------------------
    def announce(self, address: IPv4Address) -> None:
        """Put address/32 on the node's lo and `network address/32` in BGP."""
        _check(address)
        run([IP, "-n", self.ns, "addr", "replace", f"{address}/32", "dev", "lo"])
        self._configure(network_commands(self.node, _host(address), withdraw=False))

    def withdraw(self, address: IPv4Address) -> None:
        """Take `network address/32` out of BGP. The node keeps the address on its lo: a real
        node keeps serving a LoadBalancer IP whatever MetalLB announces (kube-proxy programs
        it on every node), so flows the router still sends while it converges are answered."""
        _check(address)
        self._configure(network_commands(self.node, _host(address), withdraw=True))

    def announced(self) -> list[IPv4Address]:
        """LB addresses on the node's lo: every one it was ever asked to announce (withdraw
        keeps them; see there)."""
        found: list[IPv4Address] = []
        for link in ip_json(self.ns, ["-4", "addr", "show", "dev", "lo"]):
            infos = link.get("addr_info", [])
            assert isinstance(infos, list)
            for info in infos:
                addr = IPv4Address(str(info["local"]))
                if addr in LAB_SPACE and int(info["prefixlen"]) == 32:
                    found.append(addr)
        return sorted(found)

    # ---- the daemon ---------------------------------------------------------------------
    def bgpd_alive(self) -> bool:
        return frr.alive(self.inst, "bgpd")

    def stop_bgpd(self) -> None:
        """Graceful stop (SIGTERM; the session closes with a NOTIFICATION)."""
        frr.stop(self.inst, ("bgpd",))

    def kill_bgpd(self) -> None:
        """SIGKILL, as a crash: the kernel closes the TCP session, the router drops the paths."""
        rec = read_record(self.inst.paths, self.inst.record_name("bgpd"))
        if rec is None or not signal_process(rec, signal.SIGKILL):
            raise LabError(f"bgpd of {self.node.name} is not running")
        forget_process(self.inst.paths, rec.name)

    def start_bgpd(self) -> None:
        """Start bgpd again and load the node's saved configuration into it."""
        if self.bgpd_alive():
            return
        for suffix in ("pid", "vty"):
            (self.inst.run_dir / f"bgpd.{suffix}").unlink(missing_ok=True)
        frr.wait_launchers(self.inst, frr.spawn(self.inst, ("bgpd",)))
        frr.record(self.inst, ("bgpd",))
        frr.boot(self.inst)

    # ---- the link -----------------------------------------------------------------------
    def cut_link(self) -> None:
        """Pull the node's cable at the switch: no packet passes, nobody is told."""
        self._port("down")

    def restore_link(self) -> None:
        self._port("up")

    def link_up(self) -> bool:
        data = ip_json(SWITCH_NS, ["link", "show", "dev", port_name(self.node.name, "eth0")])
        flags = data[0].get("flags", []) if data else []
        return isinstance(flags, list) and "UP" in flags

    def _port(self, state: str) -> None:
        run([IP, "-n", SWITCH_NS, "link", "set", port_name(self.node.name, "eth0"), state])

    def _configure(self, commands: list[str]) -> None:
        frr.vtysh(self.inst, *commands, "end", "write memory")


def frr_bfd_peers(inst: frr.Instance) -> list[dict[str, object]]:
    """bfdd's `show bfd peers json` (a list) of one FRR instance."""
    out = frr.vtysh(inst, "show bfd peers json")
    try:
        data = json.loads(out or "[]")
    except ValueError as exc:
        raise LabError(f"{inst.pathspace} `show bfd peers json`: not JSON: {out[:200]}") from exc
    return [p for p in data if isinstance(p, dict)] if isinstance(data, list) else []


def _check(address: IPv4Address) -> None:
    if address not in LAB_SPACE:
        raise LabError(f"{address} is outside the lab's address space {LAB_SPACE}")


def _host(address: IPv4Address) -> IPv4Network:
    return IPv4Network(f"{address}/32")


def speakers(site: Site) -> list[Speaker]:
    return [Speaker(site, n.name) for n in site.nodes]


__all__ = ["Speaker", "Timers", "speakers"]
