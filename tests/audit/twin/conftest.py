"""Fixtures of the audit's twin tests: the twin with its cluster, MetalLB and the demo Service,
brought up once per session (under the machine-wide twin lock) and always torn down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bgplb.model import Site, load_site

from .twin import AuditTwin, audit_twin

REPO = Path(__file__).resolve().parents[3]
INVENTORY = REPO / "inventory" / "lab"


@pytest.fixture(scope="session")
def audit_site() -> Site:
    return load_site(INVENTORY)


@pytest.fixture(scope="session")
def audit_lab(audit_site: Site, twin_session: None) -> Iterator[AuditTwin]:
    with audit_twin(audit_site) as twin:
        yield twin


@pytest.fixture
def healthy(audit_lab: AuditTwin) -> Iterator[AuditTwin]:
    """The healthy twin before the test, and again after it (whatever the test broke)."""
    audit_lab.restore()
    yield audit_lab
    audit_lab.restore()
