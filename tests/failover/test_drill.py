"""The failover drill's pure parts and its runbook's guard rails (nothing contacted)."""

from __future__ import annotations

import json
import subprocess
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from rich.console import Console

from bgplb.errors import ParseError
from bgplb.failover.drill import (
    LossWindow,
    NodeLink,
    Sample,
    cut_command,
    loss_window,
    not_a_next_hop,
    parse_interface,
    parse_samples,
    policy_at,
    restore_command,
    sample_command,
)
from bgplb.failover.report import NodeDrill, json_document, render
from bgplb.model import Site, load_site
from runbooks.failover import main
from tasks.failover_drill import DrillOptions, protection
from tests.model.mutate import Files, mutated

TWIN = Path(__file__).resolve().parents[2] / "inventory" / "lab"
ADDR = IPv4Address("198.18.30.61")


ROUTES = """@@ROUTES
default via 198.18.30.254 dev eth0 proto static
198.18.30.0/24 dev eth0 proto kernel scope link src 198.18.30.61
198.18.100.0/24 nhid 12 via 198.18.30.254 dev eth0 proto bgp metric 20
198.18.123.0/24 via 198.18.30.254 dev eth0 linkdown
198.18.124.0/24 nhid 7 via 198.18.30.254 dev eth0 proto static
10.0.0.0/8 via 10.1.1.1 dev eth1
"""


def test_interface_of_the_nodes_address_and_the_routes_it_loses() -> None:
    text = "2: eth0    inet 198.18.30.61/24 brd 198.18.30.255 scope global eth0\\       valid_lft"
    assert parse_interface(text + "\n" + ROUTES, ADDR) == NodeLink(
        "eth0",
        (
            "default via 198.18.30.254 dev eth0 proto static",
            "198.18.123.0/24 via 198.18.30.254 dev eth0",
            "198.18.124.0/24 via 198.18.30.254 dev eth0 proto static",
        ),
    )
    veth = "7: eth0@if8    inet 198.18.30.61/24 scope global eth0"
    assert parse_interface(veth, ADDR).interface == "eth0"
    with pytest.raises(ParseError, match="no interface holds the address"):
        parse_interface("", ADDR)
    with pytest.raises(ParseError, match="cannot restore safely"):
        parse_interface(veth + '\n@@ROUTES\ndefault via 1.2.3.4 dev eth0 "$(reboot)"', ADDR)


def test_cut_refuses_an_interface_name_that_is_not_a_word() -> None:
    with pytest.raises(ValueError, match="refusing interface name"):
        cut_command(NodeLink("eth0; reboot"), 10)


def test_cut_restores_the_routes_the_link_down_flushes() -> None:
    link = NodeLink("eth0", ("default via 198.18.30.254 dev eth0 proto static",))
    cut = cut_command(link, 30)
    assert cut.endswith("$R ip link set dev eth0 down && echo CUT")
    assert (
        'nohup sh -c "sleep 30; $R ip link set dev eth0 up; '
        '$R ip route replace default via 198.18.30.254 dev eth0 proto static"'
    ) in cut
    assert restore_command(link).endswith(
        "$R ip link set dev eth0 up; $R ip route replace default via 198.18.30.254 dev eth0 "
        "proto static && echo RESTORED"
    )


def test_samples_and_loss_window() -> None:
    text = "\n".join(
        ["100.0 200", "100.2 200", "100.4 000", "100.9 200", "101.1 000", "101.6 200", "101.8 200"]
    )
    samples = parse_samples(text + "\ngarbage\n")
    assert len(samples) == 7
    assert loss_window(samples) == LossWindow(7, 2, pytest.approx(1.2), True)
    assert loss_window([Sample(1.0, True)]) == LossWindow(1, 0, None, True)
    unrecovered = loss_window([Sample(1.0, True), Sample(2.0, False), Sample(3.5, False)])
    assert unrecovered.window_s == pytest.approx(1.5) and not unrecovered.recovered


