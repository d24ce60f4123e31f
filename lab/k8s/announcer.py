"""How emulated MetalLB speakers reach BGP: the `Announcer` protocol and its implementations.

`LabAnnouncer` drives each node's FRR through `lab.speaker.Speaker`; `RecordingAnnouncer`
keeps the sessions and announcements in a JSON file (tests, or a cluster without the twin).
"""

from __future__ import annotations

import json
import logging
import threading
from ipaddress import IPv4Address
from pathlib import Path
from typing import Protocol

from bgplb.model import Site
from lab.frr_config import BfdProfile, Timers

log = logging.getLogger("lab.k8s.metallb")


class Announcer(Protocol):
    def peer(
        self,
        node: str,
        peer_address: IPv4Address,
        peer_asn: int,
        my_asn: int,
        timers: tuple[int, int] | None = None,  # (keepalive, hold) asked; None: FRR's
        bfd: BfdProfile | None = None,  # the peer's BFD profile (FRR mode); None: no BFD
    ) -> None: ...

    def unpeer(self, node: str, peer_address: IPv4Address) -> None: ...

    def announce(self, node: str, address: IPv4Address) -> None: ...

    def withdraw(self, node: str, address: IPv4Address) -> None: ...


class RecordingAnnouncer:
    """Writes {"peers": [[node, peer, peer_asn, my_asn]...], "announced": [[node, ip]...]}."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _read(self) -> dict[str, list[list[object]]]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            data = {}
        return {
            "peers": data.get("peers", []),
            "announced": data.get("announced", []),
            "timers": data.get("timers", []),  # [node, peer, keepalive, hold] (none: FRR's)
            "bfd": data.get("bfd", []),  # [node, peer, profile name] (none: no BFD)
            "events": data.get("events", []),  # [verb, node, peer or address], in order
        }

    def _edit(
        self, key: str, item: list[object], add: bool, match: int | None = None, event: str = ""
    ) -> None:
        with self._lock:
            data = self._read()
            n = match or len(item)
            rows = [r for r in data[key] if r[:n] != item[:n]]
            if add:
                rows.append(item)
            data[key] = sorted(rows, key=str)
            if event:
                data["events"].append([event, *item[:2]])
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1))
            tmp.replace(self.path)

    def peer(
        self,
        node: str,
        peer_address: IPv4Address,
        peer_asn: int,
        my_asn: int,
        timers: tuple[int, int] | None = None,
        bfd: BfdProfile | None = None,
    ) -> None:
        self._edit("peers", [node, str(peer_address), peer_asn, my_asn], True, 2, "peer")
        self._edit("timers", [node, str(peer_address), *(timers or ())], True, 2)
        self._edit("bfd", [node, str(peer_address), *([bfd.name] if bfd else [])], True, 2)

    def unpeer(self, node: str, peer_address: IPv4Address) -> None:
        self._edit("peers", [node, str(peer_address)], False, event="unpeer")
        self._edit("timers", [node, str(peer_address)], False)
        self._edit("bfd", [node, str(peer_address)], False)

    def announce(self, node: str, address: IPv4Address) -> None:
        self._edit("announced", [node, str(address)], True, event="announce")

    def withdraw(self, node: str, address: IPv4Address) -> None:
        self._edit("announced", [node, str(address)], False, event="withdraw")


def read_events(path: Path) -> list[tuple[str, str, str]]:
    """Every peer/unpeer/announce/withdraw a RecordingAnnouncer saw, in order:
    (verb, node, peer address or LB address)."""
    return [(str(a), str(b), str(c)) for a, b, c in RecordingAnnouncer(path)._read()["events"]]


def read_recording(path: Path) -> tuple[set[tuple[str, str, int, int]], set[tuple[str, str]]]:
    """What a RecordingAnnouncer holds: ({(node, peer, peer_asn, my_asn)}, {(node, ip)})."""
    data = RecordingAnnouncer(path)._read()
    peers = {(str(a), str(b), int(str(c)), int(str(d))) for a, b, c, d in data["peers"]}
    return peers, {(str(a), str(b)) for a, b in data["announced"]}


class LabAnnouncer:
    """The twin's node speakers. A session whose addresses or ASNs differ from what the node's
    FRR can peer with (the site's router) never comes up, so it is logged and not configured."""

    def __init__(self, site: Site) -> None:
        self.site = site

    def _speaker(self, node: str):  # type: ignore[no-untyped-def]
        from lab.speaker import Speaker

        return Speaker(self.site, node)

    def peer(
        self,
        node: str,
        peer_address: IPv4Address,
        peer_asn: int,
        my_asn: int,
        timers: tuple[int, int] | None = None,
        bfd: BfdProfile | None = None,
    ) -> None:
        sp = self._speaker(node)
        if (peer_address, peer_asn, my_asn) != (
            sp.router_address,
            self.site.router.bgp.asn,
            sp.node.asn,
        ):
            log.warning(
                "%s: MetalLB peer %s AS%s (my AS%s) is not the router %s AS%s (node AS%s): "
                "the session cannot establish",
                node,
                peer_address,
                peer_asn,
                my_asn,
                sp.router_address,
                self.site.router.bgp.asn,
                sp.node.asn,
            )
            return
        sp.peer(asked=Timers(*timers) if timers else None, bfd=bfd)

    def unpeer(self, node: str, peer_address: IPv4Address) -> None:
        sp = self._speaker(node)
        if peer_address == sp.router_address:
            sp.unpeer()

    def announce(self, node: str, address: IPv4Address) -> None:
        self._speaker(node).announce(address)

    def withdraw(self, node: str, address: IPv4Address) -> None:
        self._speaker(node).withdraw(address)
