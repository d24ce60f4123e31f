"""The router's BGP configuration rendered from the site model, per VyOS dialect (pure).

The result is a list of (path, value) leaves; `plan_router_bgp` turns it, together with the
router's running `show configuration commands`, into the set and delete lines to load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bgplb.errors import InputError
from bgplb.model import Site
from bgplb.model.specs import BfdSpec, BgpTimers, NeighborSpec, PeerGroupSpec
from bgplb.secrets import env_secret
from bgplb.vyos.dialects import BgpSyntax, VyosDialect
from bgplb.vyos.paths import (
    BFD_MULTIPLIER,
    BFD_RECEIVE,
    BFD_TRANSMIT,
    IPV4_UNICAST,
    LAYER4_HASHING,
    MAXIMUM_PATHS_EBGP,
    MAXIMUM_PATHS_IBGP,
    NEIGHBOR_BFD,
    Path,
    bfd_peer,
    bgp_base,
    check_word,
    parse_show_commands,
    render_delete,
    render_set,
    under,
)
from bgplb.vyos.timers import place_timers

MD5_KEY_MAX = 80  # TCP_MD5SIG_MAXKEYLEN; 1.3 password/node.def: "80 characters or less"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MANAGED_DESCRIPTION = "bgplb"

Leaf = tuple[Path, str | None]


@dataclass(frozen=True)
class RouterPlan:
    sets: list[str]
    deletes: list[str]
    removed_neighbors: list[str]  # managed neighbors that left the inventory
    # every set line's path and value is already on the router and nothing is to be deleted:
    # the router's own compare could only be empty (setting what is set changes nothing)
    in_place: bool = False

    @property
    def lines(self) -> list[str]:
        """Deletes first (stale objects), then the full desired state as set lines."""
        return [*self.deletes, *self.sets]


def _password(
    env: Mapping[str, str], name: str | None, what: str, dialect: VyosDialect
) -> str | None:
    """The BGP password from the environment, refused (never echoed) where VyOS would refuse
    it: whitespace (vyos-1x 1.4.0 protocols_bgp.py: 'Whitespace is not allowed in passwords!'),
    a control character (it cannot be typed on the command line), more than 80 characters
    (the kernel's TCP-MD5 key limit; 1.3's node.def says so) or a character the version's own
    check cannot take."""
    secret = env_secret(env, name, what)
    if not secret:
        return secret
    bad = [
        reason
        for reason, hit in (
            ("whitespace", any(ch.isspace() for ch in secret)),
            ("a control character", bool(_CONTROL.search(secret))),
            ("more than 80 characters", len(secret) > MD5_KEY_MAX),
            (
                f"one of {dialect.password_forbidden!r} (VyOS {dialect.name})",
                any(ch in dialect.password_forbidden for ch in secret),
            ),
        )
        if hit
    ]
    if bad:
        raise InputError(
            f"{what}: the password holds {' and '.join(bad)}, which VyOS refuses"
            " (its value is not shown)"
        )
    return secret


def _description(text: str, what: str, dialect: VyosDialect) -> str:
    check_word(text, what)
    if dialect.description_max is not None and len(text) > dialect.description_max:
        raise InputError(
            f"{what}: {len(text)} characters; VyOS {dialect.name} takes at most "
            f"{dialect.description_max}"
        )
    return text


def _peer_leaves(
    base: Path,
    spec: PeerGroupSpec | NeighborSpec,
    dialect: VyosDialect,
    env: Mapping[str, str],
    what: str,
) -> list[Leaf]:
    """The session settings a peer group and a neighbor share, under `base`."""
    leaves: list[Leaf] = []
    if spec.remote_as:
        leaves.append(((*base, "remote-as"), str(spec.remote_as)))
    if spec.update_source:
        leaves.append(((*base, "update-source"), str(spec.update_source)))
    if spec.soft_reconfiguration_inbound:
        leaves.append(((*base, *IPV4_UNICAST, "soft-reconfiguration", "inbound"), None))
    elif dialect.neighbor_af_required:
        leaves.append(((*base, *IPV4_UNICAST), None))
    secret = _password(env, spec.password_env, f"{what} password_env", dialect)
    if secret:
        leaves.append(((*base, "password"), secret))
    return leaves


def _timers(base: Path, timers: BgpTimers | None, dialect: VyosDialect, what: str) -> list[Leaf]:
    """`timers keepalive` and `timers holdtime` under `base` (VyOS 1.3 wants both together)."""
    if timers is None:
        return []
    if 0 < timers.holdtime < dialect.holdtime_min:
        raise InputError(
            f"{what} timers.holdtime: {timers.holdtime}; VyOS {dialect.name} takes 0 or "
            f"{dialect.holdtime_min}..65535"
        )
    return [
        ((*base, "timers", "holdtime"), str(timers.holdtime)),
        ((*base, "timers", "keepalive"), str(timers.keepalive)),
    ]


def _bfd_leaves(address: str, bfd: BfdSpec, dialect: VyosDialect, what: str) -> list[Leaf]:
    """`protocols bfd peer <address> interval ...` from the site's one BFD profile (the one
    MetalLB's BFDProfile is rendered from), checked against the dialect's ranges."""
    lo, hi = dialect.bfd_interval_ms
    mlo, mhi = dialect.bfd_multiplier
    for key, value, (a, b) in (
        ("receive_interval_ms", bfd.receive_interval_ms, (lo, hi)),
        ("transmit_interval_ms", bfd.transmit_interval_ms, (lo, hi)),
        ("detect_multiplier", bfd.detect_multiplier, (mlo, mhi)),
    ):
        if not a <= value <= b:
            raise InputError(
                f"{what} metallb.bfd.{key}: {value}; VyOS {dialect.name} takes {a}..{b}"
            )
    peer = bfd_peer(address)
    return [
        ((*peer, *BFD_MULTIPLIER), str(bfd.detect_multiplier)),
        ((*peer, *BFD_RECEIVE), str(bfd.receive_interval_ms)),
        ((*peer, *BFD_TRANSMIT), str(bfd.transmit_interval_ms)),
    ]


def bfd_neighbors(site: Site) -> list[str]:
    """The router's neighbors that get BFD: those that are the site's nodes (MetalLB's
    speakers, which run BFD in FRR mode with `metallb.bfd`), when the site asks for BFD."""
    if site.metallb.bfd is None:
        return []
    nodes = {n.address for n in site.nodes}
    return [str(n.address) for n in site.router.bgp.neighbors if n.address in nodes]


def desired_leaves(site: Site, env: Mapping[str, str]) -> list[Leaf]:
    """Every leaf the toolkit owns on the router, sorted as VyOS shows them."""
    router = site.router
    bgp = router.bgp
    dialect = router.dialect
    top = bgp_base(dialect, bgp.asn)
    for kind, value in (("ebgp", bgp.maximum_paths.ebgp), ("ibgp", bgp.maximum_paths.ibgp)):
        if value > dialect.maximum_paths_max:
            raise InputError(
                f"router {router.name} bgp.maximum_paths.{kind}: {value}; VyOS "
                f"{dialect.name} takes 1..{dialect.maximum_paths_max}"
            )
    leaves: list[Leaf] = [
        ((*top, *MAXIMUM_PATHS_EBGP), str(bgp.maximum_paths.ebgp)),
        ((*top, *MAXIMUM_PATHS_IBGP), str(bgp.maximum_paths.ibgp)),
    ]
    if dialect.bgp_syntax is not BgpSyntax.TAG_ASN:  # the tag is the ASN there
        asn_key = "local-as" if dialect.bgp_syntax is BgpSyntax.LOCAL_AS else "system-as"
        leaves.append(((*top, asn_key), str(bgp.asn)))
    leaves += [((*top, *IPV4_UNICAST, "network", str(net)), None) for net in bgp.networks]
    if bgp.router_id:
        leaves.append(((*top, "parameters", "router-id"), str(bgp.router_id)))
    placement = place_timers(bgp, dialect)
    if placement.conflicts:  # refused at validation (bgplb/model/checks.py); never rendered
        first = placement.conflicts[0]
        raise InputError(f"router {router.name} {first.key}: {first.message}")
    leaves += _timers(top, placement.router, dialect, f"router {router.name} bgp")
    for group in bgp.peer_groups:
        base = (*top, "peer-group", group.name)
        leaves += _peer_leaves(base, group, dialect, env, f"peer group {group.name}")
    names = {n.address: n.name for n in site.nodes}
    for spec in bgp.neighbors:
        base = (*top, "neighbor", str(spec.address))
        if spec.peer_group:
            leaves.append(((*base, "peer-group"), spec.peer_group))
        else:
            node = names.get(spec.address)
            label = f"{MANAGED_DESCRIPTION} {node}" if node else MANAGED_DESCRIPTION
            what = f"neighbor {spec.address} description"
            leaves.append(
                ((*base, "description"), _description(spec.description or label, what, dialect))
            )
        leaves += _peer_leaves(base, spec, dialect, env, f"neighbor {spec.address}")
        # VyOS peer groups have no timers: per neighbor, or the router's (bgplb/vyos/timers.py)
        timers = placement.neighbors.get(str(spec.address))
        leaves += _timers(base, timers, dialect, f"neighbor {spec.address}")
    for address in bfd_neighbors(site):
        assert site.metallb.bfd is not None
        what = f"router {router.name} neighbor {address}:"
        leaves += _bfd_leaves(address, site.metallb.bfd, dialect, what)
        leaves.append(((*top, "neighbor", address, *NEIGHBOR_BFD), None))
    if bgp.layer4_hashing:
        leaves.append((LAYER4_HASHING, None))
    return sorted(leaves, key=lambda leaf: leaf[0])


def render_commands(site: Site, env: Mapping[str, str]) -> list[str]:
    return [render_set(path, value) for path, value in desired_leaves(site, env)]


def _managed_neighbors(site: Site, top: Path, running: list[Path]) -> set[str]:
    """Neighbors on the router that the toolkit owns: in one of its peer groups or so described."""
    groups = {g.name for g in site.router.bgp.peer_groups}
    n = len(top)
    owned = set()
    for path in under(running, (*top, "neighbor")):
        if len(path) < n + 4:
            continue
        address, key, value = path[n + 1], path[n + 2], path[n + 3]
        if (key == "peer-group" and value in groups) or (
            key == "description" and value.startswith(MANAGED_DESCRIPTION)
        ):
            owned.add(address)
    return owned


def plan_router_bgp(site: Site, running_commands: str, env: Mapping[str, str]) -> RouterPlan:
    """Set lines for the desired state, delete lines for what the toolkit owns but no longer wants.

    Owned: the inventory's peer groups, neighbors in them or described `bgplb...`, the BFD
    peers of those neighbors (`protocols bfd peer <addr>`), and the layer-4 hashing leaf.
    Anything else on the router is left alone.
    """
    leaves = desired_leaves(site, env)
    desired = {path + ((value,) if value is not None else ()) for path, value in leaves}
    running = parse_show_commands(running_commands)
    top = bgp_base(site.router.dialect, site.router.bgp.asn)
    wanted_neighbors = {str(n.address) for n in site.router.bgp.neighbors}
    removed = sorted(_managed_neighbors(site, top, running) - wanted_neighbors)
    deletes = [render_delete((*top, "neighbor", address)) for address in removed]
    owned_prefixes = [(*top, "peer-group", g.name) for g in site.router.bgp.peer_groups]
    owned_prefixes += [(*top, "neighbor", a) for a in sorted(wanted_neighbors)]
    leaf_keys = {path for path, value in leaves if value is not None}
    for prefix in owned_prefixes:
        for path in under(running, prefix):
            # wanted as is, or a single-valued leaf that the set line will overwrite
            if path not in desired and path[:-1] not in leaf_keys:
                deletes.append(render_delete(path))
    with_bfd = set(bfd_neighbors(site))
    for address in sorted(wanted_neighbors | set(removed)):
        peer = bfd_peer(address)
        if address not in with_bfd and under(running, peer):
            deletes.append(render_delete(peer))  # the whole peer, not leaf by leaf
        elif address in with_bfd:
            for path in under(running, peer):
                if path not in desired and path[:-1] not in leaf_keys:
                    deletes.append(render_delete(path))
    if not site.router.bgp.layer4_hashing and LAYER4_HASHING in running:
        deletes.append(render_delete(LAYER4_HASHING))
    return RouterPlan(
        sets=[render_set(p, v) for p, v in leaves],
        deletes=list(dict.fromkeys(deletes)),
        removed_neighbors=removed,
        in_place=not deletes and desired <= set(running),
    )
