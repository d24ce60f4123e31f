from __future__ import annotations

import pytest

from lab.vyos.config_boot import parse_config_boot, render_config_boot
from lab.vyos.config_tree import (
    ConfigLoadError,
    ConfigNode,
    delete_path,
    load_commands,
    set_path,
    split_command,
)
from lab.vyos.render import show_commands, show_configuration, show_json
from lab.vyos.schema import SchemaNode

from .conftest import LTS_14, ROLLING_2021


def test_seed_show_configuration_commands_round_trips(
    seed_tree: ConfigNode, seed_commands: str
) -> None:
    assert show_commands(seed_tree) == seed_commands


def test_config_boot_round_trip_old_and_new(
    seed_tree: ConfigNode, lts_schema: SchemaNode, rolling_schema: SchemaNode
) -> None:
    old = render_config_boot(seed_tree, ROLLING_2021)
    assert "    local-as 64501\n" in old
    assert 'plaintext-password ""\n' in old
    assert old.endswith("// Release version: 1.4-rolling-202105210417\n")
    assert parse_config_boot(old, rolling_schema) == seed_tree
    tree = load_commands(
        lts_schema,
        ["set protocols bgp system-as '64501'", "set system host-name 'vyos'", "set service ssh"],
    )
    new = render_config_boot(tree, LTS_14)
    assert '        system-as "64501"\n' in new
    assert "}\n\n\n// Warning: Do not remove the following line.\n" in new
    assert parse_config_boot(new, lts_schema) == tree


def test_show_configuration_quotes_only_when_needed_and_masks_secrets(
    seed_tree: ConfigNode, rolling_schema: SchemaNode
) -> None:
    set_path(
        seed_tree,
        rolling_schema,
        split_command("protocols bgp neighbor 192.168.30.50 description 'master one'"),
    )
    text = show_configuration(seed_tree)
    assert '            description "master one"\n' in text
    assert "                encrypted-password ****************\n" in text
    assert "                plaintext-password ****************\n" in text
    assert "    loopback lo {\n    }\n" in text
    assert "    ntp {\n        server 0.pool.ntp.org {\n        }\n" in text
    assert "hw-id 52:54:00:66:72:df\n" in text


def test_show_json_shapes(seed_tree: ConfigNode) -> None:
    text = show_json(seed_tree)
    assert '"local-as":"64501"' in text
    assert '"dns-server":["1.1.1.1","8.8.8.8"]' in text
    assert '"loopback":{"lo":{}}' in text


def test_invalid_path_text_per_dialect(rolling_schema: SchemaNode, lts_schema: SchemaNode) -> None:
    expected = "\n  Configuration path: protocols bgp [local-as] is not valid\n  Set failed\n\n"
    assert (
        set_path(ConfigNode(), lts_schema, ["protocols", "bgp", "local-as", "64501"]).output
        == expected
    )
    r = set_path(ConfigNode(), rolling_schema, ["protocols", "bgp", "system-as", "64501"])
    assert not r.ok
    assert r.output == expected.replace("local-as", "system-as")
    r = set_path(ConfigNode(), lts_schema, ["foo"])
    assert r.output == "\n  Configuration path: [foo] is not valid\n  Set failed\n\n"


def test_value_validation(lts_schema: SchemaNode) -> None:
    root = ConfigNode()
    for bad in ("0", "4294967295", "abc"):
        r = set_path(root, lts_schema, ["protocols", "bgp", "system-as", bad])
        assert r.output == "\n  Invalid value\n  Value validation failed\n  Set failed\n\n"
    assert set_path(root, lts_schema, ["protocols", "bgp", "system-as", "4294967294"]).ok
    r = set_path(root, lts_schema, ["protocols", "bgp", "neighbor", "192.0.2.1", "remote-as", "x"])
    assert r.output == "\n  Invalid AS number\n  Value validation failed\n  Set failed\n\n"
    r = set_path(
        root,
        lts_schema,
        ["protocols", "bgp", "address-family", "ipv4-unicast", "network", "10.0.0.1/8"],
    )
    assert not r.ok
    assert root == load_commands(lts_schema, ["set protocols bgp system-as '4294967294'"])


def test_requires_value_and_already_exists(lts_schema: SchemaNode) -> None:
    root = ConfigNode()
    r = set_path(root, lts_schema, ["protocols", "bgp", "neighbor"])
    assert r.output == (
        "\n  Configuration path: [protocols bgp neighbor] requires a value\n  Set failed\n\n"
    )
    assert set_path(root, lts_schema, ["service", "ssh"]).changed
    r = set_path(root, lts_schema, ["service", "ssh"])
    assert r.ok
    assert not r.changed
    assert r.output == "\n  Configuration path: [service ssh] already exists\n\n"


def test_delete(lts_schema: SchemaNode) -> None:
    root = load_commands(
        lts_schema,
        [
            "set protocols bgp system-as '65001'",
            "set protocols bgp neighbor 192.0.2.2 remote-as '65002'",
            "set interfaces ethernet eth1 address '192.0.2.1/24'",
            "set interfaces ethernet eth1 address '198.51.100.1/24'",
        ],
    )
    r = delete_path(root, lts_schema, ["protocols", "bgp", "neighbor", "192.0.2.9"])
    assert r.ok
    assert not r.changed
    assert r.output == "\n  Nothing to delete (the specified node does not exist)\n\n"
    r = delete_path(root, lts_schema, ["protocols", "bgp", "system-as", "1"])
    assert r.output == "\n  Nothing to delete (the specified value does not exist)\n\n"
    r = delete_path(root, lts_schema, ["protocols", "bgp", "foo"])
    assert (
        r.output == "\n  Configuration path: protocols bgp [foo] is not valid\n  Delete failed\n\n"
    )
    assert delete_path(root, lts_schema, ["protocols", "bgp", "neighbor", "192.0.2.2"]).changed
    assert delete_path(
        root, lts_schema, ["interfaces", "ethernet", "eth1", "address", "192.0.2.1/24"]
    ).changed
    assert show_commands(root) == (
        "set interfaces ethernet eth1 address '198.51.100.1/24'\n"
        "set protocols bgp system-as '65001'\n"
    )


def test_load_commands_collects_errors(lts_schema: SchemaNode) -> None:
    with pytest.raises(ConfigLoadError, match="local-as"):
        load_commands(lts_schema, ["set protocols bgp local-as 1", "set system host-name x"])


def test_split_command_quoting() -> None:
    assert split_command("set system login banner post-login 'a b'") == [
        "set",
        "system",
        "login",
        "banner",
        "post-login",
        "a b",
    ]
    assert split_command('commit comment "two words"') == ["commit", "comment", "two words"]
