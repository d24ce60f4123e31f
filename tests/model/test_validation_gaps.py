"""Values that used to validate and fail later (or never): each refused with exit 2, naming
the file, the host or group and the key, before anything is contacted."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bgplb.model import InventoryProblems, load_site, unset_secrets
from bgplb.model.problems import Severity
from runbooks import deploy, validate
from tests.model.mutate import Files, mutated

PEM = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----"
)


def router(f: Files) -> dict[str, Any]:
    return f["hosts"]["vyos"]["data"]  # type: ignore[no-any-return]


def site(f: Files) -> dict[str, Any]:
    return f["defaults"]["data"]["site"]  # type: ignore[no-any-return]


def _set(d: dict[str, Any], key: str, value: Any) -> None:
    d[key] = value


def _rename(d: dict[str, Any], old: str, new: str) -> None:
    d[new] = d.pop(old)


@dataclass
class Gap:
    name: str
    mutate: Callable[[Files], None]
    file: str
    obj: str
    key: str
    message: str
    source: str = "inventory"


REF_CALICO = "https://raw.githubusercontent.com/projectcalico/calico/v3.19.1/manifests/calico.yaml"

GAPS = [
    # -- strict numbers and booleans; VyOS's ASN range
    Gap("asn-true", lambda f: _set(router(f)["bgp"], "asn", True),
        "hosts.yaml", "host vyos", "data.bgp.asn", "valid integer"),
    Gap("asn-4294967295", lambda f: _set(router(f)["bgp"], "asn", 4294967295),
        "hosts.yaml", "host vyos", "data.bgp.asn", "less than or equal to 4294967294"),
    Gap("remote-as-string",
        lambda f: _set(router(f)["bgp"]["peer_groups"][0], "remote_as", "64500"),
        "hosts.yaml", "host vyos", "data.bgp.peer_groups[0].remote_as", "valid integer"),
    Gap("port-true", lambda f: _set(f["hosts"]["vyos"], "port", True),
        "hosts.yaml", "host vyos", "port", "valid integer"),
    Gap("maximum-paths-string", lambda f: _set(router(f)["bgp"]["maximum_paths"], "ebgp", "8"),
        "hosts.yaml", "host vyos", "data.bgp.maximum_paths.ebgp", "valid integer"),
    Gap("bool-yes", lambda f: _set(site(f)["metallb"]["pools"][0], "avoid_buggy_ips", "yes"),
        "defaults.yaml", "defaults", "data.site.metallb.pools[0].avoid_buggy_ips", "valid boolean"),
    # -- names: VyOS peer groups, host names, group names
    Gap("peer-group-quote", lambda f: _set(router(f)["bgp"]["peer_groups"][0], "name", "g'01"),
        "hosts.yaml", "host vyos", "data.bgp.peer_groups[0].name", "should match pattern"),
    Gap("neighbor-peer-group-space",
        lambda f: _set(router(f)["bgp"]["neighbors"][0], "peer_group", "group 01"),
        "hosts.yaml", "host vyos", "data.bgp.neighbors[0].peer_group", "should match pattern"),
    Gap("host-name-quote", lambda f: _rename(f["hosts"], "c01", "Bob's node"),
        "hosts.yaml", "host Bob's node", "", "must be an RFC 1123 label"),
    Gap("host-name-markup", lambda f: _rename(f["hosts"], "c01", "x[/]"),
        "hosts.yaml", "host x[/]", "", "must be an RFC 1123 label"),
    Gap("host-name-upper", lambda f: _rename(f["hosts"], "worker02", "Worker02"),
        "hosts.yaml", "host Worker02", "", "must be an RFC 1123 label"),
    Gap("host-name-int", lambda f: _rename(f["hosts"], "c01", 12),
        "hosts.yaml", "host 12", "", "must be an RFC 1123 label"),
    Gap("group-name-subshell", lambda f: _rename(f["groups"], "hypervisor", "$(reboot)"),
        "groups.yaml", "group $(reboot)", "", "group name '$(reboot)' must be"),
    Gap("description-newline",
        lambda f: _set(router(f)["bgp"]["neighbors"][0], "description", "a\nset system x"),
        "hosts.yaml", "host vyos", "data.bgp.neighbors[0].description", "control character"),
    Gap("description-esc",
        lambda f: _set(router(f)["bgp"]["neighbors"][0], "description", "\x1b]0;x\x07"),
        "hosts.yaml", "host vyos", "data.bgp.neighbors[0].description", "control character"),
    Gap("cri-socket-shell", lambda f: _set(site(f)["kubernetes"], "cri_socket", "/x.sock; reboot"),
        "defaults.yaml", "defaults", "data.site.kubernetes.cri_socket", "should match pattern"),
    Gap("vm-template-space",
        lambda f: _set(f["hosts"]["kvm"]["data"]["vms"][0], "template", "a b.xml"),
        "hosts.yaml", "host kvm", "data.vms[0].template", "should match pattern"),
    Gap("username-space",
        lambda f: _set(f["groups"]["clients"], "username", "root -oProxyCommand=x"),
        "groups.yaml", "group clients", "username", "should match pattern"),
    # -- MetalLB never assigns .0 / .255 of a pool with avoid_buggy_ips
    Gap("lb-ip-dot-255", lambda f: _set(site(f)["services"][0], "lb_ip", "192.168.100.255"),
        "defaults.yaml", "defaults", "data.site.services[0].lb_ip", "ends in .0 or .255"),
    Gap("lb-ip-dot-0", lambda f: _set(site(f)["services"][0], "lb_ip", "192.168.100.0"),
        "defaults.yaml", "defaults", "data.site.services[0].lb_ip", "which pool default excludes"),
    # -- Kubernetes names and labels
    Gap("service-name-underscore", lambda f: _set(site(f)["services"][0], "name", "my_service"),
        "defaults.yaml", "defaults", "data.site.services[0].name", "should match pattern"),
    Gap("service-name-digit", lambda f: _set(site(f)["services"][0], "name", "1web"),
        "defaults.yaml", "defaults", "data.site.services[0].name", "should match pattern"),
    Gap("namespace-upper", lambda f: _set(site(f)["services"][0], "namespace", "Default"),
        "defaults.yaml", "defaults", "data.site.services[0].namespace", "should match pattern"),
    Gap("app-label-space", lambda f: _set(site(f)["services"][0], "app", "nginx app"),
        "defaults.yaml", "defaults", "data.site.services[0].app", "should match pattern"),
    Gap("image-shell", lambda f: _set(site(f)["services"][0], "image", "nginx;reboot"),
        "defaults.yaml", "defaults", "data.site.services[0].image", "should match pattern"),
    Gap("pool-name-upper", lambda f: _set(site(f)["metallb"]["pools"][0], "name", "Default"),
        "defaults.yaml", "defaults", "data.site.metallb.pools[0].name", "should match pattern"),
    Gap("node-label-key", lambda f: _set(f["hosts"]["worker01"]["data"], "labels", {"a b": "x"}),
        "hosts.yaml", "host worker01", "data.labels.a b.[key]", "not a Kubernetes label key"),
    Gap("node-label-value",
        lambda f: _set(f["hosts"]["worker01"]["data"], "labels", {"zone": "-x"}),
        "hosts.yaml", "host worker01", "data.labels.zone", "should match pattern"),
    # -- manifests: https only, versioned, local files inside the inventory or the project
    Gap("manifest-http",
        lambda f: _set(
            site(f)["kubernetes"]["cni"], "manifest", REF_CALICO.replace("https", "http")
        ),
        "defaults.yaml", "defaults", "data.site.kubernetes.cni.manifest", "only https:// URLs"),
    Gap("manifest-ftp",
        lambda f: _set(site(f)["metallb"], "manifests", ["ftp://mirror/v0.9.6/metallb.yaml"]),
        "defaults.yaml", "defaults", "data.site.metallb.manifests[0]", "only https:// URLs"),
    Gap("manifest-unversioned",
        lambda f: _set(site(f)["kubernetes"]["cni"], "manifest",
                       "https://docs.projectcalico.org/manifests/calico.yaml"),
        "defaults.yaml", "defaults", "data.site.kubernetes.cni.manifest", "must name the version"),
    Gap("manifest-outside",
        lambda f: _set(site(f)["kubernetes"]["cni"], "manifest", "/etc/passwd"),
        "defaults.yaml", "defaults", "data.site.kubernetes.cni.manifest",
        "outside the inventory and the project"),
    Gap("manifest-outside-file-url",
        lambda f: _set(site(f)["kubernetes"]["cni"], "manifest", "file:///etc/hostname"),
        "defaults.yaml", "defaults", "data.site.kubernetes.cni.manifest",
        "outside the inventory and the project"),
    Gap("manifest-bad-sha256",
        lambda f: _set(site(f)["kubernetes"]["cni"], "manifest",
                       {"source": REF_CALICO, "sha256": "abc"}),
        "defaults.yaml", "defaults", "data.site.kubernetes.cni.manifest.sha256",
        "should match pattern"),
    # -- inline secrets under any secret-like key, anywhere
    Gap("inline-passphrase",
        lambda f: _set(f["groups"]["k8s_nodes"]["data"]["credentials"], "passphrase", "pw"),
        "groups.yaml", "group k8s_nodes", "data.credentials.passphrase", "must not be written"),
    Gap("inline-connection-secret",
        lambda f: _set(f["groups"]["router"]["connection_options"]["netmiko"], "extras",
                       {"secret": "enable-pw"}),
        "groups.yaml", "group router", "connection_options.netmiko.extras.secret",
        "must not be written"),
    Gap("inline-psk", lambda f: _set(router(f)["bgp"], "psk", "k"),
        "hosts.yaml", "host vyos", "data.bgp.psk", "must not be written"),
    Gap("inline-community",
        lambda f: _set(f["hosts"]["kvm"]["data"], "snmp", {"community": "public"}),
        "hosts.yaml", "host kvm", "data.snmp.community", "must not be written"),
    Gap("inline-private-key",
        lambda f: _set(f["hosts"]["c01"], "data", {"credentials": {"private_key": "x"}}),
        "hosts.yaml", "host c01", "data.credentials.private_key", "must not be written"),
    Gap("inline-pem-as-ssh-key",
        lambda f: _set(f["groups"]["clients"]["data"]["credentials"], "ssh_key", PEM),
        "groups.yaml", "group clients", "data.credentials.ssh_key", "must not be written"),
    Gap("inline-token-in-defaults", lambda f: _set(site(f)["kubernetes"], "join_token", "abc.def"),
        "defaults.yaml", "defaults", "data.site.kubernetes.join_token", "must not be written"),
    # -- the twin: 198.18.0.0/15 everywhere, state inside its own directory
    Gap("twin-router-id", lambda f: _set(router(f)["bgp"], "router_id", "10.0.0.1"),
        "hosts.yaml", "host vyos", "data.bgp.router_id", "outside 198.18.0.0/15",
        "inventory/lab"),
    Gap("twin-network", lambda f: _set(router(f)["bgp"], "networks", ["192.168.100.0/24"]),
        "hosts.yaml", "host vyos", "data.bgp.networks[0]", "outside 198.18.0.0/15",
        "inventory/lab"),
    Gap("twin-client-route",
        lambda f: _set(f["groups"]["clients"]["data"]["routes"][0], "prefix", "192.168.100.0/24"),
        "groups.yaml", "group clients", "data.routes[0].prefix",
        "outside 198.18.0.0/15", "inventory/lab"),
    Gap("twin-hypervisor-interface",
        lambda f: _set(f["hosts"]["kvm"]["data"]["interfaces"][0], "address", "192.168.123.1/24"),
        "hosts.yaml", "host kvm", "data.interfaces[0].address", "outside 198.18.0.0/15",
        "inventory/lab"),
    Gap("twin-api-server-override",
        lambda f: _set(site(f)["kubernetes"], "api_server_override", "https://192.168.30.50:6443"),
        "defaults.yaml", "defaults", "data.site.kubernetes.api_server_override",
        "outside 198.18.0.0/15", "inventory/lab"),
    Gap("twin-api-server-name",
        lambda f: _set(site(f)["kubernetes"], "api_server_override", "k8s.example.com"),
        "defaults.yaml", "defaults", "data.site.kubernetes.api_server_override",
        "a twin needs an address", "inventory/lab"),
    Gap("twin-kubeconfig-home",
        lambda f: _set(site(f)["kubernetes"], "kubeconfig", "~/.kube/config"),
        "defaults.yaml", "defaults", "data.site.kubernetes.kubeconfig",
        "outside the twin's directory", "inventory/lab"),
    Gap("twin-ssh-key-root",
        lambda f: _set(f["groups"]["k8s_nodes"]["data"]["credentials"], "ssh_key", "/root/.ssh/id"),
        "groups.yaml", "group k8s_nodes", "data.credentials.ssh_key",
        "outside the twin's directory", "inventory/lab"),
    Gap("twin-known-hosts",
        lambda f: _set(site(f)["lab"], "known_hosts", "/etc/ssh/ssh_known_hosts"),
        "defaults.yaml", "defaults", "data.site.lab.known_hosts",
        "outside the twin's directory", "inventory/lab"),
    Gap("twin-state-dir-root", lambda f: _set(site(f)["lab"], "state_dir", "/"),
        "defaults.yaml", "defaults", "data.site.lab.state_dir", "at least two levels below /",
        "inventory/lab"),
]  # fmt: skip


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    attempts: list[object] = []

    def refuse(_sock: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"connection attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.mark.parametrize("gap", GAPS, ids=[g.name for g in GAPS])
def test_gap_is_refused_naming_file_object_and_key(gap: Gap, tmp_path: Path) -> None:
    inv = mutated(tmp_path / "inv", gap.mutate, source=gap.source)
    with pytest.raises(InventoryProblems) as info:
        load_site(inv)
    matching = [
        p
        for p in info.value.problems
        if p.file == str(inv / gap.file)
        and p.obj == gap.obj
        and p.key == gap.key
        and gap.message in p.message
        and p.severity is Severity.ERROR
    ]
    assert matching, "\n".join(str(p) for p in info.value.problems)


@pytest.mark.parametrize("gap", GAPS[::5], ids=[g.name for g in GAPS[::5]])
def test_gap_exits_2_with_json_and_contacts_nothing(
    gap: Gap, tmp_path: Path, no_connections: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    inv = mutated(tmp_path / "inv", gap.mutate, source=gap.source)
    with pytest.raises(SystemExit) as info:
        validate.main(["--inventory", str(inv), "--json"])
    assert info.value.code == 2
    doc = json.loads(capsys.readouterr().out)
    assert any(p["key"] == gap.key for p in doc["problems"])
    assert no_connections == []


def test_ssh_key_paths_and_env_names_are_not_inline_secrets() -> None:
    assert load_site("inventory").router.bgp.asn == 64501  # ssh_key: ~/.ssh/id_ed25519 allowed


def test_local_manifest_inside_the_inventory_is_allowed(tmp_path: Path) -> None:
    def local_calico(f: Files) -> None:
        _set(site(f)["kubernetes"]["cni"], "manifest", "calico.yaml")

    inv = mutated(tmp_path / "inv", local_calico)
    (inv / "calico.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    loaded = load_site(inv)
    assert loaded.kubernetes.cni.manifest.source == "calico.yaml"


def test_local_manifest_outside_is_allowed_when_pinned(tmp_path: Path) -> None:
    outside = tmp_path / "mirror" / "calico.yaml"
    outside.parent.mkdir()
    outside.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")

    def pinned(f: Files) -> None:
        _set(site(f)["kubernetes"]["cni"], "manifest", {"source": str(outside), "sha256": "0" * 64})

    load_site(mutated(tmp_path / "inv", pinned))


# -------------------------------------------------- secrets from the environment


def _bgp_password(f: Files) -> None:
    _set(router(f)["bgp"]["peer_groups"][0], "password_env", "TEST_BGP_PW")


def test_unset_secrets_by_phase(tmp_path: Path) -> None:
    loaded = load_site(mutated(tmp_path / "inv", _bgp_password))
    env = {"BGPLB_ROUTER_PASSWORD": "x"}
    (member,) = unset_secrets(loaded, env, ["metallb"])
    assert (member.file, member.obj, member.key) == (
        str(tmp_path / "inv" / "defaults.yaml"),
        "defaults",
        "data.site.metallb.memberlist_secret_env",
    )
    assert "BGPLB_METALLB_MEMBERLIST_KEY" in member.message
    (bgp,) = unset_secrets(loaded, env, ["router"])
    assert (bgp.obj, bgp.key) == ("host vyos", "data.bgp.peer_groups[0].password_env")
    assert unset_secrets(loaded, env, ["bootstrap", "cni"]) == []
    env |= {"BGPLB_METALLB_MEMBERLIST_KEY": "k", "TEST_BGP_PW": "p"}
    assert unset_secrets(loaded, env, ["router", "metallb"]) == []


def test_the_twin_needs_its_memberlist_key_in_the_environment_like_any_site() -> None:
    """The twin hands its secrets over through the environment (lab up's operator env file)."""
    [problem] = unset_secrets(load_site("inventory/lab"), {}, ["metallb"])
    assert problem.key == "data.site.metallb.memberlist_secret_env"
    env = {"BGPLB_METALLB_MEMBERLIST_KEY": "k"}
    assert unset_secrets(load_site("inventory/lab"), env, ["metallb"]) == []


def test_validate_warns_of_unset_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BGPLB_METALLB_MEMBERLIST_KEY", raising=False)
    assert validate.main(["--inventory", "inventory", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    keys = {w["key"] for w in doc["warnings"]}
    assert "data.site.metallb.memberlist_secret_env" in keys


def test_deploy_refuses_an_unset_memberlist_key_before_contact(
    monkeypatch: pytest.MonkeyPatch,
    no_connections: list[object],
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BGPLB_ROUTER_PASSWORD", "router-pw")
    monkeypatch.delenv("BGPLB_METALLB_MEMBERLIST_KEY", raising=False)
    assert "BGPLB_METALLB_MEMBERLIST_KEY" not in os.environ
    with pytest.raises(SystemExit) as info:
        deploy.main(["--inventory", "inventory", "--tags", "metallb", "--dry-run", "--json"])
    assert info.value.code == 2
    doc = json.loads(capsys.readouterr().out)
    (problem,) = doc["problems"]
    assert problem["key"] == "data.site.metallb.memberlist_secret_env"
    assert no_connections == []
