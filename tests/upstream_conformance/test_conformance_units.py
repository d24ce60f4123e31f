"""The conformance runner's parts on small inline grammars (no ../shared needed): XML with
includes, 1.3 node.def dirs, the smoketest shim's verdicts, and the reach-FRR check."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from conformance.grammar import Verdict, check_path, load_nodedef_grammar, load_xml_grammar
from conformance.reach_frr import check_reach
from conformance.references import Reference
from conformance.smoketests import (
    IN_SCOPE_FAILURE,
    OUT_OF_SCOPE,
    PASS,
    WRONG_TRANSLATION,
    run_smoketest,
    sed_range,
)
from lab.vyos import frr_translate
from lab.vyos.bgp_view import BgpView
from lab.vyos.versions import FrrTemplate, router_version

XML = """<?xml version="1.0"?>
<interfaceDefinition>
  <node name="protocols"><children>
    <node name="bgp"><children>
      <leafNode name="system-as"><properties>
        <constraint><validator name="numeric" argument="--range 1-4294967294"/></constraint>
      </properties></leafNode>
      <tagNode name="peer-group"><properties>
        <constraint>#include <include/constraint/pg.xml.i></constraint>
      </properties><children>
        <leafNode name="remote-as"><properties>
          <constraint><validator name="numeric" argument="--range 1-4294967294"/>
          <regex>(external|internal)</regex></constraint>
        </properties></leafNode>
        <leafNode name="passive"><properties><valueless/></properties></leafNode>
        <leafNode name="enforce-first-as"><properties><valueless/></properties></leafNode>
      </children></tagNode>
      <node name="parameters"><children>
        #include <include/router-id.xml.i>
      </children></node>
    </children></node>
  </children></node>
</interfaceDefinition>
"""


def words(line: str) -> list[str]:
    return line.split(" ")


def xml_dir(tmp_path: Path) -> Path:
    base = tmp_path / "vyos-1x-test" / "interface-definitions"
    (base / "include" / "constraint").mkdir(parents=True)
    (base / "protocols_bgp.xml.in").write_text(XML)
    (base / "include" / "constraint" / "pg.xml.i").write_text("<regex>[-_a-zA-Z0-9]+</regex>")
    return tmp_path / "vyos-1x-test"


def test_xml_grammar_with_includes(tmp_path: Path) -> None:
    root, missing = load_xml_grammar(xml_dir(tmp_path))
    assert missing == {"include/router-id.xml.i"}
    ok = check_path(root, words("protocols bgp peer-group a-b remote-as external"))
    assert ok.verdict is Verdict.OK
    assert check_path(root, words("protocols bgp system-as 4294967295")).verdict is Verdict.BAD
    assert check_path(root, words("protocols bgp peer-group a.b")).verdict is Verdict.BAD
    assert check_path(root, words("protocols bgp peer-group x passive y")).verdict is Verdict.BAD
    assert check_path(root, words("protocols bgp peer-group x port 1")).verdict is Verdict.BAD
    unknown = check_path(root, words("protocols bgp parameters router-id 1.1.1.1"))
    assert unknown.verdict is Verdict.UNKNOWN
    assert "router-id.xml.i" in unknown.reason


def test_nodedef_grammar(tmp_path: Path) -> None:
    bgp = tmp_path / "templates" / "protocols" / "bgp"
    (bgp / "node.tag" / "timers" / "holdtime").mkdir(parents=True)
    (bgp / "node.tag" / "peer-group" / "node.tag").mkdir(parents=True)
    (bgp / "node.def").write_text(
        "tag:1\ntype: u32\nsyntax:expression: $VAR(@) >= 1 && $VAR(@) <= 4294967294 ; \\\n"
        '\t\t   "AS number must be between 1 and 4294967294"\n'
    )
    (bgp / "node.tag" / "timers" / "node.def").write_text("help: timers\n")
    (bgp / "node.tag" / "timers" / "holdtime" / "node.def").write_text(
        textwrap.dedent("""\
        type: u32
        syntax:expression: $VAR(@) == 0 || ($VAR(@) >= 4 && $VAR(@) <= 65535); "x"
        """)
    )
    (bgp / "node.tag" / "peer-group" / "node.def").write_text(
        'tag:\ntype: txt\nsyntax:expression: exec "/opt/vyatta/sbin/vyatta-bgp.pl \\\n'
        '  --check-peergroup-name $VAR(@)"\n'
    )
    root = load_nodedef_grammar(tmp_path / "templates")

    def verdict(line: str) -> Verdict:
        return check_path(root, words(line)).verdict

    assert verdict("protocols bgp 64501 timers holdtime 0") is Verdict.OK
    assert verdict("protocols bgp 64501 timers holdtime 3") is Verdict.BAD
    assert verdict("protocols bgp 4294967295") is Verdict.BAD
    assert verdict("protocols bgp 64501 peer-group group_01") is Verdict.OK
    assert verdict("protocols bgp 64501 peer-group group-01") is Verdict.BAD  # \W in perl
    assert verdict("protocols bgp 64501 peer-group ABC") is Verdict.BAD  # hex, IPv6-like


def test_sed_range_is_seds() -> None:
    text = "a\nrouter bgp 1\n x\n!\nb\nrouter bgp 1\n y\n!\n"
    assert sed_range(text, "^router bgp 1$", "^!") == ("router bgp 1\n x\n!\nrouter bgp 1\n y\n!\n")
    assert sed_range(text, "^nothing$", "^!") == ""


SMOKETEST = """
import unittest
from base_vyostest_shim import VyOSUnitTestSHIM
from vyos.configsession import ConfigSessionError

