"""Shared fixtures: paths of the repository and of ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def shared() -> Path:
    assert SHARED.is_dir(), f"../shared is missing beside the checkout ({SHARED})"
    return SHARED
