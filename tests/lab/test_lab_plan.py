"""Pure parts of the twin: topology plan, commands, FRR configs, parsers (no root needed)."""

from __future__ import annotations

import json
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from bgplb.errors import LabError
from bgplb.model import Site
from lab.frr_config import render_node
from lab.observe import parse_kernel_routes, parse_sessions
from lab.router_backend import render_arp, render_interfaces
from lab.topology import LAB_SPACE, host_side_commands, namespace_commands, plan

MAC = "52:54:00:88:9c:a1"
# ../shared/fixtures/frr-8.4, copied verbatim (its README)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "driver" / "frr-8.4.4"


def test_plan_names_every_namespace_after_the_site(site: Site) -> None:
    topo = plan(site)
    assert set(topo.namespaces) == {
        "bgplab-sw",
        "bgplab-vyos",
        "bgplab-master01",
        "bgplab-worker01",
        "bgplab-worker02",
        "bgplab-c01",
        "bgplab-c02",
        "bgplab-c03",
    }
    assert {x.ifname for x in topo.host_links} == {"bgplab-clients", "bgplab-nodes"}
    assert all(x.ifname.startswith("bgplab") and len(x.ifname) <= 15 for x in topo.host_links)


def test_every_address_and_route_stays_in_the_lab_space(site: Site) -> None:
    topo = plan(site)
    assert all(x.address.ip in LAB_SPACE for x in topo.links)
    assert all(r.prefix.subnet_of(LAB_SPACE) and r.via in LAB_SPACE for r in topo.routes)
    node_routes = {r.ns: r for r in topo.routes if r.ns == "bgplab-worker01"}
    assert node_routes["bgplab-worker01"].prefix == LAB_SPACE
    assert node_routes["bgplab-worker01"].via == IPv4Address("198.18.30.254")


def test_commands_never_add_a_default_route(site: Site) -> None:
    topo = plan(site)
    lines = host_side_commands(topo)
    for host in topo.hosts:
        lines += namespace_commands(topo, host.ns)
    assert not [x for x in lines if "default" in x or "0.0.0.0/0" in x]
    assert "route replace 198.18.100.0/24 via 198.18.123.20" in namespace_commands(
        topo, "bgplab-c01"
    )
    assert "link set eth0 address 52:54:00:88:9c:a1" in namespace_commands(topo, "bgplab-worker01")


def test_a_site_outside_the_lab_space_is_refused(site: Site) -> None:
    from dataclasses import replace

    from bgplb.model.specs import StaticRoute

    client = replace(
        site.clients[0],
        routes=(StaticRoute(prefix=IPv4Network("10.0.0.0/8"), via=IPv4Address("198.18.123.20")),),
    )
    with pytest.raises(LabError, match="outside the lab"):
        plan(replace(site, clients=(client, *site.clients[1:])))


def test_node_speaker_config_turns_rfc8212_off_and_peers_the_router(site: Site) -> None:
    text = render_node(site, site.node("worker01"), Path("/tmp/x.log"), peer=True)
    assert "router bgp 64500\n bgp router-id 198.18.30.60\n no bgp ebgp-requires-policy\n" in text
    assert " neighbor 198.18.30.254 remote-as 64501\n" in text
    unpeered = render_node(site, site.node("worker01"), Path("/tmp/x.log"), peer=False)
    assert "neighbor" not in unpeered


def test_parse_sessions_reads_frr_84_summary_json() -> None:
    data = json.loads((FIXTURES / "router_bgp_summary.json").read_text())
    sessions = parse_sessions(data)
    assert [str(s.peer) for s in sessions] == ["198.18.30.11", "198.18.30.12", "198.18.30.13"]
    assert {s.state for s in sessions} == {"Established"}
    assert {s.prefixes_received for s in sessions} == {1}


def test_parse_kernel_routes_reads_nexthop_groups_and_multipath() -> None:
    grouped: list[dict[str, object]] = [
        {
            "dst": "198.18.100.10",
            "nhid": 19,
            "nexthops": [{"gateway": "198.18.30.61"}, {"gateway": "198.18.30.50"}],
        }
    ]
    legacy: list[dict[str, object]] = [
        {"dst": "198.18.100.0/24", "multipath": [{"gateway": "198.18.30.60"}]}
    ]
    single: list[dict[str, object]] = [{"dst": "198.18.100.11", "gateway": "198.18.30.50"}]
    routes = parse_kernel_routes(grouped + legacy + single)
    assert [(str(r.prefix), [str(n) for n in r.nexthops]) for r in routes] == [
        ("198.18.100.10/32", ["198.18.30.50", "198.18.30.61"]),
        ("198.18.100.0/24", ["198.18.30.60"]),
        ("198.18.100.11/32", ["198.18.30.50"]),
    ]


def test_show_arp_and_interfaces_read_like_vyos() -> None:
    arp = render_arp(
        [
            {"dst": "198.18.30.60", "dev": "eth1", "lladdr": MAC, "state": ["REACHABLE"]},
            {"dst": "198.18.30.99", "dev": "eth1", "state": ["FAILED"]},
        ]
    )
    header = ["Address", "HWtype", "HWaddress", "Flags", "Mask", "Iface"]
    assert arp.splitlines()[0].split() == header
    assert arp.splitlines()[1].split() == ["198.18.30.60", "ether", MAC, "C", "eth1"]
    assert len(arp.splitlines()) == 2
    shown = render_interfaces(
        [
            {
                "ifname": "eth1",
                "flags": ["BROADCAST", "UP", "LOWER_UP"],
                "addr_info": [{"family": "inet", "local": "198.18.30.254", "prefixlen": 24}],
            }
        ]
    )
    assert shown.splitlines()[-1].split() == ["eth1", "198.18.30.254/24", "u/u"]


def test_preflight_names_root_and_the_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    from lab import frr, lifecycle

    monkeypatch.setattr("os.geteuid", lambda: 1000)
    with pytest.raises(LabError, match="needs root"):
        lifecycle.preflight()
    monkeypatch.setattr("os.geteuid", lambda: 0)
    monkeypatch.setattr(frr, "FRR_RELOAD", Path("/nonexistent/frr-reload.py"))
    with pytest.raises(LabError, match="frr-pythontools"):
        lifecycle.preflight()
