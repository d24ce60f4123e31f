"""Every VyOS version string a real image prints maps to its dialect, or is refused by name.

Version strings and where each form was seen:
- 1.4-rolling-202105210417: the reference lab's `show version` (../shared/seed).
- 1.3.8: vyos/vyos.vyos PR #358 (a VyOS maintainer's 1.3.8 capture, transcripts 2a).
- 1.5-stream-2025-Q1 / -Q2: ansible vyos.vyos module notes, community-downloads.vyos.dev paths.
- 2025.11.03-0021-rolling: a generated config's `// Release version:` footer.
- 999.202610042340: a self-built image's `VyOS 999.<stamp>` (public regression notes).
- 1.3.0-rc6, 1.3.0-epa1, 1.4.0-epa1: release-candidate and early-production-access names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bgplb.vyos.dialects import (
    CURRENT_15,
    LTS_14,
    ROLLING_2021,
    ROLLING_2021_AF,
    ROLLING_2022,
    ROLLING_TAG_ASN,
    SUPPORTED,
    V13,
    BgpSyntax,
    UnknownVyosVersion,
    VyosDialect,
    dialect_for,
)
from napalm_bgplb_vyos.parse_version import parse_show_version

CAPTURES = Path(__file__).parents[1] / "fixtures" / "vyos"


@pytest.mark.parametrize(
    ("version", "dialect"),
    [
        ("1.3.0", V13),
        ("1.3.8", V13),
        ("1.3.0-rc6", V13),
        ("1.3.0-epa1", V13),
        ("1.3-rolling-202101010117", V13),
        ("1.4-rolling-202102010117", ROLLING_TAG_ASN),
        ("1.4-rolling-202103280117", ROLLING_TAG_ASN),
        ("1.4-rolling-202103300117", ROLLING_2021),
        ("1.4-rolling-202105210417", ROLLING_2021),
        ("1.4-rolling-202110030117", ROLLING_2021),
        ("1.4-rolling-202110050117", ROLLING_2021_AF),
        ("1.4-rolling-202207290117", ROLLING_2021_AF),
        ("1.4-rolling-202207310117", ROLLING_2022),
        ("1.4-rolling-202301150117", ROLLING_2022),
        ("1.4-rolling-202303010117", LTS_14),
        ("1.4.0", LTS_14),
        ("1.4.3", LTS_14),
        ("1.4.0-epa1", LTS_14),
        ("1.5-rolling-202410210000", CURRENT_15),
        ("2025.11.24-0021-rolling", CURRENT_15),
        ("2025.11.03-0021-rolling", CURRENT_15),
        ("1.5-stream-2025-Q1", CURRENT_15),
        ("1.5-stream-2025-Q2", CURRENT_15),
        ("2025.11", CURRENT_15),
        ("999.202610042340", CURRENT_15),
        ("999.202105210417", ROLLING_2021),
        ("VyOS 1.4.3", LTS_14),
    ],
)
def test_version_string_maps_to_its_dialect(version: str, dialect: VyosDialect) -> None:
    assert dialect_for(version) is dialect


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.2.9-S1", "releases 1.3, 1.4 and 1.5 are supported"),
        ("1.6.0", "releases 1.3, 1.4 and 1.5 are supported"),
        ("1.2-rolling-201901010101", "rolling builds of 1.3, 1.4 and 1.5"),
        ("1.4-rolling-202103290117", "built on the day of vyos-1x 73557d68b"),
        ("1.4-rolling-202110040117", "built on the day of vyos-1x 74a8c4b42"),
        ("999.202207300117", "built on the day of vyos-1x 967c53e2f"),
        ("1.4-stream-2025-Q1", "only 1.5 stream builds"),
        ("vyos", "unrecognised VyOS version 'vyos'"),
        ("", "unrecognised VyOS version ''"),
    ],
)
def test_other_version_strings_are_refused_by_name(version: str, message: str) -> None:
    with pytest.raises(UnknownVyosVersion, match=message):
        dialect_for(version)


def test_the_dated_facts() -> None:
    """The address-family rule follows 74a8c4b42: required from 2021-10-04 on, 2022 too."""
    assert [d.neighbor_af_required for d in (ROLLING_2021, ROLLING_2021_AF, ROLLING_2022)] == [
        False,
        True,
        True,
    ]
    assert {d.bgp_syntax for d in (V13, ROLLING_TAG_ASN)} == {BgpSyntax.TAG_ASN}
    assert V13.maximum_paths_max == 255 and LTS_14.maximum_paths_max == 256
    assert set(SUPPORTED.values()) >= {V13, ROLLING_TAG_ASN, ROLLING_2021_AF, ROLLING_2022}


def test_the_reference_show_version_maps_to_the_2021_dialect() -> None:
    text = (CAPTURES / "show_version.1.4-rolling-202105210417.txt").read_text()
    version = parse_show_version(text)
    assert version.version == "1.4-rolling-202105210417"
    assert version.dialect() is ROLLING_2021
