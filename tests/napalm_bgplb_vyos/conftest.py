"""Paths to captures and expected results; a missing file fails the test, never skips it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from napalm_bgplb_vyos import BgplbVyosDriver

from .fake_netmiko import FakeNetmiko

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "driver"
FRR84 = FIXTURES / "frr-8.4.4"  # ../shared/fixtures/frr-8.4, copied verbatim
FRR75 = FIXTURES / "frr-7.5.1"  # capture_frr75.sh
CAPTURES = FIXTURES / "captures"  # FRR 8.4.4, capture_frr84.sh
EXPECTED = FIXTURES / "expected"


def read_text(path: Path) -> str:
    if not path.is_file():
        pytest.fail(f"fixture missing: {path}")
    return path.read_text(encoding="utf-8")


def read_json(path: Path) -> Any:
    return json.loads(read_text(path))


def expected(name: str) -> Any:
    return read_json(EXPECTED / name)


def as_json(value: Any) -> Any:
    """Round-trip through JSON so int keys (remote AS) compare like the expected files."""
    return json.loads(json.dumps(value))


@pytest.fixture
def make_driver(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., tuple[BgplbVyosDriver, FakeNetmiko]]]:
    def factory(
        steps: list[tuple[str, str]], optional_args: dict[str, Any] | None = None
    ) -> tuple[BgplbVyosDriver, FakeNetmiko]:
        fake = FakeNetmiko(steps=list(steps))

        def connect(**kwargs: Any) -> FakeNetmiko:
            fake.connect_kwargs = kwargs
            return fake

        monkeypatch.setattr(BgplbVyosDriver, "connection_factory", connect)
        driver = BgplbVyosDriver("198.18.30.254", "vyos", "pw", optional_args=optional_args)
        driver.open()
        return driver, fake

    yield factory
