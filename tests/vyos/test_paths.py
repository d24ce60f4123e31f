"""The one VyOS path module: quoting proven against a real bash, show-commands parsing as VyOS
prints it, lookups in every dialect."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from bgplb.errors import InputError, ParseError
from bgplb.vyos.dialects import LTS_14, ROLLING_2021, BgpSyntax, VyosDialect, dialect_for
from bgplb.vyos.paths import (
    MAXIMUM_PATHS_EBGP,
    bgp_base,
    bgp_values,
    parse_show_commands,
    parse_typed,
    quote_word,
    render_command,
    render_delete,
    render_set,
)
from napalm_bgplb_vyos.compound import compound_line
from napalm_bgplb_vyos.config_text import candidate_lines, rollback_commands

BASH = shutil.which("bash") or "/bin/bash"
DESCRIPTION = ("protocols", "bgp", "neighbor", "198.18.30.50", "description")

# What a hostile or merely unlucky inventory value may hold. Each must reach `set` as itself.
HOSTILE = [
    "Bob's node",
    "x'; touch PWNED; echo '",
    "$(touch PWNED)",
    "`touch PWNED`",
    "a; touch PWNED",
    "a && touch PWNED",
    "a | tee PWNED",
    "> PWNED",
    "$HOME ${PATH} $1",
    "*",
    "~root",
    "{a,b}",
    "!!",
    '"double" \\ back\\slash',
    "#not a comment",
    "-n",
    "",
    "  spaces  inside  ",
    "ünïcødé ✓",
    "'",
    "''",
    "\\'",
]
CONTROL = ["a\nb", "a\rb", "tab\there", "nul\x00", "esc\x1b[31m", "del\x7f"]


def run_in_bash(line: str, cwd: Path) -> list[list[str]]:
    """Run `line` in a real bash where `set` and `delete` only print the words they got.

    Returns one word list per `set`/`delete` call. The driver's end markers are `echo`s.
    """
    prelude = (
        "set() { printf 'CALL'; printf '\\0%s' \"$@\"; printf '\\0END\\n'; }\n"
        'delete() { set "$@"; }\n'
    )
    proc = subprocess.run(
        [BASH, "--noprofile", "--norc", "-c", prelude + line + "\n"],
        cwd=cwd,
        capture_output=True,
        timeout=10,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )
    calls = []
    for chunk in proc.stdout.decode().split("CALL")[1:]:
        words = chunk.split("\0END\n", 1)[0].split("\0")[1:]
        calls.append(words)
    return calls


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_value_reaches_set_literally_through_the_drivers_bash_line(
    value: str, tmp_path: Path
) -> None:
    lines = [render_set(DESCRIPTION, value), render_delete((*DESCRIPTION[:-1], value or "x"))]
    sent = compound_line(candidate_lines("\n".join(lines)))
    calls = run_in_bash(sent, tmp_path)
    assert calls == [[*DESCRIPTION, value], [*DESCRIPTION[:-1], value or "x"]]
    assert list(tmp_path.iterdir()) == [], "the line ran something"


@pytest.mark.parametrize("value", CONTROL)
def test_control_characters_are_refused_not_sent(value: str) -> None:
    with pytest.raises(InputError, match="control character"):
        render_set(DESCRIPTION, value)
    with pytest.raises(InputError):
        render_command("delete", (*DESCRIPTION[:-1], value))


@pytest.mark.parametrize(
    "line",
    [
        "set system host-name 'r1'; touch PWNED",
        "set system host-name $(touch PWNED)",
        "set system host-name `touch PWNED`",
        'set system host-name "$(touch PWNED)"',
        "set system host-name r1 && reboot",
        "set system host-name r1 > /tmp/x",
        "set system host-name r*",
        "set system host-name ~",
        "set system host-name 'unterminated",
        "commit",
        "set",
        "save; set a b",
    ],
)
def test_typed_lines_that_are_more_than_words_are_refused(line: str) -> None:
    with pytest.raises(InputError):
        parse_typed(line)
    with pytest.raises(InputError):
        candidate_lines(f"set system host-name 'ok'\n{line}\n")


def test_typed_words_agree_with_bash_on_random_lines(tmp_path: Path) -> None:
    """Property: whatever parse_typed accepts, bash splits into the same words."""
    rng = random.Random(20261206)
    alphabet = [*list("ab1-_./:@'\"\\ $`;|&<>*?~{}#!()=,+%\t"), "'\\''", "\\'", "ü"]
    accepted: list[tuple[str, tuple[str, ...]]] = []
    refused = 0
    for _ in range(3000):
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        line = f"set x {body}"
        try:
            verb, words = parse_typed(line)
        except InputError:
            refused += 1
            continue
        accepted.append((line, (verb, *words)))
    assert len(accepted) > 100 and refused > 100
    script = "\n".join(line for line, _ in accepted)
    calls = run_in_bash(script, tmp_path)
    assert [("set", *c) for c in calls] == [w for _, w in accepted]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("word", [*HOSTILE, "plain", "198.18.30.50", "group01"])
def test_quote_word_round_trips_through_parse_typed(word: str) -> None:
    assert parse_typed(f"set {quote_word(word)}") == ("set", (word,))


def test_show_commands_values_are_read_as_vyos_prints_them() -> None:
    """vyos1x-config render_commands: `'%s'` around values, no escaping (transcripts 10a)."""
    text = (
        "set interfaces loopback lo\n"
        "set protocols bgp neighbor 198.18.30.50 description 'Bob's node'\n"
        "set system login user vyos authentication plaintext-password ''\n"
        "comment system host-name 'set by bgplb'\n"
        "set system host-name 'vyos'\n"
    )
    assert parse_show_commands(text) == [
        ("interfaces", "loopback", "lo"),
        ("protocols", "bgp", "neighbor", "198.18.30.50", "description", "Bob's node"),
        ("system", "login", "user", "vyos", "authentication", "plaintext-password", ""),
        ("system", "host-name", "vyos"),
    ]


@pytest.mark.parametrize(
    "text", ["delete system host-name\n", "show version\n", "set system host-name 'x\n"]
)
def test_show_commands_other_lines_are_parse_errors(text: str) -> None:
    with pytest.raises(ParseError):
        parse_show_commands(text)


def test_rollback_of_a_value_with_a_quote_reaches_set_literally(tmp_path: Path) -> None:
    previous = "set protocols bgp neighbor 198.18.30.50 description 'Bob's node'\n"
    current = (
        "set protocols bgp neighbor 198.18.30.50 description 'x'\n"
        "set protocols bgp neighbor 198.18.30.99 remote-as '1'\n"
    )
    commands = rollback_commands(previous, current)
    calls = run_in_bash(compound_line(commands), tmp_path)
    assert calls == [
        ["protocols", "bgp", "neighbor", "198.18.30.50", "description", "x"],
        ["protocols", "bgp", "neighbor", "198.18.30.99"],
        ["protocols", "bgp", "neighbor", "198.18.30.50", "description", "Bob's node"],
    ]


TAG_ASN = VyosDialect(
    name="tag-asn",
    bgp_syntax=BgpSyntax.TAG_ASN,
    neighbor_af_required=False,
    compare_style=ROLLING_2021.compare_style,
    no_changes_text="",
    save_prints_done=True,
    confirm_style=ROLLING_2021.confirm_style,
    release_train="equuleus",
)


@pytest.mark.parametrize(
    ("dialect", "line"),
    [
        (ROLLING_2021, "set protocols bgp address-family ipv4-unicast maximum-paths ebgp '4'"),
        (LTS_14, "set protocols bgp address-family ipv4-unicast maximum-paths ebgp '4'"),
        (TAG_ASN, "set protocols bgp 64501 address-family ipv4-unicast maximum-paths ebgp '4'"),
    ],
)
def test_one_path_renders_and_reads_back_in_every_dialect(dialect: VyosDialect, line: str) -> None:
    assert render_set((*bgp_base(dialect, 64501), *MAXIMUM_PATHS_EBGP), "4") == line
    assert bgp_values(parse_show_commands(line), MAXIMUM_PATHS_EBGP) == ["4"]


def test_rolling_2022_is_a_named_dialect() -> None:
    from bgplb.vyos.dialects import ROLLING_2022, SUPPORTED

    assert dialect_for("1.4-rolling-202209010000") is ROLLING_2022
    assert SUPPORTED["1.4-rolling-2022"] is ROLLING_2022
