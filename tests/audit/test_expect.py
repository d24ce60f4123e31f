"""Expected announcers: MetalLB's rules by version, selectors and traffic policy."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from bgplb.audit.expect import expectations
from bgplb.audit.observations import LabelSelector, SelectorRequirement
from bgplb.audit.parse_cluster import cluster_observation
from bgplb.audit.selectors import selector_matches
from bgplb.model import Site

from . import replay


def site_at(version: str) -> Site:
    site = replay.site_for("healthy")
    return dataclasses.replace(site, metallb=site.metallb.model_copy(update={"version": version}))


def crd_cluster(version: str, speaker_args: list[str] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(replay.read("master_excluded_0_14", "cluster.json"))
    for pod in doc["pods"]["items"]:
        c = pod["spec"]["containers"][0]
        c["image"] = c["image"].rsplit(":", 1)[0] + f":v{version}"
        if speaker_args and pod["metadata"]["labels"]["component"] == "speaker":
            c["args"] += speaker_args
    return doc


def announcers(site: Site, doc: dict[str, Any]) -> list[str]:
    (e,) = expectations(site, cluster_observation(doc))
    return [a.node for a in e.announcers]


@pytest.mark.parametrize(
    ("version", "args", "expected"),
    [
        ("0.14.1", [], ["master01", "worker01", "worker02"]),  # label not honoured yet
        ("0.14.2", [], ["worker01", "worker02"]),
        ("0.14.3", ["--ignore-exclude-lb"], ["worker01", "worker02"]),  # flag unknown before 0.14.4
        ("0.14.4", ["--ignore-exclude-lb"], ["master01", "worker01", "worker02"]),
    ],
)
def test_exclude_label_by_version(version: str, args: list[str], expected: list[str]) -> None:
    assert announcers(site_at(version), crd_cluster(version, args)) == expected


def test_0_9_ignores_the_label() -> None:
    doc = copy.deepcopy(replay.read("healthy", "cluster.json"))
    assert announcers(site_at("0.9.6"), doc) == ["master01", "worker01", "worker02"]


def test_speaker_version_wins_over_the_inventory() -> None:
    assert announcers(site_at("0.9.6"), crd_cluster("0.14.9")) == ["worker01", "worker02"]


def test_peer_node_selector() -> None:
    doc = copy.deepcopy(replay.read("healthy", "cluster.json"))
    doc["configmap"]["data"]["config"] = doc["configmap"]["data"]["config"].replace(
        "  my-asn: 64500\n",
        "  my-asn: 64500\n  node-selectors:\n  - match-expressions:\n"
        "    - {key: node-role.kubernetes.io/master, operator: DoesNotExist}\n",
    )
    assert announcers(site_at("0.9.6"), doc) == ["worker01", "worker02"]


def test_advertisement_node_selector_and_peer() -> None:
    doc = crd_cluster("0.14.9")
    doc["bgpadvertisements"]["items"][0]["spec"]["nodeSelectors"] = [
        {"matchLabels": {"kubernetes.io/hostname": "worker02"}}
    ]
    assert announcers(site_at("0.14.9"), doc) == ["worker02"]
    doc["bgpadvertisements"]["items"][0]["spec"]["peers"] = ["some-other-router"]
    assert announcers(site_at("0.14.9"), doc) == []


def test_pool_without_advertisement_is_announced_by_nobody() -> None:
    doc = crd_cluster("0.14.9")
    doc["bgpadvertisements"]["items"][0]["spec"]["ipAddressPools"] = ["other"]
    site = site_at("0.14.9")
    (e,) = expectations(site, cluster_observation(doc))
    assert e.announcers == ()
    assert {x.reason for x in e.left_out} >= {
        "no BGP advertisement of pool default selects the node"
    }


def test_local_policy_keeps_nodes_with_ready_endpoints() -> None:
    doc = copy.deepcopy(replay.read("local_policy", "cluster.json"))
    assert announcers(site_at("0.9.6"), doc) == ["worker01"]


def test_selector_operators() -> None:
    labels = {"a": "1"}
    req = SelectorRequirement
    assert selector_matches(LabelSelector({}, (req("b", "NotIn", ("x",)),)), labels)
    assert selector_matches(LabelSelector({}, (req("a", "Exists"),)), labels)
    assert not selector_matches(LabelSelector({}, (req("a", "DoesNotExist"),)), labels)
    assert selector_matches(LabelSelector({}, (req("a", "In", ("1", "2")),)), labels)
    assert not selector_matches(LabelSelector({"a": "2"}), labels)
