from __future__ import annotations

from lab.vyos.config_tree import ConfigNode, load_commands
from lab.vyos.frr_translate import translate
from lab.vyos.schema import SchemaNode
from lab.vyos.verify import Verdict, commit_failure_text, verify_bgp, warnings_text

from .conftest import CURRENT_15, LTS_14, ROLLING_2021

REFERENCE_LAB_FRR = """\
router bgp 64501
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor group01 peer-group
 neighbor group01 remote-as 64500
 neighbor group01 update-source 192.168.30.254
 neighbor 192.168.30.50 peer-group group01
 neighbor 192.168.30.60 peer-group group01
 neighbor 192.168.30.61 peer-group group01
 !
 address-family ipv4 unicast
  maximum-paths 8
  maximum-paths ibgp 8
  network 192.168.100.0/24
  neighbor group01 soft-reconfiguration inbound
  neighbor group01 activate
 exit-address-family
exit
!
"""


def test_reference_lab_golden(seed_tree: ConfigNode) -> None:
    result = translate(seed_tree, ROLLING_2021)
    assert result.frr_config == REFERENCE_LAB_FRR
    assert result.sysctls["net.ipv4.fib_multipath_hash_policy"] == "0"
    assert verify_bgp(seed_tree, ROLLING_2021) == Verdict()


def test_options_static_and_layer4(lts_schema: SchemaNode) -> None:
    tree = load_commands(
        lts_schema,
        [
            "set protocols bgp system-as '64501'",
            "set protocols bgp parameters router-id '192.168.30.254'",
            "set protocols bgp parameters ebgp-requires-policy",
            "set protocols bgp neighbor 198.18.30.50 remote-as '64500'",
            "set protocols bgp neighbor 198.18.30.50 address-family ipv4-unicast",
            "set protocols bgp neighbor 198.18.30.50 password 'secret'",
            "set protocols bgp neighbor 198.18.30.50 description 'node one'",
            "set protocols bgp neighbor 198.18.30.50 timers keepalive '3'",
            "set protocols bgp neighbor 198.18.30.50 timers holdtime '9'",
            "set protocols bgp neighbor 198.18.30.50 shutdown",
            "set protocols static route 0.0.0.0/0 next-hop 192.168.123.1",
            "set system ip multipath layer4-hashing",
        ],
    )
    result = translate(tree, LTS_14)
    assert result.sysctls["net.ipv4.fib_multipath_hash_policy"] == "1"
    assert result.frr_config == (
        "ip route 0.0.0.0/0 192.168.123.1\n"
        "!\n"
        "router bgp 64501\n"
        " bgp ebgp-requires-policy\n"
        " no bgp default ipv4-unicast\n"
        " no bgp network import-check\n"
        " neighbor 198.18.30.50 remote-as 64500\n"
        " neighbor 198.18.30.50 description node one\n"
        " neighbor 198.18.30.50 password secret\n"
        " neighbor 198.18.30.50 shutdown\n"
        " neighbor 198.18.30.50 timers 3 9\n"
        " !\n"
        " address-family ipv4 unicast\n"
        "  neighbor 198.18.30.50 activate\n"
        " exit-address-family\n"
        " bgp router-id 192.168.30.254\n"
        "exit\n"
        "!\n"
    )


def test_verify_messages(lts_schema: SchemaNode, rolling_schema: SchemaNode) -> None:
    no_asn = load_commands(lts_schema, ["set protocols bgp neighbor 192.0.2.2 remote-as '1'"])
    assert verify_bgp(no_asn, LTS_14).error == "BGP system-as number must be defined!"
    no_asn_old = load_commands(rolling_schema, ["set protocols bgp parameters router-id 1.1.1.1"])
    assert verify_bgp(no_asn_old, ROLLING_2021).error == "BGP local-as number must be defined!"
    no_remote = load_commands(
        lts_schema,
        [
            "set protocols bgp system-as '65001'",
            "set protocols bgp neighbor 192.0.2.2 address-family ipv4-unicast",
        ],
    )
    assert verify_bgp(no_remote, LTS_14).error == 'Neighbor "192.0.2.2" remote-as must be set!'
    no_af = load_commands(
        lts_schema,
        ["set protocols bgp system-as '65001'", "set protocols bgp neighbor 192.0.2.2 remote-as 1"],
    )
    assert verify_bgp(no_af, LTS_14) == Verdict(
        warnings=['BGP neighbor "192.0.2.2" requires address-family!']
    )


def test_commit_failure_layouts() -> None:
    msg = 'Neighbor "192.0.2.2" remote-as must be set!'
    assert commit_failure_text(LTS_14, "protocols bgp", msg) == (
        '\nNeighbor "192.0.2.2" remote-as must be set!\n\n[[protocols bgp]] failed\nCommit failed\n'
    )
    assert commit_failure_text(ROLLING_2021, "protocols bgp", msg) == (
        'Neighbor "192.0.2.2" remote-as must be set!\n\n[[protocols bgp]] failed\nCommit failed\n'
    )
    assert commit_failure_text(CURRENT_15, "protocols bgp", msg).startswith(
        '[ protocols bgp ]\nNeighbor "192.0.2.2"'
    )
    assert warnings_text(
        LTS_14, "protocols bgp", ['BGP neighbor "eth0" requires address-family!']
    ) == ('\nWARNING: BGP neighbor "eth0" requires address-family!\n\n')
