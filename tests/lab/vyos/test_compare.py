"""`compare` texts checked against vyos-transcripts.md §4 (byte for byte)."""

from __future__ import annotations

from lab.vyos.compare import compare_commands, compare_new, compare_old, compare_output
from lab.vyos.config_tree import ConfigNode, load_commands
from lab.vyos.schema import SchemaNode

from .conftest import LTS_14, ROLLING_2021

BASE = [
    "set protocols bgp neighbor 192.0.2.2 address-family ipv4-unicast",
    "set protocols bgp neighbor 192.0.2.2 remote-as '65002'",
    "set protocols bgp system-as '65001'",
    "set system host-name 'vyos'",
]


def tree(schema: SchemaNode, lines: list[str]) -> ConfigNode:
    return load_commands(schema, lines)


def test_new_bgp_added_from_scratch(lts_schema: SchemaNode) -> None:
    active = tree(lts_schema, BASE[3:])
    working = tree(lts_schema, BASE)
    assert compare_new(active, working) == (
        "+ protocols {\n"
        "+     bgp {\n"
        "+         neighbor 192.0.2.2 {\n"
        "+             address-family {\n"
        "+                 ipv4-unicast\n"
        "+             }\n"
        '+             remote-as "65002"\n'
        "+         }\n"
        '+         system-as "65001"\n'
        "+     }\n"
        "+ }\n"
    )


NEIGHBOR_6 = [
    "set protocols bgp neighbor 192.0.2.6 address-family ipv4-unicast",
    "set protocols bgp neighbor 192.0.2.6 remote-as '65003'",
]


def test_new_second_neighbor_added_and_deleted(lts_schema: SchemaNode) -> None:
    active = tree(lts_schema, BASE)
    working = tree(lts_schema, BASE + NEIGHBOR_6)
    body = (
        '192.0.2.6 {\n    address-family {\n        ipv4-unicast\n    }\n    remote-as "65003"\n}\n'
    )
    plus = "".join(f"+ {line}\n" for line in body.splitlines())
    minus = plus.replace("+ ", "- ")
    assert compare_new(active, working) == "[protocols bgp neighbor]\n" + plus
    assert compare_new(working, active) == "[protocols bgp neighbor]\n" + minus
    assert compare_output(LTS_14, active, working) == ("[protocols bgp neighbor]\n" + plus + "\n")
    assert compare_output(LTS_14, active, working, commands=True) == (
        "\n"
        "set protocols bgp neighbor 192.0.2.6 address-family ipv4-unicast\n"
        "set protocols bgp neighbor 192.0.2.6 remote-as '65003'\n"
        "\n"
    )


def test_new_value_changed(lts_schema: SchemaNode) -> None:
    active = tree(lts_schema, BASE)
    working = tree(lts_schema, [*BASE[:2], "set protocols bgp system-as '65010'", BASE[3]])
    assert compare_new(active, working) == (
        '[protocols bgp]\n- system-as "65001"\n+ system-as "65010"\n'
    )
    assert compare_commands(active, working) == (
        "delete protocols bgp system-as '65001'\nset protocols bgp system-as '65010'\n"
    )


def test_new_several_changes_in_traversal_order(lts_schema: SchemaNode) -> None:
    active = tree(lts_schema, BASE)
    working = tree(
        lts_schema,
        [
            BASE[0],
            "set protocols bgp neighbor 192.0.2.2 remote-as '65003'",
            "set protocols bgp neighbor 192.0.2.3 address-family ipv4-unicast",
            "set protocols bgp neighbor 192.0.2.3 description 'peer two'",
            "set protocols bgp neighbor 192.0.2.3 remote-as '65002'",
            "set protocols bgp address-family ipv4-unicast network 203.0.113.0/24",
            *BASE[2:],
            "set system ip multipath layer4-hashing",
        ],
    )
    assert compare_new(active, working) == (
        "[protocols bgp neighbor 192.0.2.2]\n"
        '- remote-as "65002"\n'
        '+ remote-as "65003"\n'
        "[protocols bgp neighbor]\n"
        "+ 192.0.2.3 {\n"
        "+     address-family {\n"
        "+         ipv4-unicast\n"
        "+     }\n"
        '+     description "peer two"\n'
        '+     remote-as "65002"\n'
        "+ }\n"
        "[protocols bgp]\n"
        "+ address-family {\n"
        "+     ipv4-unicast {\n"
        "+         network 203.0.113.0/24 {\n"
        "+         }\n"
        "+     }\n"
        "+ }\n"
        "[system]\n"
        "+ ip {\n"
        "+     multipath {\n"
        "+         layer4-hashing\n"
        "+     }\n"
        "+ }\n"
    )


def test_no_changes_texts(lts_schema: SchemaNode, rolling_schema: SchemaNode) -> None:
    t = tree(lts_schema, BASE)
    assert compare_output(LTS_14, t, t.clone()) == (
        "No changes between working and active configurations.\n\n"
    )
    r = tree(rolling_schema, ["set system host-name 'vyos'"])
    assert compare_output(ROLLING_2021, r, r.clone()) == (
        "No changes between working and active configurations\n"
    )


def test_old_add_delete_change(rolling_schema: SchemaNode) -> None:
    base = [
        "set protocols bgp local-as '64501'",
        "set protocols bgp neighbor 192.168.30.50 remote-as '64500'",
        "set system host-name 'vyos'",
    ]
    active = tree(rolling_schema, base)
    working = tree(
        rolling_schema,
        [
            "set protocols bgp local-as '64502'",
            "set protocols bgp neighbor 192.168.30.60 remote-as '64500'",
            "set protocols bgp neighbor 192.168.30.60 update-source '192.168.30.254'",
            "set system host-name 'vyos-1'",
            "set system ip multipath layer4-hashing",
        ],
    )
    assert compare_old(active, working) == (
        "[edit protocols bgp]\n"
        ">local-as 64502\n"
        "-neighbor 192.168.30.50 {\n"
        "-    remote-as 64500\n"
        "-}\n"
        "+neighbor 192.168.30.60 {\n"
        "+    remote-as 64500\n"
        "+    update-source 192.168.30.254\n"
        "+}\n"
        "[edit system]\n"
        ">host-name vyos-1\n"
        "+ip {\n"
        "+    multipath {\n"
        "+        layer4-hashing\n"
        "+    }\n"
        "+}\n"
    )
    assert compare_output(ROLLING_2021, active, working) == compare_old(active, working)


def test_old_top_level_addition_has_edit_context(rolling_schema: SchemaNode) -> None:
    active = tree(rolling_schema, ["set system host-name 'vyos'"])
    working = tree(rolling_schema, ["set system host-name 'vyos'", "set service ssh"])
    assert compare_old(active, working) == "[edit]\n+service {\n+    ssh {\n+    }\n+}\n"
