from __future__ import annotations

from lab.vyos.sorting import deb_version_cmp, vyos_sorted


def test_letters_before_punctuation_as_in_the_seed() -> None:
    names = ["ip-src-route", "ipv6-src-route", "ipv6-receive-redirects", "log-martians"]
    assert vyos_sorted(names) == [
        "ipv6-receive-redirects",
        "ipv6-src-route",
        "ip-src-route",
        "log-martians",
    ]


def test_digit_runs_compare_numerically() -> None:
    assert vyos_sorted(["eth10", "eth2", "eth1"]) == ["eth1", "eth2", "eth10"]
    assert vyos_sorted(["192.168.30.61", "192.168.30.6", "10.0.0.1"]) == [
        "10.0.0.1",
        "192.168.30.6",
        "192.168.30.61",
    ]


def test_equal_and_tilde() -> None:
    assert deb_version_cmp("abc", "abc") == 0
    assert deb_version_cmp("1~rc", "1") < 0
