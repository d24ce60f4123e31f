"""connection_options are validated (bgplb/model/connections.py): only known keys; options that
weaken safety (host-key policy, ssh_config_file, session_log) only per host with an explicit
allowance, reported on every run; on a twin every connection address inside 198.18.0.0/15.
Each refusal exits 2 naming file, object and key, and contacts nothing."""

from __future__ import annotations

import io
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bgplb.cli import load_site_or_exit
from bgplb.model import InventoryProblems, load_site
from bgplb.model import connections as model_connections
from bgplb.nornir_init import init_nornir
from runbooks import validate
from tests.model.mutate import Files, mutated


def host(f: Files, name: str) -> dict[str, Any]:
    entry: dict[str, Any] = f["hosts"][name]
    return entry


def options(entry: dict[str, Any], conn: str) -> dict[str, Any]:
    opts: dict[str, Any] = entry.setdefault("connection_options", {}).setdefault(conn, {})
    return opts


def extras(entry: dict[str, Any], conn: str) -> dict[str, Any]:
    ext: dict[str, Any] = options(entry, conn).setdefault("extras", {})
    return ext


def napalm_args(entry: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = extras(entry, "napalm").setdefault("optional_args", {})
    return args


def both(*_: object) -> None:
    """Two edits in one lambda."""


def allow(f: Files, name: str, option: str) -> bool:
    site = f["defaults"]["data"]["site"]
    site.setdefault("unsafe_connection_options", []).append(
        {"host": name, "option": option, "reason": "a test"}
    )
    return True


@dataclass
class Case:
    name: str
    mutate: Callable[[Files], None]
    file: str
    obj: str
    key: str
    message: str
    source: str = "inventory"


CASES = [
    Case(
        "unknown plugin",
        lambda f: options(host(f, "vyos"), "telnetish").update({}),
        "hosts.yaml",
        "host vyos",
        "connection_options.telnetish",
        "unknown Nornir connection plugin",
    ),
    Case(
        "unknown field",
        lambda f: options(f["groups"]["router"], "netmiko").update({"sauce": 1}),
        "groups.yaml",
        "group router",
        "connection_options.netmiko.sauce",
        "unknown key",
    ),
    Case(
        "unknown netmiko option",
        lambda f: extras(host(f, "master01"), "netmiko").update({"sock": "/tmp/s"}),
        "hosts.yaml",
        "host master01",
        "connection_options.netmiko.extras.sock",
        "unknown connection option",
    ),
    Case(
        "unknown napalm extra",
        lambda f: extras(host(f, "vyos"), "napalm").update({"driver": "ios"}),
        "hosts.yaml",
        "host vyos",
        "connection_options.napalm.extras.driver",
        "unknown key",
    ),
    Case(
        "napalm host key check off",
        lambda f: napalm_args(host(f, "vyos")).update({"ssh_strict": False}),
        "hosts.yaml",
        "host vyos",
        "connection_options.napalm.extras.optional_args.ssh_strict",
        "weakens safety (host_key_policy): refused unless",
    ),
    Case(
        "netmiko system host keys off",
        lambda f: extras(host(f, "worker01"), "netmiko").update({"system_host_keys": False}),
        "hosts.yaml",
        "host worker01",
        "connection_options.netmiko.extras.system_host_keys",
        "host_key_policy",
    ),
    Case(
        "another known_hosts for a group, even allowed per host",
        lambda f: both(
            extras(f["groups"]["router"], "netmiko").update({"alt_key_file": "/tmp/kh"}),
            allow(f, "vyos", "host_key_policy"),
        ),
        "groups.yaml",
        "group router",
        "connection_options.netmiko.extras.alt_key_file",
        "allowed only on a host entry",
    ),
    Case(
        "session log",
        lambda f: extras(host(f, "master01"), "netmiko").update({"session_log": "/tmp/s.log"}),
        "hosts.yaml",
        "host master01",
        "connection_options.netmiko.extras.session_log",
        "weakens safety (session_log)",
    ),
    Case(
        "ssh_config_file in the defaults",
        lambda f: (
            f["defaults"]
            .setdefault("connection_options", {})
            .update({"netmiko": {"extras": {"ssh_config_file": "~/.ssh/config"}}})
        ),
        "defaults.yaml",
        "defaults",
        "connection_options.netmiko.extras.ssh_config_file",
        "weakens safety (ssh_config_file)",
    ),
    Case(
        "an allowance for an unknown host",
        lambda f: both(allow(f, "nosuchhost", "session_log")),
        "defaults.yaml",
        "defaults",
        "data.site.unsafe_connection_options[0].host",
        "unknown host",
    ),
    Case(
        "a connection hostname that is no address",
        lambda f: options(host(f, "vyos"), "napalm").update({"hostname": "router.example"}),
        "hosts.yaml",
        "host vyos",
        "connection_options.napalm.hostname",
        "must be an IPv4 address",
    ),
    Case(
        "twin: ssh_config_file even when allowed",
        lambda f: both(
            extras(host(f, "vyos"), "netmiko").update({"ssh_config_file": "/tmp/cfg"}),
            allow(f, "vyos", "ssh_config_file"),
        ),
        "hosts.yaml",
        "host vyos",
        "connection_options.netmiko.extras.ssh_config_file",
        "refused on a twin",
        "inventory/lab",
    ),
    Case(
        "twin: a napalm hostname override outside the twin",
        lambda f: options(host(f, "vyos"), "napalm").update({"hostname": "192.168.123.20"}),
        "hosts.yaml",
        "host vyos",
        "connection_options.napalm.hostname",
        "outside 198.18.0.0/15",
        "inventory/lab",
    ),
    Case(
        "twin: a client's namespace hostname outside the twin",
        lambda f: options(f["groups"]["clients"], "lab_netns").update(
            {"hostname": "192.168.123.5"}
        ),
        "groups.yaml",
        "group clients",
        "connection_options.lab_netns.hostname",
        "outside 198.18.0.0/15",
        "inventory/lab",
    ),
    Case(
        "twin: the API server override outside the twin",
        lambda f: f["defaults"]["data"]["site"]["kubernetes"].update(
            {"api_server_override": "https://192.168.30.50:6443"}
        ),
        "defaults.yaml",
        "defaults",
        "data.site.kubernetes.api_server_override",
        "outside 198.18.0.0/15",
        "inventory/lab",
    ),
    Case(
        "twin: the namespace plugin takes no extras",
        lambda f: extras(f["groups"]["clients"], "lab_netns").update({"namespace": "x"}),
        "groups.yaml",
        "group clients",
        "connection_options.lab_netns.extras.namespace",
        "takes no extras",
        "inventory/lab",
    ),
]


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("the test forbids connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_refused_naming_file_object_and_key(case: Case, tmp_path: Path) -> None:
    inv = mutated(tmp_path / "inv", case.mutate, case.source)
    with pytest.raises(InventoryProblems) as info:
        load_site(inv)
    matching = [
        p
        for p in info.value.problems
        if p.file == str(inv / case.file)
        and p.obj == case.obj
        and p.key == case.key
        and case.message in p.message
    ]
    assert matching, "\n".join(str(p) for p in info.value.problems)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_validate_exits_2_and_contacts_nothing(
    case: Case, tmp_path: Path, no_connections: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    inv = mutated(tmp_path / "inv", case.mutate, case.source)
    with pytest.raises(SystemExit) as info:
        validate.main(["--inventory", str(inv)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert case.key in err and case.file in err
    assert no_connections == []


def test_a_host_names_one_shell_plugin_at_most(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins = {"netmiko", "napalm", "lab_netns", "other_shell"}
    monkeypatch.setattr(model_connections, "registered_plugins", lambda: plugins)
    inv = mutated(
        tmp_path / "inv",
        lambda f: options(host(f, "c01"), "other_shell").update({}),
        "inventory/lab",
    )
    with pytest.raises(InventoryProblems, match="names 2 connection plugins"):
        load_site(inv)


def test_the_strict_defaults_may_be_restated() -> None:
    assert model_connections.unsafe_option("ssh_strict", True) is None
    assert model_connections.unsafe_option("system_host_keys", True) is None
    assert model_connections.unsafe_option("ssh_strict", False) == "host_key_policy"


def allowed_session_log(f: Files) -> None:
    extras(host(f, "vyos"), "netmiko").update({"session_log": "/tmp/vyos-session.log"})
    napalm_args(host(f, "vyos")).update({"ssh_strict": False})
    allow(f, "vyos", "session_log")
    allow(f, "vyos", "host_key_policy")


def test_an_allowed_option_is_used_and_reported_on_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv = mutated(tmp_path / "inv", allowed_session_log)
    buffer = io.StringIO()
    site = load_site_or_exit(inv, Console(file=buffer, width=300), as_json=True)
    printed = buffer.getvalue()
    assert "UNSAFE: host vyos: connection_options.netmiko.extras.session_log" in printed
    assert "optional_args.ssh_strict = 'False' (host_key_policy)" in printed
    assert str(inv / "defaults.yaml") in printed
    monkeypatch.setenv("BGPLB_ROUTER_PASSWORD", "pw-for-a-test")
    nr = init_nornir(site, {"vyos"})
    router = nr.inventory.hosts["vyos"]
    netmiko = router.get_connection_parameters("netmiko").extras or {}
    napalm = (router.get_connection_parameters("napalm").extras or {})["optional_args"]
    assert netmiko["session_log"] == "/tmp/vyos-session.log"
    assert napalm["ssh_strict"] is False, "the allowed value wins over the strict default"
    assert netmiko["ssh_strict"] is True, "only what was allowed changes"


def test_on_a_twin_loopback_stays_allowed(tmp_path: Path) -> None:
    """An emulated API server on 127.0.0.1 (tests) never leaves the machine."""
    inv = mutated(
        tmp_path / "inv",
        lambda f: f["defaults"]["data"]["site"]["kubernetes"].update(
            {"api_server_override": "127.0.0.1:6443"}
        ),
        "inventory/lab",
    )
    try:
        load_site(inv)
        problems = []
    except InventoryProblems as exc:  # the copy's relative manifest paths break
        problems = exc.problems
    assert not [p for p in problems if "api_server_override" in p.key]