def test_sample_loop_runs_in_sh_and_is_bounded(tmp_path: Path) -> None:
    """The real loop in sh with a curl that answers 200: it stops after its duration."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text("#!/bin/sh\nprintf 200\n")
    (bin_dir / "curl").chmod(0o755)
    done = subprocess.run(
        ["sh", "-c", f'PATH="{bin_dir}:$PATH"; ' + sample_command(ADDR, 80, 1, interval_s=0.2)],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    samples = parse_samples(done.stdout)
    assert samples and all(s.ok for s in samples)
    assert samples[-1].at - samples[0].at < 2.5


def test_protection_from_the_router() -> None:
    assert protection({"hold_ms": 9000, "keepalive_ms": 3000, "bfd_status": None}) == (
        "hold 9 s / keepalive 3 s",
        9.0,
    )
    mode, bound = protection({"hold_ms": 180000, "keepalive_ms": 60000, "bfd_status": "Up"})
    assert (mode, bound) == ("BFD up, hold 180 s / keepalive 60 s", 3.0)
    assert protection({"hold_ms": 0, "keepalive_ms": 0, "bfd_status": None})[1] is None


def _never(*_: object) -> NodeDrill:
    raise AssertionError("the drill ran")


def test_refuses_without_yes_and_contacts_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--inventory", str(TWIN), "--limit", "worker02"], drill=_never) == 2
    assert "refused" in capsys.readouterr().err


def test_dry_run_prints_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--inventory", str(TWIN), "--limit", "worker01", "--dry-run"], drill=_never)
    out = capsys.readouterr().out
    assert code == 0
    assert "worker01 (198.18.30.60)" in out and "worker02" not in out
    assert "ip link set dev IFACE down" in out


def test_limit_without_a_node_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert_exit = pytest.raises(SystemExit)
    with assert_exit as info:
        main(["--inventory", str(TWIN), "--limit", "c01", "--yes"], drill=_never)
    assert info.value.code == 2
    assert "selects no Kubernetes node" in capsys.readouterr().err


def test_a_node_whose_restore_failed_fails_the_drill(capsys: pytest.CaptureFixture[str]) -> None:
    def drill(site: Site, node: str, target: object, options: DrillOptions) -> NodeDrill:
        ok = node != "worker02"
        return NodeDrill(
            node=node,
            mode="hold 9 s / keepalive 3 s",
            cut_s=19.0,
            withdraw_s=8.7,
            loss={"c01": LossWindow(50, 9, 8.9, True)},
            restored=ok,
            route_back_s=3.0 if ok else None,
            error="" if ok else "worker02 is not a next hop of 198.18.100.10 again within 1 s",
        )

    code = main(["--inventory", str(TWIN), "--limit", "workers", "--yes", "--json"], drill=drill)
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert doc["ok"] is False
    by_node = {n["node"]: n for n in doc["nodes"]}
    assert by_node["worker01"]["restored"] is True
    assert by_node["worker01"]["loss_window_s"] == 8.9
    assert by_node["worker02"]["restored"] is False
    assert "not a next hop" in by_node["worker02"]["error"]


def _local(files: Files) -> None:
    for svc in files["defaults"]["data"]["site"]["services"]:
        svc["external_traffic_policy"] = "Local"


def test_dry_run_names_the_services_traffic_policy_and_what_it_means(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The policy comes from the inventory's own knob (services[].external_traffic_policy)."""
    assert main(["--inventory", str(TWIN), "--limit", "worker02", "--dry-run"], drill=_never) == 0
    cluster = capsys.readouterr().out
    assert "Service default/my-service: externalTrafficPolicy Cluster" in cluster
    assert "node monitor's grace period" in cluster
    local_inv = mutated(tmp_path / "inv", _local, source="inventory/lab")
    assert (
        main(["--inventory", str(local_inv), "--limit", "worker02", "--dry-run"], drill=_never) == 0
    )
    local = capsys.readouterr().out
    assert "Service default/my-service: externalTrafficPolicy Local" in local
    assert "loss window follows the router's withdraw" in local
    assert "grace period" not in local


def test_a_node_without_a_local_endpoint_is_named_as_such(tmp_path: Path) -> None:
    site = load_site(TWIN)
    lb_ip = IPv4Address("198.18.100.10")
    assert policy_at(site, lb_ip) == "Cluster"
    assert policy_at(site, IPv4Address("198.18.100.99")) == ""
    assert policy_at(load_site(mutated(tmp_path / "i", _local, "inventory/lab")), lb_ip) == "Local"
    assert not_a_next_hop("master01", lb_ip, "Cluster") == (
        "master01 is not a next hop of 198.18.100.10 before the drill"
    )
    assert "Local: a node announces only with a ready pod" in not_a_next_hop(
        "master01", lb_ip, "Local"
    )


def test_each_result_carries_the_policy_it_was_measured_under() -> None:
    local = NodeDrill("worker02", "BFD up", 9.0, 0.9, restored=True, traffic_policy="Local")
    unknown = NodeDrill("worker01", "BFD up", 9.0, 0.9, restored=True)
    doc = json_document([local, unknown])
    assert [n["external_traffic_policy"] for n in doc["nodes"]] == ["Local", None]
    console = Console(record=True, width=200)
    render([local], console)
    assert "externalTrafficPolicy Local" in console.export_text()
