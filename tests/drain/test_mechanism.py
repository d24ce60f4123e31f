"""The selector edits the drain makes in MetalLB's config (both dialects), and their undo."""

from __future__ import annotations

import yaml

from bgplb.audit.parse_cluster import parse_configmap_config
from bgplb.audit.selectors import any_selector_matches
from bgplb.drain.mechanism import (
    configmap_config,
    exclude_drained,
    include_drained,
)

OURS = {"key": "bgplb.io/drained", "operator": "DoesNotExist"}
WRITE_UP = (
    "peers:\n- peer-address: 198.18.30.254\n  peer-asn: 64501\n  my-asn: 64500\n"
    "address-pools:\n- name: default\n  protocol: bgp\n  avoid-buggy-ips: true\n"
    "  addresses:\n  - 198.18.100.0/24\n"
)


def test_no_selector_becomes_one_that_leaves_out_drained_nodes() -> None:
    assert exclude_drained(None, camel=True) == [{"matchExpressions": [OURS]}]
    assert exclude_drained([], camel=False) == [{"match-expressions": [OURS]}]


def test_every_ored_selector_gets_the_requirement_once() -> None:
    sels = [
        {"matchLabels": {"rack": "a"}},
        {"matchExpressions": [{"key": "rack", "operator": "In", "values": ["b"]}]},
    ]
    once = exclude_drained(sels, camel=True)
    assert once == [
        {"matchLabels": {"rack": "a"}, "matchExpressions": [OURS]},
        {"matchExpressions": [{"key": "rack", "operator": "In", "values": ["b"]}, OURS]},
    ]
    assert exclude_drained(once, camel=True) == once  # idempotent
    assert include_drained(once, camel=True) == sels
    assert include_drained(exclude_drained(None, camel=True), camel=True) == []


def test_configmap_round_trip_and_meaning() -> None:
    drained = configmap_config(WRITE_UP, exclude=True)
    doc = yaml.safe_load(drained)
    assert doc["peers"][0]["node-selectors"] == [{"match-expressions": [OURS]}]
    assert doc["address-pools"] == yaml.safe_load(WRITE_UP)["address-pools"]
    # read back the way the audit reads it: a labelled node is no longer selected
    config = parse_configmap_config({"data": {"config": drained}})
    (peer,) = config.peers
    assert any_selector_matches(peer.node_selectors, {"kubernetes.io/hostname": "worker01"})
    assert not any_selector_matches(peer.node_selectors, {"bgplb.io/drained": "true"})
    assert yaml.safe_load(configmap_config(drained, exclude=False)) == yaml.safe_load(WRITE_UP)
