"""Broken inventories: each exits 2 naming file, object and key, and contacts nothing."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bgplb.model import InventoryProblems, load_site
from runbooks import validate
from tests.model.mutate import Files, copy_inventory, mutated


def router(f: Files) -> dict[str, Any]:
    return f["hosts"]["vyos"]["data"]  # type: ignore[no-any-return]


def site(f: Files) -> dict[str, Any]:
    return f["defaults"]["data"]["site"]  # type: ignore[no-any-return]


@dataclass
class Case:
    name: str
    mutate: Callable[[Files], None]
    file: str
    key: str
    message: str
    obj: str = ""


def _set(d: dict[str, Any], key: str, value: Any) -> None:
    d[key] = value


def _timers_13(f: Files) -> None:
    router(f)["vyos_version"] = "1.3.8"
    router(f)["bgp"]["timers"] = {"keepalive": 3, "holdtime": 9}
    router(f)["bgp"]["peer_groups"][0]["timers"] = {"keepalive": 4, "holdtime": 12}


CASES = [
    Case(
        "pod-cidr-overlaps-node-segment",
        lambda f: _set(site(f)["kubernetes"], "pod_cidr", "192.168.30.0/25"),
        "defaults.yaml",
        "data.site.kubernetes.pod_cidr",
        "overlaps segment nodes",
    ),
    Case(
        "pool-overlaps-service-cidr",
        lambda f: _set(site(f)["kubernetes"], "service_cidr", "192.168.100.0/25"),
        "defaults.yaml",
        "data.site.metallb.pools[0].addresses[0]",
        "overlaps service CIDR",
    ),
    Case(
        "lb-ip-outside-pool",
        lambda f: _set(site(f)["services"][0], "lb_ip", "192.168.101.10"),
        "defaults.yaml",
        "data.site.services[0].lb_ip",
        "outside every MetalLB pool",
    ),
    Case(
        "stop-delay-hostile-string",
        lambda f: _set(site(f)["services"][0], "stop_delay_seconds", "5; reboot"),
        "defaults.yaml",
        "data.site.services[0].stop_delay_seconds",
        "integer",
    ),
    Case(
        "stop-delay-beyond-five-minutes",
        lambda f: _set(site(f)["services"][0], "stop_delay_seconds", 301),
        "defaults.yaml",
        "data.site.services[0].stop_delay_seconds",
        "less than or equal to 300",
    ),
    Case(
        "asn-zero",
        lambda f: _set(router(f)["bgp"], "asn", 0),
        "hosts.yaml",
        "data.bgp.asn",
        "greater than or equal to 1",
        "host vyos",
    ),
    Case(
        "asn-too-big",
        lambda f: _set(f["groups"]["k8s_nodes"]["data"], "bgp_asn", 4294967295),
        "groups.yaml",
        "data.bgp_asn",
        "less than or equal to 4294967294",
        "group k8s_nodes",
    ),
    Case(
        "neighbor-outside-router-subnets",
        lambda f: router(f)["bgp"]["neighbors"].append(
            {"address": "192.168.40.7", "peer_group": "group01"}
        ),
        "hosts.yaml",
        "data.bgp.neighbors[3].address",
        "not inside a router-connected subnet",
        "host vyos",
    ),
    Case(
        "unknown-group",
        lambda f: _set(f["hosts"]["worker02"], "groups", ["worker"]),
        "hosts.yaml",
        "groups[0]",
        "unknown group 'worker'",
        "host worker02",
    ),
    Case(
        "typo-in-host-data",
        lambda f: _set(router(f)["bgp"], "maximum_path", router(f)["bgp"].pop("maximum_paths")),
        "hosts.yaml",
        "data.bgp.maximum_path",
        "unknown key",
        "host vyos",
    ),
    Case(
        "typo-in-site-data",
        lambda f: _set(site(f)["metallb"]["pools"][0], "avoid_buggy_ip", True),
        "defaults.yaml",
        "data.site.metallb.pools[0].avoid_buggy_ip",
        "unknown key",
    ),
    Case(
        "inline-password-on-host",
        lambda f: _set(f["hosts"]["vyos"], "password", "s3cr3t-value"),
        "hosts.yaml",
        "password",
        "secrets must not be written in the inventory",
        "host vyos",
    ),
    Case(
        "inline-bgp-password",
        lambda f: _set(router(f)["bgp"]["peer_groups"][0], "password", "s3cr3t-value"),
        "hosts.yaml",
        "data.bgp.peer_groups[0].password",
        "secrets must not be written in the inventory",
        "host vyos",
    ),
    Case(
        "password-env-holds-a-value",
        lambda f: _set(f["groups"]["router"]["data"]["credentials"], "password_env", "s3cr3t!"),
        "groups.yaml",
        "data.credentials.password_env",
        "must be the NAME of an environment variable",
        "group router",
    ),
    Case(
        "duplicate-host-address",
        lambda f: _set(f["hosts"]["worker02"], "hostname", "192.168.30.60"),
        "hosts.yaml",
        "hostname",
        "also host worker01",
        "host worker02",
    ),
    Case(
        "node-off-node-segment",
        lambda f: _set(f["hosts"]["worker02"], "hostname", "192.168.31.61"),
        "hosts.yaml",
        "hostname",
        "not on the router's node segment 192.168.30.0/24",
        "host worker02",
    ),
    Case(
        "metallb-dialect-mismatch",
        lambda f: _set(site(f)["metallb"], "config_dialect", "crds"),
        "defaults.yaml",
        "data.site.metallb.config_dialect",
        "ConfigMap up to 0.12, CRDs from 0.13",
    ),
    Case(
        "unknown-vyos-version",
        lambda f: _set(router(f), "vyos_version", "1.2.9-S1"),
        "hosts.yaml",
        "data.vyos_version",
        "releases 1.3, 1.4 and 1.5 are supported",
        "host vyos",
    ),
    Case(
        "vyos-rolling-built-on-the-local-as-change-day",
        lambda f: _set(router(f), "vyos_version", "1.4-rolling-202103290117"),
        "hosts.yaml",
        "data.vyos_version",
        "built on the day of vyos-1x 73557d68b",
        "host vyos",
    ),
    Case(
        "client-route-via-non-router",
        lambda f: _set(f["groups"]["clients"]["data"]["routes"][0], "via", "192.168.123.99"),
        "groups.yaml",
        "data.routes[0].via",
        "not an address of the router",
        "group clients",
    ),
    Case(
        "node-asn-differs-from-router-remote-as",
        lambda f: _set(f["hosts"]["worker01"]["data"], "bgp_asn", 64999),
        "hosts.yaml",
        "data.bgp_asn",
        "differs from the router's remote-as 64500",
        "host worker01",
    ),
    Case(
        "host-in-two-roles",
        lambda f: _set(f["hosts"]["c01"], "groups", ["clients", "workers"]),
        "hosts.yaml",
        "groups",
        "exactly one role group",
        "host c01",
    ),
    Case(
        "unknown-peer-group",
        lambda f: _set(router(f)["bgp"]["neighbors"][0], "peer_group", "group02"),
        "hosts.yaml",
        "data.bgp.neighbors[0].peer_group",
        "unknown peer group 'group02'",
        "host vyos",
    ),
    Case(
        "kubernetes-1.21-without-legacy-repos",
        lambda f: site(f)["kubernetes"].pop("package_repos"),
        "defaults.yaml",
        "data.site.kubernetes.package_repos",
        "has no packages in a current source (pkgs.k8s.io has Kubernetes from 1.24; cri-o's",
    ),
    Case(
        "local-manifest-missing",
        lambda f: _set(site(f)["kubernetes"]["cni"], "manifest", "manifests/calico.yaml"),
        "defaults.yaml",
        "data.site.kubernetes.cni.manifest",
        "manifest file not found",
    ),
    Case(
        "update-source-not-on-router",
        lambda f: _set(router(f)["bgp"]["peer_groups"][0], "update_source", "192.168.30.253"),
        "hosts.yaml",
        "data.bgp.peer_groups[0].update_source",
        "not an address of the router",
        "host vyos",
    ),
    Case(
        "hold-time-2s",
        lambda f: _set(
            router(f)["bgp"]["peer_groups"][0], "timers", {"keepalive": 1, "holdtime": 2}
        ),
        "hosts.yaml",
        "data.bgp.peer_groups[0].timers",
        "holdtime 2: must be 0 (keepalives off) or at least 3 s",
        "host vyos",
    ),
    Case(
        "keepalive-above-a-third-of-hold",
        lambda f: _set(router(f)["bgp"]["neighbors"][0], "timers", {"keepalive": 4, "holdtime": 9}),
        "hosts.yaml",
        "data.bgp.neighbors[0].timers",
        "keepalive 4 is more than a third of holdtime 9",
        "host vyos",
    ),
    Case(
        "bfd-on-metallb-0.9.6",
        lambda f: _set(site(f)["metallb"], "bfd", {}),
        "defaults.yaml",
        "data.site.metallb.bfd",
        "BFD needs MetalLB's FRR mode (0.13+, the metallb-frr.yaml manifest); MetalLB 0.9.6",
    ),
    Case(
        "metallb-hold-time-2s",
        lambda f: _set(site(f)["metallb"], "timers", {"hold_time": 2}),
        "defaults.yaml",
        "data.site.metallb.timers",
        "hold_time 2: must be 0 or at least 3 s",
    ),
    Case(
        "metallb-keepalive-in-the-0.9-configmap",
        lambda f: _set(site(f)["metallb"], "timers", {"hold_time": 9, "keepalive_time": 3}),
        "defaults.yaml",
        "data.site.metallb.timers.keepalive_time",
        "ConfigMap takes only hold-time",
    ),
    Case(
        "bfd-interval-out-of-range",
        lambda f: _set(site(f)["metallb"], "bfd", {"receive_interval_ms": 5}),
        "defaults.yaml",
        "data.site.metallb.bfd.receive_interval_ms",
        "greater than or equal to 10",
    ),
    Case(
        # vyatta-bgp.pl checkBannedPeerGroupParameters: a 1.3 router refuses the commit
        "vyos-1.3-timers-on-peer-group-members",
        _timers_13,
        "hosts.yaml",
        "data.bgp.peer_groups[0].timers",
        "refuses timers on a neighbor in a peer-group",
        "host vyos",
    ),
]


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Record (and refuse) every socket connection attempted while the test runs."""
    attempts: list[object] = []

    def refuse(_sock: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"connection attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_inventory_is_reported(case: Case, tmp_path: Path) -> None:
    inv = mutated(tmp_path / "inv", case.mutate)
    with pytest.raises(InventoryProblems) as info:
        load_site(inv)
    matching = [
        p
        for p in info.value.problems
        if p.file == str(inv / case.file)
        and p.key == case.key
        and case.message in p.message
        and p.obj.startswith(case.obj)
    ]
    assert matching, "\n".join(str(p) for p in info.value.problems)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_validate_exits_2_and_contacts_nothing(
    case: Case,
    tmp_path: Path,
    no_connections: list[object],
    capsys: pytest.CaptureFixture[str],
) -> None:
    inv = mutated(tmp_path / "inv", case.mutate)
    with pytest.raises(SystemExit) as info:
        validate.main(["--inventory", str(inv)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert case.file in err
    assert case.key in err
    assert "s3cr3t" not in err  # secrets never echoed
    assert no_connections == []


def test_malformed_yaml(tmp_path: Path) -> None:
    inv = copy_inventory(tmp_path / "inv")
    (inv / "hosts.yaml").write_text("vyos:\n  hostname: [192.168.123.20\n")
    with pytest.raises(InventoryProblems) as info:
        load_site(inv)
    (problem,) = info.value.problems
    assert problem.file == str(inv / "hosts.yaml")
    assert "malformed YAML at line 3" in problem.message


def test_missing_file(tmp_path: Path) -> None:
    inv = copy_inventory(tmp_path / "inv")
    (inv / "groups.yaml").unlink()
    with pytest.raises(InventoryProblems) as info:
        load_site(inv)
    assert [str(p) for p in info.value.problems] == [f"{inv / 'groups.yaml'}: file not found"]


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    def two_faults(f: Files) -> None:
        _set(router(f)["bgp"], "asn", 0)
        _set(site(f)["services"][0], "lb_ip", "192.168.101.10")
        _set(f["hosts"]["worker02"], "groups", ["worker"])

    inv = mutated(tmp_path / "inv", two_faults)
    with pytest.raises(InventoryProblems) as info:
        load_site(inv)
    keys = {p.key for p in info.value.problems}
    assert {"data.bgp.asn", "groups[0]"} <= keys


def test_lab_inventory_refuses_addresses_outside_rfc2544(tmp_path: Path) -> None:
    inv = mutated(
        tmp_path / "inv",
        lambda f: _set(f["hosts"]["c01"], "hostname", "192.168.123.5"),
        source="inventory/lab",
    )
    with pytest.raises(InventoryProblems) as info:
        load_site(inv)
    assert any("outside 198.18.0.0/15" in p.message for p in info.value.problems)


def test_maximum_paths_below_announcers_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = mutated(
        tmp_path / "inv", lambda f: _set(router(f)["bgp"], "maximum_paths", {"ebgp": 1, "ibgp": 1})
    )
    loaded = load_site(inv)
    (warning,) = [w for w in loaded.warnings if "announce" in w.message]
    assert warning.key == "data.bgp.maximum_paths.ebgp"
    assert "below the 3 nodes expected to announce" in warning.message
    assert validate.main(["--inventory", str(inv)]) == 0
    assert "silently truncated" in capsys.readouterr().out
