"""Which VyOS the emulated router is: its version string -> the behaviour of that build.

The emulator's own table, taken from upstream sources and recorded transcripts, never from
the product's `bgplb.vyos.dialects` (the twin checks the product; it must not copy it).

A rolling build is known by its build date; each fact below changes on the date of the
upstream commit that changed it (vyos-1x unless noted; dates are commit dates, checked with
`git log -S` in vyos/vyos-1x). A 1.4.x LTS release is the sagitta branch, which carries every
rolling change up to its 1.4.0 release (tag 1.4.0, 2024-06-03) and none of the later
current-only ones. 1.3.x is the equuleus line (vyatta-cfg-quagga BGP, a different program).

Sources (cited by key in `Fact.source`):
- T1711  vyos-1x 73557d68b 2021-03-29: `protocols bgp <ASN>` -> `protocols bgp local-as`.
- T3741  vyos-1x 74a8c4b42 2021-10-04: `no bgp default ipv4-unicast` unconditional in
         data/templates/frr/bgpd.frr.tmpl (before: only with `parameters default
         no-ipv4-unicast`, see ../shared/upstream/vyos-1x-2021-05-21).
- T4490  vyos-1x 6a7dac91c 2022-07-01: `Warning('BGP neighbor "X" requires address-family!')`.
- T4257  vyos-1x 967c53e2f 2022-07-30: `local-as` -> `system-as`.
- T4942  vyos-1x 1cfcb3888 2023-01-20: config_mgmt.py (compare "No changes ... ." with a
         period, commit-confirm "Proceed ? [Y/n]"); transcripts §4a, §6b.
- T4991  vyos-1x 694096f10 2023-02-11: compare through configtree.show_diff; transcripts §4b.
- T4292  vyatta-cfg f56f013 2023-08-23: `save` prints nothing; transcripts §7.
- T6339  vyos-1x cc0573a78 2024-05-15: `Release flavor:` in show version; transcripts §9a.
- T861   vyos-1x b78cc96cc 2024-09-16: `Secure Boot:` in show version; transcripts §9a.
- T6326  vyos-1x 8e902ffa7 2024-09-20: `[ protocols bgp ]` header on commit output again;
         transcripts §5e.
- T5976  vyos-1x 4d5f2a58b 2024-10-05: commit-confirm action reboot|reload; transcripts §6c.
- CAPS   vyos-1x ed01c03fc 2021-09-11: show version `Release train:` capitalisation.
- EQ     1.3 equuleus: vyatta-cfg-quagga fa7b0412 templates/protocols/bgp and
         scripts/bgp/vyatta-bgp.pl; vyatta-config-mgmt equuleus (compare, commit-confirm,
         transcripts §4a, §6a); vyatta-cfg equuleus save-config (transcripts §7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from bgplb.errors import LabError

T = TypeVar("T")


class AsnSyntax(StrEnum):
    TAG = "tag"  # protocols bgp 64501 neighbor ...            (1.3)
    LOCAL_AS = "local-as"  # protocols bgp local-as 64501       (rolling 2021-03-29 .. 2022-07-29)
    SYSTEM_AS = "system-as"  # protocols bgp system-as 64501    (rolling 2022-07-30 .., 1.4, 1.5)


class FrrTemplate(StrEnum):
    """Which program turns the BGP tree into FRR configuration."""

    QUAGGA_13 = "vyatta-cfg-quagga"  # vyatta-bgp.pl %qcom vtysh commands (1.3)
    BGPD_2021 = "bgpd.frr.tmpl@2021-05-21"  # `no bgp default ipv4-unicast` only when configured
    BGPD_UNCONDITIONAL = "bgpd.frr.tmpl@2021-10-04+"  # always `no bgp default ipv4-unicast`


class VerifyRules(StrEnum):
    QUAGGA_13 = "vyatta-bgp.pl"  # check_neighbor_parameters
    LOCAL_AS = "protocols_bgp.py local-as"  # 2021 texts
    SYSTEM_AS = "protocols_bgp.py system-as"  # 1.4 texts


class CompareFormat(StrEnum):
    OLD = "old"  # [edit path] / +line
    NEW = "new"  # [path] / + line


class ConfirmFlavour(StrEnum):
    V13 = "1.3"  # "commit confirm will be automatically reboot ..." / "Proceed? [confirm]"
    V14 = "1.4"  # "commit-confirm will automatically reboot ..." / "Proceed ? [Y/n] "
    V15 = "1.5"  # as 1.4, no blank line before "Proceed ?", reboot|reload action


class CommitLayout(StrEnum):
    PLAIN = "plain"  # message, empty line, [[path]] failed
    CONFIGD = "configd"  # message wrapped in empty lines
    HEADER = "header"  # `[ path ]` first


class VersionText(StrEnum):
    OLD = "old"  # leading blank line, `Release Train:`
    CAPS_FIXED = "caps"  # `Release train:`, no flavor line
    FLAVOR = "flavor"  # + `Release flavor:`
    SECURE_BOOT = "secure-boot"  # + `Secure Boot:`


@dataclass(frozen=True)
class RouterVersion:
    """Everything the emulator does differently for one VyOS build."""

    version: str  # as `show version` prints it, without "VyOS "
    line: str  # "1.3", "rolling" (1.4-rolling / 1.5-rolling / YYYY.MM.DD), "1.4" (LTS)
    build_date: str  # YYYYMMDD the facts were taken at ("" for 1.3)
    asn_syntax: AsnSyntax
    frr_template: FrrTemplate
    verify_rules: VerifyRules
    af_warning: bool
    compare_format: CompareFormat
    no_changes_text: str
    save_prints_done: bool
    confirm: ConfirmFlavour
    commit_layout: CommitLayout
    version_text: VersionText
    release_train: str


@dataclass(frozen=True)
class Fact(Generic[T]):
    """`value` from build date `since` on (YYYYMMDD), per `source` (a key of the docstring)."""

    since: str
    value: T
    source: str


@dataclass(frozen=True)
class Timeline:
    """Each fact of the vyos-1x line (rolling, 1.4, 1.5) as it changed, oldest first."""

    asn_syntax: tuple[Fact[AsnSyntax], ...]
    frr_template: tuple[Fact[FrrTemplate], ...]
    verify_rules: tuple[Fact[VerifyRules], ...]
    af_warning: tuple[Fact[bool], ...]
    compare_format: tuple[Fact[CompareFormat], ...]
    no_changes_text: tuple[Fact[str], ...]
    save_prints_done: tuple[Fact[bool], ...]
    confirm: tuple[Fact[ConfirmFlavour], ...]
    commit_layout: tuple[Fact[CommitLayout], ...]
    version_text: tuple[Fact[VersionText], ...]


FIRST_EMULATED_ROLLING = "20210329"
LTS_14_DATE = "20240603"  # tag 1.4.0 (sagitta): every rolling change up to then
_START = FIRST_EMULATED_ROLLING
NO_CHANGES_13 = "No changes between working and active configurations"  # transcripts §4a

TIMELINE = Timeline(
    asn_syntax=(
        Fact(_START, AsnSyntax.LOCAL_AS, "T1711"),
        Fact("20220730", AsnSyntax.SYSTEM_AS, "T4257"),
    ),
    frr_template=(
        Fact(_START, FrrTemplate.BGPD_2021, "T1711"),
        Fact("20211004", FrrTemplate.BGPD_UNCONDITIONAL, "T3741"),
    ),
    verify_rules=(
        Fact(_START, VerifyRules.LOCAL_AS, "T1711"),
        Fact("20220730", VerifyRules.SYSTEM_AS, "T4257"),
    ),
    af_warning=(Fact(_START, False, "T1711"), Fact("20220701", True, "T4490")),
    compare_format=(
        Fact(_START, CompareFormat.OLD, "EQ"),
        Fact("20230211", CompareFormat.NEW, "T4991"),
    ),
    no_changes_text=(
        Fact(_START, NO_CHANGES_13, "EQ"),
        Fact("20230120", "No changes between working and active configurations.\n", "T4942"),
    ),
    save_prints_done=(Fact(_START, True, "EQ"), Fact("20230823", False, "T4292")),
    confirm=(
        Fact(_START, ConfirmFlavour.V13, "EQ"),
        Fact("20230120", ConfirmFlavour.V14, "T4942"),
        Fact("20241005", ConfirmFlavour.V15, "T5976"),
    ),
    commit_layout=(
        Fact(_START, CommitLayout.PLAIN, "EQ"),
        Fact("20230120", CommitLayout.CONFIGD, "T4942"),
        Fact("20240920", CommitLayout.HEADER, "T6326"),
    ),
    version_text=(
        Fact(_START, VersionText.OLD, "CAPS"),
        Fact("20210911", VersionText.CAPS_FIXED, "CAPS"),
        Fact("20240515", VersionText.FLAVOR, "T6339"),
        Fact("20240916", VersionText.SECURE_BOOT, "T861"),
    ),
)


def at(facts: tuple[Fact[T], ...], date: str) -> T:
    """The value of a fact for a build of `date` (YYYYMMDD, not before the first fact)."""
    value = facts[0].value
    for fact in facts:
        if date >= fact.since:
            value = fact.value
    return value


class UnknownRouterVersion(LabError):
    """A version string the emulator cannot be (it names the string and why)."""


_ROLLING = re.compile(r"^1\.(?P<minor>[45])-rolling-(?P<date>\d{8})\d{4}$")
_NEW_ROLLING = re.compile(r"^(?P<y>\d{4})\.(?P<m>\d{2})\.(?P<d>\d{2})-\d{4}-rolling$")
_RELEASE = re.compile(r"^1\.(?P<minor>[345])\.\d+(?:-(?:epa|rc)\d+)?$")


def _build(version: str, line: str, date: str, train: str) -> RouterVersion:
    if line == "1.3":  # EQ: equuleus runs other programs than the vyos-1x line
        return RouterVersion(
            version=version,
            line=line,
            build_date=date,
            asn_syntax=AsnSyntax.TAG,
            frr_template=FrrTemplate.QUAGGA_13,
            verify_rules=VerifyRules.QUAGGA_13,
            af_warning=False,
            compare_format=CompareFormat.OLD,
            no_changes_text=NO_CHANGES_13,
            save_prints_done=True,
            confirm=ConfirmFlavour.V13,
            commit_layout=CommitLayout.PLAIN,
            version_text=VersionText.OLD,
            release_train=train,
        )
    t = TIMELINE
    return RouterVersion(
        version=version,
        line=line,
        build_date=date,
        asn_syntax=at(t.asn_syntax, date),
        frr_template=at(t.frr_template, date),
        verify_rules=at(t.verify_rules, date),
        af_warning=at(t.af_warning, date),
        compare_format=at(t.compare_format, date),
        no_changes_text=at(t.no_changes_text, date),
        save_prints_done=at(t.save_prints_done, date),
        confirm=at(t.confirm, date),
        commit_layout=at(t.commit_layout, date),
        version_text=at(t.version_text, date),
        release_train=train,
    )


def router_version(version: str) -> RouterVersion:
    """The build a version string names: `1.3.8`, `1.4-rolling-202105210417`, `1.4.0`,
    `1.5-rolling-202410210000`, `2025.11.24-0021-rolling`. Raises UnknownRouterVersion."""
    v = version.strip().removeprefix("VyOS ").strip()
    if m := _ROLLING.match(v):
        date = m["date"]
        if date < FIRST_EMULATED_ROLLING:
            raise UnknownRouterVersion(
                f"VyOS {v}: rolling builds before 2021-03-29 use vyos-1x's tag-ASN BGP "
                "(`protocols bgp <ASN>`), which the twin does not emulate"
            )
        return _build(v, "rolling", date, "sagitta" if m["minor"] == "4" else "circinus")
    if m := _NEW_ROLLING.match(v):
        return _build(v, "rolling", m["y"] + m["m"] + m["d"], "circinus")
    if m := _RELEASE.match(v):
        minor = m["minor"]
        if minor == "3":
            return _build(v, "1.3", "", "equuleus")
        if minor == "4":
            return _build(v, "1.4", LTS_14_DATE, "sagitta")
        raise UnknownRouterVersion(f"VyOS {v}: no 1.5 release is emulated (use a rolling build)")
    raise UnknownRouterVersion(
        f"VyOS version {v!r} is not one the twin emulates (e.g. 1.3.8, "
        "1.4-rolling-202105210417, 1.4.0, 1.5-rolling-202410210000, 2025.11.24-0021-rolling)"
    )


# --- BFD (`protocols bfd`, the BGP neighbor's `bfd`) -------------------------------------
# Dates from `git log -S` in vyos/vyos-1x (interface-definitions/protocols-bfd.xml.in,
# protocols_bfd.xml.in, include/bfd-common.xml.i, include/bfd/common.xml.i,
# include/bgp/neighbor-bfd.xml.i, src/conf_mode/protocols_bfd.py):
# - T3310  3d3d09d6e 2021-02-15: `protocols bfd profile <name>` and the peer's `profile`
#          (already in ../shared/upstream/vyos-1x-2021-05-21).
# - T4043  9ad20a63b 2021-12-04: `passive` (FRR `passive-mode`) on peers and profiles.
# - T4054  ef2242e8e 2021-12-06: verify(): 'BFD profile "X" does not exist!'.
# - T4058  006b17a31 2021-12-09: the BGP neighbor's `bfd profile <name>`.
# 1.3 (EQ): `protocols bfd` is vyos-1x 1.3.8 (protocols-bfd.xml.in, no profiles; the FRR text
# of data/templates/frr/bfd.frr.tmpl at 1.3.8); the neighbor's `bfd` is vyatta-cfg-quagga's,
# whose commit expression (vyatta-bgp.pl check_bfd_peer) wants `protocols bfd peer <addr>`.


@dataclass(frozen=True)
class BfdFacts:
    profiles: bool  # `protocols bfd profile` and the peer's `profile`
    passive: bool
    profile_must_exist: bool
    neighbor_profile: bool  # `protocols bgp neighbor X bfd profile P`
    bgp_needs_bfd_peer: bool  # 1.3: neighbor `bfd` refused without `protocols bfd peer`


BFD_13 = BfdFacts(False, False, False, False, True)
BFD_TIMELINE: tuple[Fact[BfdFacts], ...] = (
    Fact(_START, BfdFacts(True, False, False, False, False), "T3310"),
    Fact("20211204", BfdFacts(True, True, False, False, False), "T4043"),
    Fact("20211206", BfdFacts(True, True, True, False, False), "T4054"),
    Fact("20211209", BfdFacts(True, True, True, True, False), "T4058"),
)


def bfd_facts(router: RouterVersion) -> BfdFacts:
    return BFD_13 if router.line == "1.3" else at(BFD_TIMELINE, router.build_date)
