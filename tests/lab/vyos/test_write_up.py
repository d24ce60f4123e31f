"""The twin types the write-up router's BGP itself (lab/vyos/write_up.py), in the emulated
build's syntax, and lab/ never imports the product's VyOS layer."""

from __future__ import annotations

import re
from pathlib import Path

from bgplb.model import load_site
from bgplb.vyos.bgp_config import render_commands
from lab.vyos.config_tree import load_commands
from lab.vyos.schema import schema_for
from lab.vyos.versions import router_version
from lab.vyos.write_up import bgp_commands

REPO = Path(__file__).resolve().parents[3]
ENV = {"BGPLB_LAB_PASSWORD": "pw-from-env", "BGPLB_ROUTER_PASSWORD": "pw-from-env"}


def test_boot_config_is_what_a_deploy_would_leave() -> None:
    """On the reference build, the twin's own typing equals the product's rendering, so a
    deploy on a twin booted with BGP has nothing to change."""
    site = load_site(REPO / "inventory" / "lab")
    router = router_version(site.router.vyos_version)
    schema = schema_for(router)
    ours = load_commands(schema, bgp_commands(site, router, ENV))
    product = load_commands(schema, render_commands(site, ENV))
    assert ours == product


def test_each_build_gets_its_own_syntax() -> None:
    site = load_site(REPO / "inventory" / "lab")
    asn = site.router.bgp.asn
    group = site.router.bgp.peer_groups[0].name
    old = bgp_commands(site, router_version("1.3.8"), ENV)
    assert f"set protocols bgp {asn} peer-group {group} remote-as '64500'" in old
    load_commands(schema_for(router_version("1.3.8")), old)  # the 1.3 grammar takes it
    later = bgp_commands(site, router_version("1.4-rolling-202110050000"), ENV)
    assert f"set protocols bgp local-as '{asn}'" in later
    neighbor = site.router.bgp.neighbors[0].address
    assert f"set protocols bgp neighbor {neighbor} address-family ipv4-unicast" in later


def test_lab_never_imports_the_products_vyos_layer() -> None:
    pattern = re.compile(r"^\s*(from|import)\s+bgplb\.vyos\b", re.M)
    offenders = [
        str(p.relative_to(REPO))
        for p in sorted((REPO / "lab").rglob("*.py"))
        if pattern.search(p.read_text())
    ]
    assert offenders == []
