"""The emulator's own version table: a version string -> the build's dated upstream facts."""

from __future__ import annotations

import pytest

from lab.vyos.versions import (
    TIMELINE,
    AsnSyntax,
    CommitLayout,
    CompareFormat,
    ConfirmFlavour,
    FrrTemplate,
    UnknownRouterVersion,
    VersionText,
    router_version,
)


def test_reference_lab_build_is_the_2021_05_template() -> None:
    r = router_version("1.4-rolling-202105210417")
    assert (r.line, r.build_date, r.release_train) == ("rolling", "20210521", "sagitta")
    assert r.asn_syntax is AsnSyntax.LOCAL_AS
    assert r.frr_template is FrrTemplate.BGPD_2021
    assert (r.compare_format, r.confirm, r.commit_layout) == (
        CompareFormat.OLD,
        ConfirmFlavour.V13,
        CommitLayout.PLAIN,
    )
    assert r.save_prints_done and not r.af_warning
    assert r.no_changes_text == "No changes between working and active configurations"


@pytest.mark.parametrize(
    ("version", "asn", "template", "warning"),
    [
        ("1.4-rolling-202103290000", AsnSyntax.LOCAL_AS, FrrTemplate.BGPD_2021, False),
        ("1.4-rolling-202110032359", AsnSyntax.LOCAL_AS, FrrTemplate.BGPD_2021, False),
        ("1.4-rolling-202110040000", AsnSyntax.LOCAL_AS, FrrTemplate.BGPD_UNCONDITIONAL, False),
        ("1.4-rolling-202207010000", AsnSyntax.LOCAL_AS, FrrTemplate.BGPD_UNCONDITIONAL, True),
        ("1.4-rolling-202207300000", AsnSyntax.SYSTEM_AS, FrrTemplate.BGPD_UNCONDITIONAL, True),
    ],
)
def test_rolling_builds_change_on_the_upstream_commit_dates(
    version: str, asn: AsnSyntax, template: FrrTemplate, warning: bool
) -> None:
    r = router_version(version)
    assert (r.asn_syntax, r.frr_template, r.af_warning) == (asn, template, warning)


def test_lts_current_and_new_rolling_names() -> None:
    lts = router_version("1.4.0")
    assert (lts.line, lts.compare_format, lts.confirm, lts.commit_layout) == (
        "1.4",
        CompareFormat.NEW,
        ConfirmFlavour.V14,
        CommitLayout.CONFIGD,
    )
    assert lts.version_text is VersionText.FLAVOR and not lts.save_prints_done
    cur = router_version("1.5-rolling-202410210000")
    assert (cur.confirm, cur.commit_layout, cur.version_text, cur.release_train) == (
        ConfirmFlavour.V15,
        CommitLayout.HEADER,
        VersionText.SECURE_BOOT,
        "circinus",
    )
    assert router_version("VyOS 2025.11.24-0021-rolling").build_date == "20251124"


def test_equuleus_is_its_own_row() -> None:
    r = router_version("1.3.8")
    assert (r.asn_syntax, r.frr_template, r.release_train) == (
        AsnSyntax.TAG,
        FrrTemplate.QUAGGA_13,
        "equuleus",
    )
    assert r.compare_format is CompareFormat.OLD and r.save_prints_done


@pytest.mark.parametrize(
    ("version", "says"),
    [
        ("1.4-rolling-202102010000", "before 2021-03-29"),
        ("1.2.9", "not one the twin emulates"),
        ("1.5.0", "no 1.5 release"),
        ("banana", "'banana'"),
    ],
)
def test_unknown_versions_are_refused_by_name(version: str, says: str) -> None:
    with pytest.raises(UnknownRouterVersion, match=says):
        router_version(version)


def test_timeline_facts_are_dated_and_sourced_in_order() -> None:
    for name in TIMELINE.__dataclass_fields__:
        facts = getattr(TIMELINE, name)
        dates = [f.since for f in facts]
        assert dates == sorted(dates), name
        assert all(f.source for f in facts), name