base = ['protocols', 'bgp']

class TestBGP(VyOSUnitTestSHIM.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cli_set(cls, ['policy', 'route-map', 'RM', 'rule', '10', 'action', 'permit'])

    def setUp(self):
        self.cli_set(base + ['system-as', '64512'])

    def tearDown(self):
        self.cli_delete(base)
        self.cli_commit()

    def test_in_scope(self):
        self.cli_set(base + ['peer-group', 'PG', 'remote-as', '65000'])
        self.cli_set(base + ['peer-group', 'PG', 'passive'])
        self.cli_commit()
        self.assertIn(' neighbor PG passive', self.getFRRconfig('router bgp 64512'))
        self.assertIn(' neighbor PG remote-as 65000', self.getFRRconfig('router bgp 64512'))

    def test_upstream_refuses_too(self):
        with self.assertRaises(ConfigSessionError):
            self.cli_set(base + ['system-as', '4294967295'])

    def test_out_of_scope(self):
        # upstream has peer-group enforce-first-as; the twin does not translate it
        self.cli_set(base + ['peer-group', 'PG', 'enforce-first-as'])

    def test_wrong(self):
        self.cli_set(base + ['peer-group', 'PG', 'remote-as', '65000'])
        self.cli_commit()
        self.assertIn(' neighbor PG remote-as 65001', self.getFRRconfig('router bgp 64512'))

    def test_missing_commit_check(self):
        self.cli_set(base + ['peer-group', 'PG', 'remote-as', '65000'])
        with self.assertRaises(ConfigSessionError):
            self.cli_commit()
"""


def test_shim_verdicts(tmp_path: Path) -> None:
    root, missing = load_xml_grammar(xml_dir(tmp_path))
    ref = Reference("test", root, frozenset(missing))
    test_file = tmp_path / "test_protocols_bgp.py"
    test_file.write_text(SMOKETEST)
    report = run_smoketest(test_file, router_version("1.4.0"), ref)
    verdicts = {v.test: v.verdict for v in report.verdicts}
    assert verdicts == {
        "test_in_scope": PASS,
        "test_upstream_refuses_too": PASS,
        "test_out_of_scope": OUT_OF_SCOPE,
        "test_wrong": WRONG_TRANSLATION,
        "test_missing_commit_check": IN_SCOPE_FAILURE,
    }
    assert report.setup_refused == ["set policy route-map RM rule 10 action permit"]


def test_every_accepted_leaf_reaches_frr() -> None:
    found = check_reach(("1.3.8", "1.4-rolling-202105210417", "1.4.0"))
    assert found.checked > 50
    assert found.dropped == []


def test_reach_check_catches_a_dropped_leaf(monkeypatch: pytest.MonkeyPatch) -> None:
    real = frr_translate.bgpd_config

    def drops_passive(bgp: BgpView, template: FrrTemplate, *, bfd_full: bool = True) -> str:
        quiet = [dataclasses.replace(n, passive=False) for n in bgp.neighbors]
        return real(dataclasses.replace(bgp, neighbors=quiet), template, bfd_full=bfd_full)

    monkeypatch.setattr(frr_translate, "bgpd_config", drops_passive)
    found = check_reach(("1.4.0",))
    assert found.dropped == [
        "1.4.0: `set protocols bgp neighbor 198.18.7.2 passive` never reaches FRR"
    ]
