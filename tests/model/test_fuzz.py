"""Fuzz: 320 generated hostile inventories (tests/model/mutate.py, seeded), validated
in-process, and a handful through the real CLI. Each ends in exit 0 or 2 within 2 s, with no
traceback; refusals are a JSON error document; nothing accepted holds a control character."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from runbooks import validate
from tests.conftest import REPO
from tests.model.mutate import write_hostile_inventory

CASES = 320
SECONDS_EACH = 2.0
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _run(inventory: Path, as_json: bool) -> tuple[int, float]:
    argv = ["--inventory", str(inventory)] + (["--json"] if as_json else [])
    start = time.monotonic()
    try:
        code = validate.main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, time.monotonic() - start


def test_fuzz_hostile_inventories(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcomes = {0: 0, 2: 0}
    slowest = 0.0
    started = time.monotonic()
    for seed in range(CASES):
        inventory = write_hostile_inventory(tmp_path / f"inv{seed}", seed)
        as_json = seed % 2 == 0
        code, took = _run(inventory, as_json)
        out, err = capsys.readouterr()
        where = f"seed {seed} ({inventory})"
        assert code in (0, 2), f"{where}: exit {code}\n{err}"
        assert took < SECONDS_EACH, f"{where}: {took:.2f} s"
        assert "Traceback" not in out + err, where
        slowest = max(slowest, took)
        outcomes[code] += 1
        if as_json:
            doc = json.loads(out)
            assert doc["ok"] is (code == 0), where
            if code == 2:
                messages = [p["message"] for p in doc["problems"]]
                assert messages, where
                # an exception validation did not expect is a bug, even when it exits 2
                assert not [m for m in messages if "could not be validated" in m], (where, messages)
            else:
                assert not [s for s in _strings(doc) if CONTROL.search(s)], where
        else:
            assert "\x1b" not in out + err, where  # no terminal sequence reaches the terminal
            if code == 2:
                assert "could not be validated" not in err, f"{where}\n{err}"
    total = time.monotonic() - started
    # most hostile edits are refused; some (a dropped optional key, a harmless value) are fine
    assert outcomes[2] > CASES // 2, outcomes
    assert outcomes[0] > 0, outcomes
    assert total < 60, f"{CASES} inventories took {total:.1f} s (slowest {slowest:.2f} s)"


CLI_SEEDS = (3, 7, 11, 15, 19, 0, 1)  # text-level edits (seed % 4 == 3) and data-level ones


@pytest.mark.parametrize("seed", CLI_SEEDS)
def test_fuzz_through_the_cli(seed: int, tmp_path: Path) -> None:
    inventory = write_hostile_inventory(tmp_path / "inv", seed)
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "runbooks.validate", "--inventory", str(inventory), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    took = time.monotonic() - start
    assert proc.returncode in (0, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is (proc.returncode == 0)
    assert took < 10, f"{took:.1f} s (interpreter start included)"
