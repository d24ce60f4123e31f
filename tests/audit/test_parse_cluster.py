"""Kubernetes API JSON -> ClusterObservation, both MetalLB dialects."""

from __future__ import annotations

import copy
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from bgplb.audit.observations import MetallbPod, SelectorRequirement
from bgplb.audit.parse_cluster import cluster_observation, parse_configmap_config

from . import replay


def raw(name: str = "healthy") -> dict[str, Any]:
    return copy.deepcopy(replay.read(name, "cluster.json"))


def test_write_up_cluster() -> None:
    obs = cluster_observation(raw())
    assert [n.name for n in obs.nodes] == ["master01", "worker01", "worker02"]
    assert obs.metallb_version == (0, 9, 6)
    assert [p.node for p in obs.speakers] == ["master01", "worker01", "worker02"]
    assert obs.config is not None and obs.config.dialect == "configmap"
    (peer,) = obs.config.peers
    assert (peer.peer_address, peer.peer_asn, peer.my_asn) == (
        IPv4Address("198.18.30.254"),
        64501,
        64500,
    )
    (svc,) = obs.services  # the ClusterIP `kubernetes` service is not a LoadBalancer
    assert svc.ingress_ips == (IPv4Address("198.18.100.10"),)
    assert svc.ready_endpoint_nodes == frozenset({"worker01"})


def test_configmap_node_selectors_and_ranges() -> None:
    cm = {
        "data": {
            "config": (
                "peers:\n- peer-address: 198.18.30.254\n  peer-asn: 64501\n  my-asn: 64500\n"
                "  node-selectors:\n  - match-labels: {rack: a}\n"
                "    match-expressions:\n    - {key: role, operator: NotIn, values: [master]}\n"
                "address-pools:\n- name: r\n  protocol: bgp\n"
                "  addresses: [198.18.100.8-198.18.100.15]\n"
            )
        }
    }
    cfg = parse_configmap_config(cm)
    (sel,) = cfg.peers[0].node_selectors
    assert dict(sel.match_labels) == {"rack": "a"}
    assert sel.match_expressions == (SelectorRequirement("role", "NotIn", ("master",)),)
    assert cfg.pools[0].addresses == (IPv4Network("198.18.100.8/29"),)


def test_crds_of_0_14() -> None:
    obs = cluster_observation(raw("master_excluded_0_14"))
    assert obs.config is not None and obs.config.dialect == "crds"
    assert obs.metallb_version == (0, 14, 9)
    assert obs.config.advertisements[0].pools == ("default",)


def test_missing_configmap_is_a_config_error_not_a_crash() -> None:
    doc = raw()
    doc["configmap"] = None
    obs = cluster_observation(doc)
    assert obs.config is None and obs.config_error


def test_service_annotation_ipv6_and_nil_readiness() -> None:
    doc = raw()
    svc = doc["services"]["items"][1]
    svc["spec"].pop("loadBalancerIP")
    svc["metadata"]["annotations"] = {"metallb.universe.tf/loadBalancerIPs": "198.18.100.11"}
    svc["status"]["loadBalancer"]["ingress"].append({"ip": "2001:db8::1"})
    doc["endpointslices"]["items"][0]["endpoints"][0]["conditions"] = {}
    doc["endpointslices"]["items"][0]["endpoints"][0]["nodeName"] = "worker02"
    (s,) = cluster_observation(doc).services
    assert s.requested_ips == (IPv4Address("198.18.100.11"),)
    assert s.ingress_ips == (IPv4Address("198.18.100.10"),)
    assert s.ready_endpoint_nodes == frozenset({"worker01", "worker02"})


def test_speaker_flags_and_image_digest() -> None:
    pod = MetallbPod(
        "s",
        "speaker",
        "n",
        True,
        "quay.io/metallb/speaker:v0.14.9@sha256:ab",
        ("--ignore-exclude-lb",),
    )
    assert pod.version == (0, 14, 9) and pod.ignores_exclude_label
    assert not MetallbPod("s", "speaker", "n", True, "x:latest").ignores_exclude_label
