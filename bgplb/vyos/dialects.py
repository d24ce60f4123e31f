"""VyOS versions mapped to the CLI behaviour that differs between them.

Sources: ../shared/notes/vyos-and-napalm.md and vyos-transcripts.md.
- BGP ASN syntax: tag node `protocols bgp <ASN>` (1.3, 1.4-rolling before vyos-1x PR #793,
  2021-03-29), leaf `local-as` (rolling 2021-04 .. 2022-07), leaf `system-as` (vyos-1x PR #1423,
  merged 2022-07; 1.4 LTS and 1.5), where neighbors also need an address-family.
- `compare` switched from the `[edit ...]` / `+line` format to `[path]` / `+ line` with vyos-1x
  PR #1811 (2023-02); `save` stopped printing `Done` with vyatta-cfg f56f013 (2023-08-23).
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


ROLLING_2021 = VyosDialect(
    name="1.4-rolling-2021",
    bgp_syntax=BgpSyntax.LOCAL_AS,
    neighbor_af_required=False,
    compare_style=CompareStyle.OLD,
    no_changes_text="No changes between working and active configurations",
    save_prints_done=True,
    confirm_style=ConfirmStyle.V13,
    release_train="sagitta",
)
# system-as syntax with the old CLI texts (rolling builds 2022-08 .. 2023-01).
ROLLING_2022 = VyosDialect(
    name="1.4-rolling-2022",
    bgp_syntax=BgpSyntax.SYSTEM_AS,
    neighbor_af_required=False,
    compare_style=CompareStyle.OLD,
    no_changes_text=ROLLING_2021.no_changes_text,
    save_prints_done=True,
    confirm_style=ConfirmStyle.V13,
    release_train="sagitta",
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
)

# Every dialect dialect_for can answer.
SUPPORTED: dict[str, VyosDialect] = {
    d.name: d for d in (ROLLING_2021, ROLLING_2022, LTS_14, CURRENT_15)
}

_ROLLING = re.compile(r"^1\.(?P<minor>[45])-rolling-(?P<stamp>\d{12})$")
_NEW_ROLLING = re.compile(r"^(?P<y>\d{4})\.(?P<m>\d{2})\.(?P<d>\d{2})-\d{4}-rolling$")
_RELEASE = re.compile(r"^1\.(?P<minor>\d+)\.(?P<patch>\d+)(?:-.*)?$")

# First rolling build date (YYYYMM) of each change.
_LOCAL_AS_FROM = 202104
_SYSTEM_AS_FROM = 202208
_NEW_CLI_FROM = 202302


class UnknownVyosVersion(ValueError):
    pass


def dialect_for(version: str) -> VyosDialect:
    """Map a VyOS version string (as `show version` prints it, without 'VyOS ') to a dialect.

    Raises UnknownVyosVersion for versions whose syntax the toolkit does not speak
    (1.3 and the tag-ASN rolling builds of early 2021 among them).
    """
    v = version.strip().removeprefix("VyOS ").strip()
    m = _ROLLING.match(v)
    if m:
        month = int(m["stamp"][:6])
        if m["minor"] == "5":
            return CURRENT_15
        if month < _LOCAL_AS_FROM:
            raise UnknownVyosVersion(
                f"VyOS {v} uses the tag-ASN BGP syntax (`protocols bgp <ASN>`), not supported"
            )
        if month < _SYSTEM_AS_FROM:
            return ROLLING_2021
        return LTS_14 if month >= _NEW_CLI_FROM else ROLLING_2022
    if _NEW_ROLLING.match(v):
        return CURRENT_15
    m = _RELEASE.match(v)
    if m:
        minor = int(m["minor"])
        if minor == 4:
            return LTS_14
        if minor == 5:
            return CURRENT_15
        raise UnknownVyosVersion(f"VyOS {v}: only 1.4 and 1.5 releases are supported")
    raise UnknownVyosVersion(
        f"unrecognised VyOS version {v!r} (expected e.g. 1.4-rolling-202105210417, 1.4.3, "
        "1.5-rolling-202410210000 or 2025.11.24-0021-rolling)"
    )
