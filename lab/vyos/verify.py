"""Commit-time verification (the `verify()` of vyos-1x conf_mode scripts) and the way a
failed or warning commit is printed per VyOS generation (transcripts §5b-5e).
"""

from __future__ import annotations

import ipaddress
import textwrap
from dataclasses import dataclass, field
from enum import StrEnum

from bgplb.vyos.dialects import BgpSyntax, ConfirmStyle, VyosDialect
from lab.vyos.bgp_view import BgpView, bgp_view
from lab.vyos.config_tree import ConfigNode

BGP_PATH = "protocols bgp"


@dataclass(frozen=True)
class Verdict:
    """The first ConfigError of a config script (None when it passed) and its warnings."""

    path: str = BGP_PATH
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def _local_addresses(root: ConfigNode) -> set[str]:
    out: set[str] = set()
    for kind in ("ethernet", "loopback", "dummy"):
        tag = root.get(["interfaces", kind])
        for iface in tag.children.values() if tag else ():
            address = iface.get(["address"])
            for value in address.values if address else ():
                if "/" in value:
                    out.add(str(ipaddress.ip_interface(value).ip))
    return out


def _remote_as(peer_as: str | None, group: str | None, bgp: BgpView) -> str | None:
    if peer_as:
        return peer_as
    for pg in bgp.peer_groups:
        if pg.name == group:
            return pg.remote_as
    return None


def verify_bgp(root: ConfigNode, dialect: VyosDialect) -> Verdict:
    """protocols_bgp.py verify(): the rolling-2021 (local-as) or 1.4+ (system-as) checks."""
    bgp = bgp_view(root)
    if bgp is None:
        return Verdict()
    new = dialect.bgp_syntax is BgpSyntax.SYSTEM_AS
    if bgp.asn is None:
        word = "system-as" if new else "local-as"
        return Verdict(error=f"BGP {word} number must be defined!")
    groups = {pg.name: pg for pg in bgp.peer_groups}
    warnings: list[str] = []
    ibgp_of_group: dict[str, bool] = {}
    local = _local_addresses(root)
    for kind, peers in (("neighbor", bgp.neighbors), ("peer_group", bgp.peer_groups)):
        for peer in peers:
            if peer.peer_group is not None and peer.peer_group not in groups:
                # sic: VyOS prints the loop variable ("neighbor"), not the peer
                return Verdict(
                    error=f'Specified peer-group "{peer.peer_group}" for neighbor "{kind}" '
                    "does not exist!"
                )
            if new and peer.peer_group is not None and peer.remote_as is not None:
                is_ibgp = peer.remote_as in ("internal", bgp.asn)
                if ibgp_of_group.setdefault(peer.peer_group, is_ibgp) != is_ibgp:
                    return Verdict(error="Peer-group members must be all internal or all external")
            if peer.password is not None and " " in peer.password:
                text = (
                    "Whitespace is not allowed in passwords!"
                    if new
                    else ("You can't use spaces in the password")
                )
                return Verdict(error=text)
            if kind != "neighbor":
                continue
            if _remote_as(peer.remote_as, peer.peer_group, bgp) is None:
                return Verdict(error=f'Neighbor "{peer.name}" remote-as must be set!')
            group = groups.get(peer.peer_group or "")
            if new and not (peer.ipv4_unicast or (group is not None and group.ipv4_unicast)):
                warnings.append(f'BGP neighbor "{peer.name}" requires address-family!')
            if new and group is not None and peer.remote_as and group.remote_as:
                return Verdict(
                    error=f'Peer-group member "{peer.name}" cannot override remote-as of '
                    f'peer-group "{group.name}"!'
                )
            if peer.name in local:
                text = (
                    f'Can not configure local address as neighbor "{peer.name}" in default VRF!'
                    if new
                    else f'Can\'t configure local address as neighbor "{peer.name}"'
                )
                return Verdict(error=text)
    return Verdict(warnings=warnings)


class ErrorStyle(StrEnum):
    PLAIN = "plain"  # 1.3 / rolling 2021: message, empty line, [[path]] failed
    CONFIGD = "configd"  # 1.4 LTS: message wrapped in empty lines
    HEADER = "header"  # 1.5: `[ path ]` header line first


def error_style(dialect: VyosDialect) -> ErrorStyle:
    """The commit-output style of a dialect (keyed on its commit-confirm generation)."""
    return {
        ConfirmStyle.V13: ErrorStyle.PLAIN,
        ConfirmStyle.V14: ErrorStyle.CONFIGD,
        ConfirmStyle.V15: ErrorStyle.HEADER,
    }[dialect.confirm_style]


def _fill(text: str) -> str:
    return textwrap.fill(text, width=72)


def commit_failure_text(dialect: VyosDialect, path: str, error: str) -> str:
    """`<message>` / `[[path]] failed` / `Commit failed`, laid out per generation."""
    style = error_style(dialect)
    tail = f"\n[[{path}]] failed\nCommit failed\n"
    if style is ErrorStyle.PLAIN:
        return f"{error}\n{tail}"
    if style is ErrorStyle.CONFIGD:
        return f"\n{_fill(error)}\n{tail}"
    return f"[ {path} ]\n{_fill(error)}\n{tail}"


def warnings_text(dialect: VyosDialect, path: str, warnings: list[str]) -> str:
    if not warnings:
        return ""
    body = "".join(f"\n{_fill('WARNING: ' + w)}\n\n" for w in warnings)
    if error_style(dialect) is ErrorStyle.HEADER:
        return f"[ {path} ]\n{body}"
    return body
