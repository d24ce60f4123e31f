"""Fixtures for the VyOS CLI emulator tests: dialect schemas and the reference lab's config."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bgplb.vyos.dialects import LTS_14, ROLLING_2021
from lab.vyos.config_tree import ConfigNode, load_commands
from lab.vyos.schema import SchemaNode, schema_for

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_d49ef959e28c536f.txt"


def seed_section(command: str) -> str:
    """The verbatim output of one `vyos@vyos:~$ <command>` block of the reference lab's capture."""
    assert SEED.is_file(), f"reference lab capture missing: {SEED}"
    text = SEED.read_text()
    m = re.search(rf"vyos@vyos:~\$ {re.escape(command)}\n(.*?)vyos@vyos:~\$", text, re.S)
    assert m, f"`{command}` not found in {SEED}"
    return m.group(1)


@pytest.fixture
def seed_commands() -> str:
    return seed_section("show configuration commands")


@pytest.fixture
def rolling_schema() -> SchemaNode:
    return schema_for(ROLLING_2021)


@pytest.fixture
def lts_schema() -> SchemaNode:
    return schema_for(LTS_14)


@pytest.fixture
def seed_tree(rolling_schema: SchemaNode, seed_commands: str) -> ConfigNode:
    return load_commands(rolling_schema, seed_commands.splitlines())
