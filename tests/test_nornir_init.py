"""bgplb/nornir_init.py: one path for every site, the twin included. Every SSH connection
(netmiko's and the NAPALM driver's) is strict and trusts the user's OpenSSH known_hosts; a
password comes only from its environment variable. Nothing is contacted here."""

from __future__ import annotations

from pathlib import Path

import pytest

from bgplb.errors import InputError
from bgplb.model import Site, load_site
from bgplb.nornir_init import init_nornir
from tests.model.mutate import relocated_twin

REPO = Path(__file__).resolve().parents[1]
OTHER_KEY_FILES = {"alt_host_keys", "alt_key_file", "known_hosts"}


@pytest.mark.parametrize("inventory", ["inventory", "inventory/lab"])
def test_every_ssh_connection_trusts_the_users_known_hosts(
    inventory: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = load_site(REPO / inventory)
    env = site.router.login.credentials.password_env
    assert env
    monkeypatch.setenv(env, "pw-for-a-test")
    nr = init_nornir(site, set(site.host_names))
    router = nr.inventory.hosts[site.router.name]
    napalm = (router.get_connection_parameters("napalm").extras or {})["optional_args"]
    assert napalm["ssh_strict"] is True and napalm["system_host_keys"] is True, napalm
    assert not OTHER_KEY_FILES & set(napalm), napalm
    for name in [site.router.name, *(n.name for n in site.nodes)]:
        extras = nr.inventory.hosts[name].get_connection_parameters("netmiko").extras or {}
        assert extras["ssh_strict"] is True and extras["system_host_keys"] is True, name
        assert not OTHER_KEY_FILES & set(extras), name
    assert router.password == "pw-for-a-test"


def twin_copy(dest: Path, state_dir: Path) -> Site:
    """inventory/lab with its state directory (and every twin path) in `state_dir`."""
    return load_site(relocated_twin(REPO / "inventory" / "lab", dest, state_dir))


def test_the_password_comes_only_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The twin's generated password file is not read by the toolkit: unset is bad input."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "router_password").write_text("generated-by-the-twin\n")
    site = twin_copy(tmp_path / "inventory", state)
    monkeypatch.delenv("BGPLB_LAB_PASSWORD", raising=False)
    with pytest.raises(InputError, match="BGPLB_LAB_PASSWORD"):
        init_nornir(site, {site.router.name})
    init_nornir(site, {"master01"})  # a node logs in with its key: no password needed


def test_the_router_password_is_masked_once_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from bgplb.secrets import redact_data

    site = load_site(REPO / "inventory")
    env = site.router.login.credentials.password_env
    assert env
    monkeypatch.setenv(env, "router-pw-9f3a")
    init_nornir(site, {site.router.name})
    assert redact_data({"said": "login with router-pw-9f3a"}) == {"said": "login with ********"}


REGISTERED = """
import json, os, sys
from pathlib import Path
from nornir.core.plugins.connections import ConnectionPluginRegister
from bgplb.model import load_site
from bgplb.nornir_init import init_nornir
site = load_site(Path("inventory/lab"))
os.environ[site.router.login.credentials.password_env] = "pw-for-a-test"
nr = init_nornir(site, set(sys.argv[1:]))
print(json.dumps({
    # nornir's registers share one dict: the connection plugins are the known ones among it
    "registered": sorted(
        n for n in ConnectionPluginRegister.available if n in ("napalm", "netmiko", "lab_netns")
    ),
    "lab": "lab.netns_connection" in sys.modules,
    "vendors": [m for m in ("napalm.eos", "napalm.junos") if m in sys.modules],
    "hosts": sorted(nr.inventory.hosts),
}))
"""


def registered(*hosts: str) -> dict[str, object]:
    """init_nornir in a fresh interpreter (this one has every plugin imported already)."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", REGISTERED, *hosts],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    doc: dict[str, object] = json.loads(done.stdout)
    return doc


def test_only_the_connection_plugins_a_run_can_use_are_imported() -> None:
    """The router and a node: netmiko and napalm; the twin's client plugin is not imported,
    nor napalm's other vendor drivers (InitNornir would import every installed plugin)."""
    got = registered("vyos", "master01")
    assert got == {
        "registered": ["napalm", "netmiko"],
        "lab": False,
        "vendors": [],
        "hosts": ["master01", "vyos"],
    }


def test_a_hosts_shell_plugin_is_registered_when_the_host_is_selected() -> None:
    got = registered("vyos", "c01")
    assert got["registered"] == ["lab_netns", "napalm", "netmiko"]
    assert got["lab"] is True


def test_an_unknown_connection_plugin_is_an_input_error() -> None:
    from bgplb.nornir_init import register_connections

    with pytest.raises(InputError, match=r"unknown Nornir connection plugin.*no-such-plugin"):
        register_connections({"netmiko", "no-such-plugin"})
