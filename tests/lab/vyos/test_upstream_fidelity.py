"""The emulator follows upstream per build: the FRR template of the version, the grammar's
value checks with VyOS's texts, and no path accepted that never reaches FRR."""

from __future__ import annotations

import pytest

from lab.vyos.config_tree import ConfigNode, load_commands, set_path, split_command
from lab.vyos.frr_translate import translate
from lab.vyos.schema import schema_for
from lab.vyos.versions import RouterVersion, router_version

from .conftest import LTS_14, ROLLING_2021

ROLLING_2021_10 = router_version("1.4-rolling-202110050000")


def tree(router: RouterVersion, lines: list[str]) -> ConfigNode:
    return load_commands(schema_for(router), lines)


def set_output(router: RouterVersion, line: str) -> str:
    root = ConfigNode()
    return set_path(root, schema_for(router), split_command(line)[1:]).output


BASE_2021 = [
    "set protocols bgp local-as '64501'",
    "set protocols bgp neighbor 198.18.0.2 remote-as '64500'",
]


def test_2021_05_template_renders_no_default_ipv4_unicast_only_when_configured() -> None:
    plain = translate(tree(ROLLING_2021, BASE_2021), ROLLING_2021).frr_config
    assert "no bgp default ipv4-unicast" not in plain
    configured = tree(
        ROLLING_2021, [*BASE_2021, "set protocols bgp parameters default no-ipv4-unicast"]
    )
    text = translate(configured, ROLLING_2021).frr_config
    # the template puts it before any neighbor (T3463)
    assert text.index(" no bgp default ipv4-unicast") < text.index(" neighbor 198.18.0.2")


def test_from_2021_10_04_it_is_unconditional_and_the_option_is_gone() -> None:
    text = translate(tree(ROLLING_2021_10, BASE_2021), ROLLING_2021_10).frr_config
    assert " no bgp default ipv4-unicast\n" in text
    out = set_output(ROLLING_2021_10, "set protocols bgp parameters default no-ipv4-unicast")
    assert (
        "Configuration path: protocols bgp parameters default [no-ipv4-unicast] is not valid" in out
    )


def test_session_options_reach_frr_as_the_template_renders_them() -> None:
    lines = [
        "set protocols bgp system-as '64501'",
        "set protocols bgp parameters log-neighbor-changes",
        "set protocols bgp parameters default local-pref 200",
        "set protocols bgp address-family ipv4-unicast redistribute connected",
        "set protocols bgp address-family ipv4-unicast redistribute static",
        "set protocols bgp peer-group PG remote-as '64500'",
        "set protocols bgp peer-group PG ebgp-multihop '3'",
        "set protocols bgp peer-group PG address-family ipv4-unicast nexthop-self force",
        "set protocols bgp neighbor 198.18.0.2 peer-group 'PG'",
        "set protocols bgp neighbor 198.18.0.2 passive",
        "set protocols bgp neighbor 198.18.0.2 timers connect '7'",
        "set protocols bgp neighbor 198.18.0.2 address-family ipv4-unicast nexthop-self",
    ]
    text = translate(tree(LTS_14, lines), LTS_14).frr_config
    for expected in (
        " neighbor PG ebgp-multihop 3\n",
        " neighbor 198.18.0.2 passive\n",
        " neighbor 198.18.0.2 timers connect 7\n",
        "  redistribute connected\n",
        "  redistribute static\n",
        "  neighbor PG next-hop-self force\n",
        "  neighbor 198.18.0.2 next-hop-self\n",
        " bgp log-neighbor-changes\n",
        " bgp default local-preference 200\n",
    ):
        assert expected in text


@pytest.mark.parametrize(
    "path",
    [
        "set protocols bgp neighbor 198.18.0.2 address-family ipv4-unicast route-map import 'RM'",
        "set protocols bgp neighbor 198.18.0.2 address-family ipv4-unicast route-map export 'RM'",
        "set protocols bgp address-family ipv4-unicast redistribute connected metric '5'",
        "set protocols bgp neighbor 198.18.0.2 enforce-first-as",
    ],
)
def test_paths_the_twin_cannot_translate_are_refused_at_set(path: str) -> None:
    out = set_output(LTS_14, path)
    words = split_command(path)[1:]
    bad = next(
        i for i in range(len(words)) if words[i] in ("route-map", "metric", "enforce-first-as")
    )
    assert out == (
        f"\n  Configuration path: {' '.join(words[:bad])} [{words[bad]}] is not valid\n"
        "  Set failed\n\n"
    )


@pytest.mark.parametrize(
    ("router", "line", "text"),
    [
        (LTS_14, "set protocols bgp system-as 4294967295", "Invalid value"),
        (LTS_14, "set protocols bgp peer-group 'a.b' remote-as 1", "Invalid value"),
        (LTS_14, "set protocols bgp peer-group PG remote-as 4294967295", "Invalid AS number"),
        (
            LTS_14,
            f"set protocols bgp neighbor 198.18.0.2 description '{'x' * 256}'",
            "Description too long (limit 255 characters)",
        ),
        (LTS_14, "set protocols bgp neighbor 198.18.0.2 ebgp-multihop 0", "Invalid value"),
        (ROLLING_2021, "set protocols bgp local-as 0", "Invalid value"),
    ],
)
def test_values_refused_with_vyos_texts(router: RouterVersion, line: str, text: str) -> None:
    assert set_output(router, line) == f"\n  {text}\n  Value validation failed\n  Set failed\n\n"


def test_values_upstream_accepts() -> None:
    for router, line in (
        (ROLLING_2021, f"set protocols bgp neighbor 198.18.0.2 description '{'x' * 256}'"),
        (LTS_14, "set protocols bgp peer-group 'a-b_C9' remote-as external"),
        (LTS_14, "set protocols bgp neighbor 198.18.0.2 timers holdtime 0"),
        (LTS_14, "set protocols bgp neighbor 198.18.0.2 timers connect 0"),
        (LTS_14, "set protocols bgp system-as 4294967294"),
    ):
        assert set_output(router, line) == "", line
