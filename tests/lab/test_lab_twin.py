"""The twin, up: topology, routes, ECMP, data plane, convergence, SSH to the router."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import paramiko
import pytest

from bgplb.model import Site
from lab import frr, netns
from lab.credentials import router_password
from lab.instances import router_instance
from lab.lifecycle import Lab, up
from lab.observe import nexthops_of, router_sessions
from lab.poll import wait_for
from lab.speaker import Speaker, Timers
from lab.state import LabPaths
from lab.topology import LAB_SPACE, ns_name

pytestmark = pytest.mark.twin
LB_IP = IPv4Address("198.18.100.10")  # the demo service's address (inventory/lab)
LB_NET = IPv4Network(f"{LB_IP}/32")
REPO = Path(__file__).resolve().parents[2]


def router_ns(site: Site) -> str:
    return ns_name(site.router.name)


def ecmp_width(site: Site) -> int:
    return len(nexthops_of(router_ns(site), LB_NET))


def test_every_namespace_and_host_link_exists(twin: Site) -> None:
    lab = Lab.of(twin)
    assert set(lab.topo.namespaces) <= netns.list_namespaces()
    for link in lab.topo.host_links:
        assert netns.link_exists(link.ifname)


def test_the_machine_gains_only_connected_lab_routes(twin: Site) -> None:
    lab = Lab.of(twin)
    ours = {x.ifname for x in lab.topo.host_links}
    routes = netns.ip_json(None, ["-4", "route", "show"])
    lab_routes = [r for r in routes if r.get("dev") in ours]
    assert {r["dst"] for r in lab_routes} == {"198.18.30.0/24", "198.18.123.0/24"}
    assert all(r.get("protocol") == "kernel" and "gateway" not in r for r in lab_routes)
    outside = [r for r in routes if r.get("dev") not in ours]
    assert all(not str(r["dst"]).startswith("198.18.") for r in outside)


def test_hosts_route_only_the_lab_space_via_the_router(twin: Site) -> None:
    for node in twin.nodes:
        routes = netns.ip_json(ns_name(node.name), ["-4", "route", "show"])
        pairs = {(r["dst"], r.get("gateway")) for r in routes}
        assert {("198.18.0.0/15", "198.18.30.254"), ("198.18.30.0/24", None)} <= pairs
        # Anything else is what the node's speaker learnt from the router (the pool), in the
        # lab space and via the router.
        for dst, gateway in pairs:
            assert IPv4Network(dst).subnet_of(LAB_SPACE)
            assert gateway in (None, "198.18.30.254")
    for client in twin.clients:
        routes = netns.ip_json(ns_name(client.name), ["-4", "route", "show"])
        assert {(r["dst"], r.get("gateway")) for r in routes} == {
            ("198.18.100.0/24", "198.18.123.20"),
            ("198.18.123.0/24", None),
        }
    for ns in Lab.of(twin).topo.namespaces:
        assert all(r["dst"] != "default" for r in netns.ip_json(ns, ["-4", "route", "show"]))


def test_router_namespace_forwards_with_layer4_hashing(twin: Site) -> None:
    out = netns.run(
        netns.exec_argv(
            router_ns(twin),
            ["sysctl", "-n", "net.ipv4.ip_forward", "net.ipv4.fib_multipath_hash_policy"],
        )
    )
    assert out.split() == ["1", "1"]


def test_router_sessions_are_established_without_policy(twin: Site) -> None:
    sessions = router_sessions(Lab.of(twin).router_inst)
    assert {str(s.peer) for s in sessions} == {str(n.address) for n in twin.nodes}
    assert {s.state for s in sessions} == {"Established"}


def test_three_nodes_announcing_give_a_three_way_kernel_route(announced: Site) -> None:
    routes = netns.ip_json(router_ns(announced), ["-4", "route", "show", str(LB_IP)])
    assert len(routes) == 1
    hops = routes[0].get("nexthops") or routes[0].get("multipath")
    assert isinstance(hops, list)
    assert sorted(str(h["gateway"]) for h in hops) == sorted(
        str(n.address) for n in announced.nodes
    )


def test_clients_reach_every_node_with_layer4_hashing(announced: Site) -> None:
    landed: Counter[str] = Counter()
    url = f"http://{LB_IP}/"
    for client in announced.clients:
        argv = [sys.executable, "-m", "lab.http_probe", "--url", url, "--count", "20"]
        proc = subprocess.run(
            netns.exec_argv(ns_name(client.name), [*argv, "--timeout", "2"]),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
            check=True,
        )
        landed.update(json.loads(proc.stdout))
    assert landed["error"] == 0
    assert set(landed) == {n.name for n in announced.nodes}
    assert sum(landed.values()) == 60
    assert min(landed.values()) >= 5, landed


def test_killed_bgpd_loses_its_next_hop_within_a_second(announced: Site) -> None:
    victim = announced.workers[-1]
    start = time.monotonic()
    Speaker(announced, victim.name).kill_bgpd()
    gone = wait_for(
        lambda: victim.address not in nexthops_of(router_ns(announced), LB_NET),
        timeout=1.0,
        interval=0.01,
    )
    elapsed = time.monotonic() - start
    assert gone, f"next hop {victim.address} still present after {elapsed:.2f} s"
    assert ecmp_width(announced) == len(announced.nodes) - 1
    Speaker(announced, victim.name).start_bgpd()
    assert wait_for(lambda: ecmp_width(announced) == len(announced.nodes), timeout=15.0)


def test_graceful_stop_unpeer_and_peer_again(announced: Site) -> None:
    node = announced.workers[0]
    sp = Speaker(announced, node.name)
    assert sp.session_state() == "Established"
    sp.stop_bgpd()
    assert not sp.bgpd_alive()
    assert wait_for(lambda: node.address not in nexthops_of(router_ns(announced), LB_NET), 2.0)
    sp.start_bgpd()
    assert wait_for(lambda: sp.session_state() == "Established", timeout=15.0)
    sp.unpeer()
    assert sp.session_state() == "not configured"
    assert wait_for(lambda: node.address not in nexthops_of(router_ns(announced), LB_NET), 2.0)
    sp.peer()
    assert wait_for(lambda: ecmp_width(announced) == len(announced.nodes), timeout=15.0)


def test_cut_link_with_short_timers_expires_the_session(announced: Site) -> None:
    node = announced.workers[1]
    sp = Speaker(announced, node.name)
    sp.peer(Timers(3, 9))  # resets the session: wait until the router has the path again
    assert wait_for(lambda: ecmp_width(announced) == len(announced.nodes), timeout=15.0)
    sp.cut_link()
    try:
        assert not sp.link_up()
        gone = wait_for(
            lambda: node.address not in nexthops_of(router_ns(announced), LB_NET), 15.0, 0.05
        )
        assert gone
        # the hold timer dropped it, not anything else (FRR's own reason for the reset)
        doc = frr.vtysh_json(router_instance(announced), f"show bgp neighbors {node.address} json")
        peer = doc[str(node.address)]
        assert isinstance(peer, dict)
        last = {k: v for k, v in peer.items() if k.startswith("last")}
        # RFC 4271 error code 4 (Hold Timer Expired), sent by the router
        assert last.get("lastResetDueTo") == "BGP Notification send", last
        assert last.get("lastNotificationReason") == "Hold Timer Expired", last
        assert last.get("lastErrorCodeSubcode") == "0400", last
    finally:
        sp.restore_link()
        sp.set_timers(None)
    assert wait_for(lambda: ecmp_width(announced) == len(announced.nodes), timeout=30.0)


def test_withdraw_removes_the_next_hop(announced: Site) -> None:
    sp = Speaker(announced, announced.workers[0].name)
    sp.withdraw(LB_IP)
    assert sp.announced() == [LB_IP], "the node keeps serving the address, as kube-proxy does"
    address = announced.workers[0].address
    assert wait_for(lambda: address not in nexthops_of(router_ns(announced), LB_NET), 2.0)
    sp.announce(LB_IP)
    assert wait_for(lambda: ecmp_width(announced) == len(announced.nodes), timeout=5.0)


def test_a_second_up_changes_nothing(twin: Site) -> None:
    result = up(twin)
    assert not result.changed


def test_router_ssh_with_strict_host_key_checking(twin: Site) -> None:
    paths = LabPaths.of(twin)
    for address in (i.address.ip for i in twin.router.interfaces):
        client = paramiko.SSHClient()
        client.load_host_keys(str(paths.known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(
            str(address),
            username="vyos",
            key_filename=str(paths.client_key),
            allow_agent=False,
            look_for_keys=False,
            timeout=5,
        )
        stdin, stdout, stderr = client.exec_command("show version", timeout=10)
        assert "Version:          VyOS 1.4-rolling-202105210417" in stdout.read().decode()
        for f in (stdin, stderr):
            f.close()
        client.close()
    assert router_password(paths)


def test_router_ssh_rejects_an_unknown_host_key(twin: Site) -> None:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    with pytest.raises(paramiko.SSHException, match="not found in known_hosts"):
        client.connect(
            str(twin.router.login.address),
            username="vyos",
            password="x",
            allow_agent=False,
            look_for_keys=False,
            timeout=5,
        )
