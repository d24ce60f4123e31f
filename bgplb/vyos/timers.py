"""Where the router's BGP timers go, per VyOS dialect (pure).

The model carries timers at three levels: the router's (`data.bgp.timers`, rendered as
`protocols bgp [<ASN>] timers`, FRR `timers bgp`: the default of every session without its
own), a peer group's (`data.bgp.peer_groups[].timers`: VyOS peer groups have no `timers` node
(1.3 templates, vyos-1x peer-group XML), so they are rendered on each member) and a
neighbor's (`data.bgp.neighbors[].timers`, overriding its group's).

VyOS 1.3 refuses, at commit, a neighbor in a peer-group that has `timers`: vyatta-cfg-quagga
equuleus fa7b0412 scripts/bgp/vyatta-bgp.pl checkBannedPeerGroupParameters, "parameter timers
is incompatible with a neighbor in a peer-group". There a member's timers can only be the
router's. So on such a dialect:
- a member whose timers (its own or its group's) equal the router's gets no timers line;
- with no router timers, when every member asks for the same timers and every neighbor outside
  the peer groups has its own (so that nothing else changes), those timers go to the router;
- anything else cannot be rendered and is refused at validation, naming the key.
vyos-1x (1.4, 1.5) has no such check: `verify()` of protocols_bgp.py bans nothing on a
peer-group member but a remote-as beside the group's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bgplb.model.specs import BgpTimers, RouterBgpSpec
    from bgplb.vyos.dialects import VyosDialect


@dataclass(frozen=True)
class TimersConflict:
    key: str  # inventory key of the router host, e.g. "data.bgp.peer_groups[0].timers"
    message: str


@dataclass(frozen=True)
class TimersPlacement:
    router: BgpTimers | None  # `protocols bgp [<ASN>] timers`
    neighbors: dict[str, BgpTimers] = field(default_factory=dict)  # address -> its own line
    conflicts: list[TimersConflict] = field(default_factory=list)


def _text(timers: BgpTimers | None) -> str:
    if timers is None:
        return "none (FRR's defaults, keepalive 60 s / holdtime 180 s)"
    return f"keepalive {timers.keepalive} / holdtime {timers.holdtime}"


def place_timers(bgp: RouterBgpSpec, dialect: VyosDialect) -> TimersPlacement:
    group_index = {g.name: i for i, g in enumerate(bgp.peer_groups)}
    group_timers = {g.name: g.timers for g in bgp.peer_groups}
    # (address, peer group, effective timers, the key they come from)
    sessions: list[tuple[str, str | None, BgpTimers | None, str]] = []
    for i, n in enumerate(bgp.neighbors):
        if n.timers is not None or n.peer_group is None:
            key = f"data.bgp.neighbors[{i}].timers"
            sessions.append((str(n.address), n.peer_group, n.timers, key))
        else:
            key = f"data.bgp.peer_groups[{group_index.get(n.peer_group, 0)}].timers"
            sessions.append((str(n.address), n.peer_group, group_timers.get(n.peer_group), key))
    if dialect.peer_group_member_timers:
        own = {a: t for a, _, t, _ in sessions if t is not None}
        return TimersPlacement(bgp.timers, own)
    members = [s for s in sessions if s[1] is not None]
    others = [s for s in sessions if s[1] is None]
    router = bgp.timers
    asked = {t for _, _, t, _ in members}
    if router is None and len(asked) == 1 and all(t is not None for _, _, t, _ in others):
        router = next(iter(asked))  # the members' one value, nothing else affected
    own = {a: t for a, _, t, _ in others if t is not None}
    by_key: dict[str, list[str]] = {}
    values: dict[str, BgpTimers | None] = {}
    for address, _, timers, key in members:
        if timers is not None and timers != router:
            by_key.setdefault(key, []).append(address)
            values[key] = timers
    conflicts = [
        TimersConflict(
            key,
            f"{_text(values[key])} for {', '.join(addresses)}, in a peer group: VyOS "
            f"{dialect.name} refuses timers on a neighbor in a peer-group (vyatta-bgp.pl: "
            "'parameter timers is incompatible with a neighbor in a peer-group'), so its "
            f"members take the router's timers, here {_text(router)}; set data.bgp.timers "
            "to the timers every peer-group member should have and remove this",
        )
        for key, addresses in by_key.items()
    ]
    return TimersPlacement(router, own, conflicts)
