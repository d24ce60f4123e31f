"""The twin's client namespaces as the Nornir connection plugin `lab_netns` (no root needed:
the namespace lookup is fed fake namespaces), its registration through the entry point, and
the twin's namespace prefix defined once, in lab/."""

from __future__ import annotations

import re
import tomllib
from importlib import import_module
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from lab import netns, netns_connection
from lab.netns_connection import (
    CONNECTION_NAME,
    LabNetnsConnection,
    NamespaceShell,
    namespace_of,
)
from lab.topology import PREFIX

REPO = Path(__file__).resolve().parents[2]
C01 = IPv4Address("198.18.123.5")


def test_only_twin_namespaces() -> None:
    with pytest.raises(ValueError, match=f"not {PREFIX}"):
        NamespaceShell("c01")
    assert NamespaceShell(PREFIX + "c01").namespace == PREFIX + "c01"


def test_the_namespace_is_found_by_the_hosts_address_among_twin_namespaces_only() -> None:
    table = {
        "other-c01": {C01},  # not the twin's: never used, even holding the address
        PREFIX + "c02": {IPv4Address("198.18.123.23")},
        PREFIX + "c01": {C01},
    }
    looked_at: list[str] = []

    def addresses_of(ns: str) -> set[IPv4Address]:
        looked_at.append(ns)
        return table[ns]

    assert namespace_of(C01, table, addresses_of) == PREFIX + "c01"
    assert "other-c01" not in looked_at
    with pytest.raises(ConnectionError, match="no twin namespace"):
        namespace_of(C01, {"other-c01": {C01}}, addresses_of)


def test_open_binds_to_the_namespace_of_the_inventory_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(netns, "list_namespaces", lambda: {PREFIX + "c01"})
    monkeypatch.setattr(netns_connection, "addresses_in", lambda ns: {C01})
    conn = LabNetnsConnection()
    with pytest.raises(ValueError, match="no hostname"):
        conn.open(None, None, None, None, None)
    conn.open(str(C01), "ubuntu", None, None, "linux")
    assert conn.connection.namespace == PREFIX + "c01"
    assert conn.connection.concurrent_commands
    conn.close()
    with pytest.raises(ConnectionError, match="not open"):
        _ = conn.connection
    monkeypatch.setattr(netns, "list_namespaces", lambda: {"other"})
    with pytest.raises(ConnectionError, match=r"198\.18\.123\.5"):
        conn.open(str(C01), None, None, None, None)


def test_registered_through_the_nornir_entry_point() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    entries = project["project"]["entry-points"]["nornir.plugins.connections"]
    module, _, attr = entries[CONNECTION_NAME].partition(":")
    assert getattr(import_module(module), attr) is LabNetnsConnection


def test_the_twin_clients_select_it_in_their_inventory() -> None:
    from bgplb.model import load_site

    site = load_site(REPO / "inventory" / "lab")
    assert {c.login.shell for c in site.clients} == {CONNECTION_NAME}
    assert site.router.login.shell == "netmiko"
    assert {n.login.shell for n in site.nodes} == {"netmiko"}
    real = load_site(REPO / "inventory")
    assert {h.shell for h in real.logins.values()} == {"netmiko"}


PRODUCT = ("bgplb", "tasks", "runbooks", "napalm_bgplb_vyos", "inventory")
# runbooks that drive the twin itself
TWIN_DRIVERS = {Path("runbooks/lab.py"), Path("runbooks/demo.py")}


def product_files() -> list[Path]:
    return [
        p.relative_to(REPO)
        for top in PRODUCT
        for p in sorted((REPO / top).rglob("*"))
        if p.is_file() and p.suffix in (".py", ".yaml", ".md")
    ]


def test_the_twin_prefix_is_defined_once_in_lab() -> None:
    assert product_files(), "the product's files were found"
    found = [str(p) for p in product_files() if PREFIX in (REPO / p).read_text()]
    assert found == []


# reading the site's `lab:` section (`site.lab`), or importing the twin's package
TWIN_TOUCH = re.compile(r"\.lab\b(?!\.)|^\s*(from|import) lab\b", re.M)


def test_no_product_module_branches_on_the_twin() -> None:
    """Only the model knows the `lab:` section (it validates it: the 198.18/15 guard) and the
    site report names the kind of site; tasks, runbooks and the driver never look at it."""
    allowed = {Path("bgplb/site_report.py")}
    branching = [
        str(p)
        for p in product_files()
        if p.suffix == ".py"
        and p.parts[:2] != ("bgplb", "model")
        and p not in allowed | TWIN_DRIVERS
        and TWIN_TOUCH.search((REPO / p).read_text())
    ]
    assert branching == []
