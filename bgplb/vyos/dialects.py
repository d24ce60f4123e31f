"""VyOS versions mapped to the CLI behaviour that differs between them, as data.

Every fact is dated by the upstream commit that made it (../shared/upstream/README.md, the
vyos-1x and vyatta-cfg-quagga files kept there, and ../shared/notes/vyos-transcripts.md):

- 1.3.x (equuleus, vyatta-cfg-quagga): `protocols bgp <ASN> ...`; a neighbor needs no
  address-family (FRR 7.5 keeps `bgp default ipv4-unicast`).
- 1.4 rolling before 2021-03-29: `protocols bgp <ASN> ...`, no address-family needed.
- 2021-03-29 (vyos-1x 73557d68b) .. 2021-10-04: `protocols bgp local-as`, address-family
  optional.
- 2021-10-04 (74a8c4b42) .. 2022-07-30: `local-as`, address-family required: `no bgp default
  ipv4-unicast` became unconditional, so a neighbor without it exchanges no IPv4 routes.
- 2022-07-30 (967c53e2f, T4257) on, 1.4 LTS and 1.5: `system-as`, address-family required.

The CLI texts differ too: `compare` switched from `[edit ...]` / `+line` to `[path]` / `+ line`
with vyos-1x PR #1811 (2023-02); `save` stopped printing `Done` with vyatta-cfg f56f013
(2023-08-23); 1.3 prints "No changes ... configurations" without the final period.

BFD reads the same in every dialect: `protocols bfd peer <addr> interval receive|transmit
<10-60000 ms>`, `interval multiplier <2-255>`, and the neighbor's valueless `bfd` node:
- 1.3: `protocols bfd` is vyos-1x's (1.3.8 interface-definitions/protocols-bfd.xml.in, the
  ranges as above); the neighbor's `bfd` is vyatta-cfg-quagga's (equuleus fa7b0412
  templates/protocols/bgp/node.tag/neighbor/node.tag/bfd/node.def), whose commit expression
  (scripts/bgp/vyatta-bgp.pl check_bfd_peer) refuses it unless `protocols bfd peer <addr>`
  exists: "BFD peer need to be configured for using BFD protocol".
- rolling 2021 (vyos-1x 93885e583 protocols-bfd.xml.in + include/bfd-common.xml.i,
  include/bgp/neighbor-bfd.xml.i), 1.4 LTS and 1.5 (vyos-1x 1.4.0 / 3710c5879
  protocols_bfd.xml.in + include/bfd/common.xml.i, include/bgp/neighbor-bfd.xml.i): the same
  words and ranges; they add `protocols bfd profile` and the neighbor's `bfd profile`, which
  the toolkit does not use, so that one rendering (peer + neighbor `bfd`) fits every dialect.
  bgpd registers the session with bfdd, which joins it to the configured peer of that
  address (its intervals apply).

A rolling build stamped on the day of one of the three BGP commits cannot be placed on either
side of it, and is refused with a message naming the commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class BgpSyntax(StrEnum):
    TAG_ASN = "tag-asn"  # set protocols bgp 64501 neighbor ...
    LOCAL_AS = "local-as"  # set protocols bgp local-as 64501
    SYSTEM_AS = "system-as"  # set protocols bgp system-as 64501 (+ neighbor address-family)


class CompareStyle(StrEnum):
    OLD = "old"  # [edit protocols bgp] / +line / -line / >line
    NEW = "new"  # [protocols bgp] / + line / - line, values double-quoted


class ConfirmStyle(StrEnum):
    V13 = "1.3"  # "commit confirm will be automatically reboot ..." / "Proceed? [confirm]"
    V14 = "1.4"  # "commit-confirm will automatically reboot ..." / "Proceed ? [Y/n] "
    V15 = "1.5"  # as 1.4 without the blank line before "Proceed ?"


@dataclass(frozen=True)
class VyosDialect:
    """Everything the toolkit and the twin need to know about one VyOS CLI generation."""

    name: str
    bgp_syntax: BgpSyntax
    neighbor_af_required: bool
    compare_style: CompareStyle
    no_changes_text: str
    save_prints_done: bool
    confirm_style: ConfirmStyle
    release_train: str
    # value limits of the grammar (1.3: vyatta-cfg-quagga node.def; later: vyos-1x XML)
    maximum_paths_max: int = 256  # afi-maximum-paths.xml.i `--range 1-256`
    description_max: int | None = 255  # generic-description.xml.i `.{0,255}`
    # smallest non-zero hold time (timers-holdtime.xml.i `--range 0-65535`; FRR takes 3..)
    holdtime_min: int = 3
    # BFD ranges (1.3.8 protocols-bfd.xml.in, bfd-common.xml.i, bfd/common.xml.i: all agree)
    bfd_interval_ms: tuple[int, int] = (10, 60000)
    bfd_multiplier: tuple[int, int] = (2, 255)
    # 1.3's password node.def checks the length in a shell as '$VAR(@)': a `'` breaks it
    password_forbidden: str = ""
    # vyos-1x's `bgp` syntax version (interface-definitions/include/version/bgp-version.xml.i):
    # the image's migrator runs src/migration-scripts/bgp/<N>-to-<N+1> up to it at boot.
    # 0: before the component existed (1.3's config has none: every script runs on upgrade)
    bgp_syntax_version: int = 0
    # whether a neighbor in a peer-group may have its own `timers` (bgplb/vyos/timers.py);
    # 1.3: no (vyatta-cfg-quagga equuleus fa7b0412 vyatta-bgp.pl checkBannedPeerGroupParameters)
    peer_group_member_timers: bool = True


OLD_CLI_TEXTS = "No changes between working and active configurations"

V13 = VyosDialect(
    name="1.3",
    bgp_syntax=BgpSyntax.TAG_ASN,
    neighbor_af_required=False,
    compare_style=CompareStyle.OLD,
    no_changes_text=OLD_CLI_TEXTS,
    save_prints_done=True,
    confirm_style=ConfirmStyle.V13,
    release_train="equuleus",
    maximum_paths_max=255,  # maximum-paths/ebgp/node.def: "Must be between (1-255)"
    description_max=None,  # neighbor/node.tag/description/node.def: type txt, no check
    holdtime_min=4,  # timers/holdtime/node.def: "must be 0 or between 4 and 65535"
    password_forbidden="'",
    peer_group_member_timers=False,  # vyatta-bgp.pl: "parameter timers is incompatible ..."
)
ROLLING_TAG_ASN = VyosDialect(
    name="1.4-rolling-tag-asn",
    bgp_syntax=BgpSyntax.TAG_ASN,
    neighbor_af_required=False,
    compare_style=CompareStyle.OLD,
    no_changes_text=OLD_CLI_TEXTS,
    save_prints_done=True,
    confirm_style=ConfirmStyle.V13,
    release_train="sagitta",
)
ROLLING_2021 = VyosDialect(
    name="1.4-rolling-2021",
    bgp_syntax=BgpSyntax.LOCAL_AS,
    neighbor_af_required=False,
    compare_style=CompareStyle.OLD,
    no_changes_text=OLD_CLI_TEXTS,
    save_prints_done=True,
    confirm_style=ConfirmStyle.V13,
    release_train="sagitta",
    bgp_syntax_version=1,
)
ROLLING_2021_AF = VyosDialect(
    name="1.4-rolling-2021-af",
    bgp_syntax=BgpSyntax.LOCAL_AS,
    neighbor_af_required=True,
    compare_style=CompareStyle.OLD,
    no_changes_text=OLD_CLI_TEXTS,
    save_prints_done=True,
    confirm_style=ConfirmStyle.V13,
    release_train="sagitta",
    bgp_syntax_version=2,
)
# system-as syntax with the old CLI texts (rolling builds 2022-07-31 .. 2023-01).
ROLLING_2022 = VyosDialect(
    name="1.4-rolling-2022",
    bgp_syntax=BgpSyntax.SYSTEM_AS,
    neighbor_af_required=True,
    compare_style=CompareStyle.OLD,
    no_changes_text=OLD_CLI_TEXTS,
    save_prints_done=True,
    confirm_style=ConfirmStyle.V13,
    release_train="sagitta",
    bgp_syntax_version=3,
)
LTS_14 = VyosDialect(
    name="1.4",
    bgp_syntax=BgpSyntax.SYSTEM_AS,
    neighbor_af_required=True,
    compare_style=CompareStyle.NEW,
    no_changes_text="No changes between working and active configurations.\n",
    save_prints_done=False,
    confirm_style=ConfirmStyle.V14,
    release_train="sagitta",
    # 1.4.0 ships bgp@5; rolling builds 2023-02..2024-02 had 3 or 4 (3-to-4 on 2023-04-12,
    # 4-to-5 on 2024-02-01): both later scripts change only paths the toolkit never sets
    bgp_syntax_version=5,
)
CURRENT_15 = VyosDialect(
    name="1.5",
    bgp_syntax=BgpSyntax.SYSTEM_AS,
    neighbor_af_required=True,
    compare_style=CompareStyle.NEW,
    no_changes_text="No changes between working and active configurations.\n",
    save_prints_done=False,
    confirm_style=ConfirmStyle.V15,
    release_train="circinus",
    bgp_syntax_version=5,
)

# Every dialect dialect_for can answer.
SUPPORTED: dict[str, VyosDialect] = {
    d.name: d
    for d in (V13, ROLLING_TAG_ASN, ROLLING_2021, ROLLING_2021_AF, ROLLING_2022, LTS_14, CURRENT_15)
}


@dataclass(frozen=True)
class Change:
    """An upstream commit after which rolling builds speak `dialect` (until the next one)."""

    day: str  # YYYYMMDD of the commit; builds stamped that day are ambiguous
    commit: str
    what: str
    dialect: VyosDialect


# Rolling and self-built images of the development branch, by build date. The first entry is
# what builds before every listed change speak.
ROLLING_TIMELINE: tuple[Change, ...] = (
    Change("00000000", "", "tag-ASN BGP", ROLLING_TAG_ASN),
    Change("20210329", "vyos-1x 73557d68b", "`protocols bgp local-as`", ROLLING_2021),
    Change(
        "20211004",
        "vyos-1x 74a8c4b42",
        "unconditional `no bgp default ipv4-unicast`",
        ROLLING_2021_AF,
    ),
    Change("20220730", "vyos-1x 967c53e2f", "`protocols bgp system-as`", ROLLING_2022),
    Change("20230201", "vyos-1x PR #1811", "the new compare format", LTS_14),
    Change("20231101", "1.5 circinus rolling", "the 1.5 commit-confirm text", CURRENT_15),
)
# The BGP commits: a build on their day is refused (the later CLI-text ones are harmless:
# the driver reads both formats).
_BGP_CHANGE_DAYS = {c.day: c for c in ROLLING_TIMELINE[1:4]}

_RELEASE = re.compile(r"^1\.(?P<minor>\d+)\.(?P<patch>\d+)(?:-(?:rc|epa|beta|S)\d+)?$")
_ROLLING = re.compile(r"^1\.(?P<minor>\d+)-(?:rolling|beta)-(?P<stamp>\d{12})$")
_SELF_BUILT = re.compile(r"^999\.(?P<stamp>\d{12})$")
_NEW_ROLLING = re.compile(r"^(?P<y>\d{4})\.(?P<m>\d{2})\.(?P<d>\d{2})-\d{4}-rolling$")
# VyOS Stream: 1.5-stream-2025-Q1, and the tag form of community-downloads.vyos.dev/stream/2025.11
_STREAM = re.compile(r"^(?:1\.(?P<minor>\d+)-stream-\d{4}-Q[1-4]|\d{4}\.\d{2})$")
_RELEASES: dict[int, VyosDialect] = {3: V13, 4: LTS_14, 5: CURRENT_15}

EXAMPLES = (
    "1.3.8, 1.4.3, 1.4-rolling-202105210417, 1.5-rolling-202410210000, "
    "2025.11.24-0021-rolling, 1.5-stream-2025-Q1, 999.202410210000"
)


class UnknownVyosVersion(ValueError):
    pass


def dialect_for(version: str) -> VyosDialect:
    """Map a VyOS version string (as `show version` prints it, with or without 'VyOS ') to
    its dialect; UnknownVyosVersion, naming the version, for anything else."""
    v = version.strip().removeprefix("VyOS ").strip()
    if m := _RELEASE.match(v):
        found = _RELEASES.get(int(m["minor"]))
        if found is None:
            raise UnknownVyosVersion(f"VyOS {v}: releases 1.3, 1.4 and 1.5 are supported")
        return found
    if m := _ROLLING.match(v):
        minor = int(m["minor"])
        if minor == 3:
            return V13
        if minor == 4:
            return _by_build_day(v, m["stamp"][:8])
        if minor == 5:
            return CURRENT_15
        raise UnknownVyosVersion(f"VyOS {v}: rolling builds of 1.3, 1.4 and 1.5 are supported")
    if m := _SELF_BUILT.match(v):
        return _by_build_day(v, m["stamp"][:8])
    if _NEW_ROLLING.match(v):
        return CURRENT_15
    if m := _STREAM.match(v):
        if m["minor"] not in (None, "5"):
            raise UnknownVyosVersion(f"VyOS {v}: only 1.5 stream builds are known")
        return CURRENT_15
    raise UnknownVyosVersion(f"unrecognised VyOS version {v!r} (expected e.g. {EXAMPLES})")


def _by_build_day(version: str, day: str) -> VyosDialect:
    change = _BGP_CHANGE_DAYS.get(day)
    if change is not None:
        raise UnknownVyosVersion(
            f"VyOS {version} was built on the day of {change.commit} ({change.what}); "
            "the toolkit cannot tell whether the build has it: use a build of another day"
        )
    current = ROLLING_TIMELINE[0].dialect
    for c in ROLLING_TIMELINE[1:]:
        if day > c.day:
            current = c.dialect
    return current
