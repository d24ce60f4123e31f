"""Fixtures for the VyOS CLI emulator tests: dialect schemas and the reference lab's config."""

from __future__ import annotations

import pytest

from lab.vyos.config_tree import ConfigNode, load_commands
from lab.vyos.schema import SchemaNode, schema_for
from lab.vyos.versions import router_version
from tests.write_up import vyos_block

# The builds the emulator tests run against (lab/vyos/versions.py), by the version string the
# router reports.
ROLLING_2021 = router_version("1.4-rolling-202105210417")
LTS_14 = router_version("1.4.0")
CURRENT_15 = router_version("1.5-rolling-202410210000")
EQUULEUS_13 = router_version("1.3.8")


def seed_section(command: str) -> str:
    """The verbatim output of one `vyos@vyos:~$ <command>` block of the reference lab's capture
    (tests/fixtures/write_up/)."""
    return vyos_block(command)


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
