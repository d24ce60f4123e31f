"""Masking: data before it is serialised, text on its way to a terminal, short secrets."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from bgplb import cli, secrets
from bgplb.errors import InputError
from bgplb.secrets import MASK, redact, redact_data

# A quote, a backslash and non-ASCII: json.dumps escapes all three.
NASTY = 'pa"ss\\wörd-ÿ42'
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _emitted(capsys: pytest.CaptureFixture[str], doc: object) -> str:
    cli.emit_json(doc, [NASTY])
    return capsys.readouterr().out


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_a_secret_json_escapes_is_masked_in_every_form(
    capsys: pytest.CaptureFixture[str], ensure_ascii: bool
) -> None:
    doc = {
        "detail": f"auth failed for {NASTY}",
        "list": [NASTY, {"nested": NASTY}],
        NASTY: "as a key",
        "path": Path(f"/tmp/{NASTY}"),
    }
    out = _emitted(capsys, doc)
    parsed = json.loads(out)  # still one valid document
    for form in (NASTY, json.dumps(NASTY, ensure_ascii=ensure_ascii)[1:-1]):
        assert form not in out
    assert parsed["detail"] == f"auth failed for {MASK}"
    assert parsed["list"] == [MASK, {"nested": MASK}]
    assert parsed[MASK] == "as a key"
    assert parsed["path"] == f"/tmp/{MASK}"


def test_a_secret_registered_when_read_is_masked_without_being_passed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    secrets.env_secret({"BGP_PW": NASTY}, "BGP_PW", "neighbor 1.2.3.4 password_env")
    cli.emit_json({"diff": f"+ set password '{NASTY}'"})
    out = capsys.readouterr().out
    assert json.loads(out) == {"diff": f"+ set password '{MASK}'"}


def test_a_number_that_is_a_secret_is_masked() -> None:
    assert redact_data({"pin": 123456789, "port": 22, "ok": True}, ["123456789"]) == {
        "pin": MASK,
        "port": 22,
        "ok": True,
    }


def test_error_messages_are_masked_on_stderr_and_in_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    secrets.register(NASTY)
    err = cli.consoles(True)[1]
    with pytest.raises(SystemExit) as exit_info:
        cli.fail_input(InputError(f"device said: bad password {NASTY}"), err, as_json=True)
    assert exit_info.value.code == cli.EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert json.loads(captured.out)["problems"] == [
        {"message": f"device said: bad password {MASK}"}
    ]
    assert NASTY not in captured.err and "bad password ********" in captured.err


def test_the_terminal_is_masked_even_where_highlighting_splits_a_secret() -> None:
    secret = "s3cret-123-456.78"  # rich colours the numbers: the raw text never holds it
    raw = io.StringIO()
    Console(file=raw, force_terminal=True, width=200).print(f"login with {secret} failed")
    assert secret not in raw.getvalue() and secret in ANSI.sub("", raw.getvalue())

    secrets.register(secret)
    masked = io.StringIO()
    Console(file=secrets.masked_stream(lambda: masked), force_terminal=True, width=200).print(
        f"login with {secret} failed"
    )
    plain = ANSI.sub("", masked.getvalue())
    assert secret not in plain
    assert f"login with {MASK} failed" in plain


def test_the_runbook_consoles_mask_known_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    out, err = cli.consoles(False)
    secrets.register(NASTY)
    out.print(f"report {NASTY}", markup=False)
    err.print(f"diagnostic {NASTY}", markup=False)
    captured = capsys.readouterr()
    assert NASTY not in captured.out + captured.err
    assert f"report {MASK}" in captured.out and f"diagnostic {MASK}" in captured.err


# -- short secrets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("expected x", f"expected {MASK}"),
        ("set password 'x'", f"set password '{MASK}'"),
        ("x", MASK),
        ("x_y xylophone ax éx xé", "x_y xylophone ax éx xé"),  # part of a word: left alone
        ("\x1b[1mx\x1b[0m", f"\x1b[1m{MASK}\x1b[0m"),  # colour codes are not letters
    ],
)
def test_a_short_secret_is_masked_only_as_a_whole_word(text: str, expected: str) -> None:
    assert redact(text, ["x"]) == expected


def test_a_long_secret_is_masked_anywhere() -> None:
    assert len("hunter2hunter2") >= secrets.MIN_ANYWHERE
    assert redact("key=hunter2hunter2x", ["hunter2hunter2"]) == f"key={MASK}x"


def test_the_longest_secret_wins_where_two_overlap() -> None:
    assert redact("abcdefghij-klm", ["abcdefghij", "abcdefghij-klm"]) == MASK
