"""The shipped inventories describe the write-up's lab and its twin, and validate cleanly."""

from __future__ import annotations

import json
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest
import yaml

from bgplb.model import load_site
from runbooks import validate


def test_reference_lab_matches_the_write_up() -> None:
    site = load_site("inventory")
    r = site.router
    assert r.vyos_version == "1.4-rolling-202105210417"
    assert r.dialect.name == "1.4-rolling-2021"
    assert r.bgp.asn == 64501
    assert r.bgp.maximum_paths.ebgp == 8
    assert r.address_on("nodes") == IPv4Address("192.168.30.254")
    assert r.address_on("clients") == IPv4Address("192.168.123.20")
    assert {n.name: str(n.address) for n in site.nodes} == {
        "master01": "192.168.30.50",
        "worker01": "192.168.30.60",
        "worker02": "192.168.30.61",
    }
    assert {n.asn for n in site.nodes} == {64500}
    assert [str(n.address) for n in r.neighbors] == [
        "192.168.30.50",
        "192.168.30.60",
        "192.168.30.61",
    ]
    k = site.kubernetes
    assert (k.version, k.pod_cidr, k.service_cidr) == (
        "1.21.1",
        IPv4Network("192.168.50.0/24"),
        IPv4Network("192.168.60.0/24"),
    )
    assert k.control_plane_endpoint == "k8s-cluster.example.com"
    assert site.metallb.version == "0.9.6"
    assert site.metallb.dialect == "configmap"
    assert site.metallb.pools[0].avoid_buggy_ips
    assert site.services[0].lb_ip == IPv4Address("192.168.100.10")
    assert len(site.expected_announcers) == 3
    assert site.lab is None
    # the one warning: Calico's manifest is pinned by version, not yet by sha256
    assert [(w.key, "has no sha256" in w.message) for w in site.warnings] == [
        ("data.site.kubernetes.cni.manifest", True)
    ]


def _swap(text: str) -> str:
    return text.replace("192.168.", "198.18.")


@pytest.mark.parametrize("name", ["hosts.yaml", "groups.yaml", "defaults.yaml"])
def test_twin_differs_only_in_addresses_and_lab_needs(name: str, repo: Path) -> None:
    """198.18.X.Y for 192.168.X.Y; otherwise only credentials, key paths and the lab section."""
    ref = yaml.safe_load(_swap((repo / "inventory" / name).read_text()))
    twin = yaml.safe_load((repo / "inventory" / "lab" / name).read_text())
    # lab needs: credentials, key paths, the lab section, local manifests (air-gapped twin)
    allowed = {"password_env", "ssh_key", "lab", "name", "kubeconfig", "manifest", "manifests"}
    if name == "groups.yaml":  # the twin's clients are namespaces: their shell is its plugin
        assert twin["clients"].pop("connection_options") == {"lab_netns": {}}

    def diff(a: object, b: object, path: str) -> list[str]:
        if isinstance(a, dict) and isinstance(b, dict):
            out = []
            for key in a.keys() | b.keys():
                if key in allowed:
                    continue
                out += diff(a.get(key), b.get(key), f"{path}.{key}")
            return out
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            return [
                d
                for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in diff(x, y, f"{path}[{i}]")
            ]
        return [] if a == b else [path]

    assert diff(ref, twin, name) == []


def test_twin_uses_only_rfc2544() -> None:
    site = load_site("inventory/lab")
    lab = IPv4Network("198.18.0.0/15")
    assert site.lab is not None
    assert all(h.address in lab for h in (*site.nodes, *site.clients))
    assert site.router.login.address in lab


@pytest.mark.parametrize("inventory", ["inventory", "inventory/lab"])
def test_validate_exits_0(inventory: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.main(["--inventory", inventory]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_json_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.main(["--inventory", "inventory", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True
    assert doc["router"]["asn"] == 64501
    assert doc["metallb"]["expected_announcers"] == ["master01", "worker01", "worker02"]
