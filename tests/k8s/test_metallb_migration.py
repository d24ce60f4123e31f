"""MetalLB ConfigMap -> CRs (bgplb/k8s/metallb_migration.py), by the rules of MetalLB's
migration tool (metallb/metallb configmaptocrs/main.go); the full case is the tool's own test
input `configmap-yaml/config-yaml-full.yaml` with the output its golden file gives (less the
serializer's empty `creationTimestamp`, `status` and `passwordSecret`)."""

from __future__ import annotations

import pytest

from bgplb.errors import InputError
from bgplb.k8s.metallb_migration import configmap_to_crs, go_duration, parse_go_duration
from tests.write_up import write_up_file

FULL = """\
peers:
- peer-address: 10.0.0.1
  peer-asn: 64512
  my-asn: 64512
  peer-port: 179
  source-address: 10.0.0.2
  hold-time: 120s
  keepalive-time: 30s
  router-id: 1.2.3.4
  password: "yourPassword"
  bfd-profile: "bfdprofile1"
  ebgp-multihop: false
  node-selectors:
  - match-labels:
      kubernetes.io/hostname: prod-01
    match-expressions:
    - key: kubernetes.io/arch
      operator: In
      values: [amd64, arm]
address-pools:
- name: my-ip-space
  protocol: bgp
  addresses:
  - 192.168.10.0/24
  - 192.168.0.150-192.168.0.200
  avoid-buggy-ips: true
  auto-assign: true
  bgp-advertisements:
  - aggregation-length: 32
    aggregation-length-v6: 64
    localpref: 100
    communities:
    - 64512:1
    - no-export
- name: my-l2-space
  protocol: l2
  addresses:
  - 192.168.11.0/24
  - 192.168.1.150-192.168.1.200
  avoid-buggy-ips: true
bgp-communities:
  no-export: 65535:65281
bfd-profiles:
- name: bfdprofile1
  receive-interval: 280
  transmit-interval: 270
  echo-interval: 62
  echo-mode: false
  passive-mode: false
  minimum-ttl: 254
  detect-multiplier: 200
"""
NS = "metallb-system"


def test_the_tools_full_example() -> None:
    docs = configmap_to_crs(FULL)
    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == [
        ("BGPPeer", "peer1"),
        ("IPAddressPool", "my-ip-space"),
        ("IPAddressPool", "my-l2-space"),
        ("BGPAdvertisement", "bgpadvertisement1"),
        ("BFDProfile", "bfdprofile1"),
        ("Community", "communities"),
    ]
    assert all(d["metadata"]["namespace"] == NS for d in docs)
    assert docs[0]["apiVersion"] == "metallb.io/v1beta2"
    assert docs[0]["spec"] == {
        "bfdProfile": "bfdprofile1",
        "holdTime": "2m0s",
        "keepaliveTime": "30s",
        "myASN": 64512,
        "nodeSelectors": [
            {
                "matchExpressions": [
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm"]}
                ],
                "matchLabels": {"kubernetes.io/hostname": "prod-01"},
            }
        ],
        "password": "yourPassword",
        "peerASN": 64512,
        "peerAddress": "10.0.0.1",
        "peerPort": 179,
        "routerID": "1.2.3.4",
        "sourceAddress": "10.0.0.2",
    }
    assert docs[1]["spec"] == {
        "addresses": ["192.168.10.0/24", "192.168.0.150-192.168.0.200"],
        "autoAssign": True,
        "avoidBuggyIPs": True,
    }
    assert docs[2]["spec"] == {
        "addresses": ["192.168.11.0/24", "192.168.1.150-192.168.1.200"],
        "avoidBuggyIPs": True,
    }
    assert docs[3]["spec"] == {
        "aggregationLength": 32,
        "aggregationLengthV6": 64,
        "communities": ["64512:1", "no-export"],
        "ipAddressPools": ["my-ip-space"],
        "localPref": 100,
    }
    assert docs[4]["spec"] == {
        "detectMultiplier": 200,
        "echoInterval": 62,
        "echoMode": False,
        "minimumTtl": 254,
        "passiveMode": False,
        "receiveInterval": 280,
        "transmitInterval": 270,
    }
    assert docs[5]["spec"] == {"communities": [{"name": "no-export", "value": "65535:65281"}]}


def test_the_reference_labs_configmap() -> None:
    """The write-up's metallb-cm.yaml: one peer (hold 90s, keepalive 30s: the tool's
    defaults), the pool, and an empty BGPAdvertisement for it."""
    cm = write_up_file("metallb-cm.yaml")
    docs = configmap_to_crs(cm["data"]["config"], cm["metadata"]["namespace"])
    assert docs == [
        {
            "apiVersion": "metallb.io/v1beta2",
            "kind": "BGPPeer",
            "metadata": {"name": "peer1", "namespace": NS},
            "spec": {
                "myASN": 64500,
                "peerASN": 64501,
                "peerAddress": "192.168.30.254",
                "holdTime": "1m30s",
                "keepaliveTime": "30s",
            },
        },
        {
            "apiVersion": "metallb.io/v1beta1",
            "kind": "IPAddressPool",
            "metadata": {"name": "default", "namespace": NS},
            "spec": {"addresses": ["192.168.100.0/24"], "avoidBuggyIPs": True},
        },
        {
            "apiVersion": "metallb.io/v1beta1",
            "kind": "BGPAdvertisement",
            "metadata": {"name": "bgpadvertisement1", "namespace": NS},
            "spec": {"ipAddressPools": ["default"]},
        },
    ]


def test_layer2_pools_and_numbering_across_pools() -> None:
    text = (
        "address-pools:\n"
        "- {name: a, protocol: bgp, addresses: [10.0.0.0/24]}\n"
        "- {name: b, protocol: layer2, addresses: [10.0.1.0/24]}\n"
        "- {name: c, protocol: bgp, addresses: [10.0.2.0/24], "
        "bgp-advertisements: [{localpref: 50}, {aggregation-length: 24}]}\n"
    )
    docs = configmap_to_crs(text, "lb")
    advs = [(d["kind"], d["metadata"]["name"], d["spec"]) for d in docs if "Advert" in d["kind"]]
    assert advs == [
        ("BGPAdvertisement", "bgpadvertisement1", {"ipAddressPools": ["a"]}),
        ("BGPAdvertisement", "bgpadvertisement2", {"localPref": 50, "ipAddressPools": ["c"]}),
        (
            "BGPAdvertisement",
            "bgpadvertisement3",
            {"aggregationLength": 24, "ipAddressPools": ["c"]},
        ),
        ("L2Advertisement", "l2advertisement1", {"ipAddressPools": ["b"]}),
    ]
    assert {d["metadata"]["namespace"] for d in docs} == {"lb"}


@pytest.mark.parametrize(
    ("hold", "keepalive", "want"),
    [
        (None, None, ("1m30s", "30s")),
        ("9s", None, ("9s", "3s")),
        ("3.7s", None, ("3s", "1s")),
        ("0s", None, ("0s", "0s")),
        ("1h", "20m", ("1h0m0s", "20m0s")),
    ],
)
def test_timers(hold: str | None, keepalive: str | None, want: tuple[str, str]) -> None:
    peer = "peers:\n- {peer-address: 10.0.0.1, peer-asn: 1, my-asn: 2"
    peer += f", hold-time: '{hold}'" if hold else ""
    peer += f", keepalive-time: '{keepalive}'" if keepalive else ""
    (doc,) = configmap_to_crs(peer + "}\n")
    assert (doc["spec"]["holdTime"], doc["spec"]["keepaliveTime"]) == want


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("peers:\n- {peer-address: 10.0.0.1, hold-time: 2s}\n", "must be 0 or >=3s"),
        ("peers:\n- {peer-address: 10.0.0.1, hold-time: soon}\n", "invalid duration"),
        ("[a, b]\n", "not a mapping"),
        ("a: [\n", "not YAML"),
    ],
)
def test_bad_configmaps_are_input_errors(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        configmap_to_crs(text)


def test_go_durations() -> None:
    assert [go_duration(s) for s in (0, 3, 59, 60, 90, 3600, 3661)] == [
        "0s",
        "3s",
        "59s",
        "1m0s",
        "1m30s",
        "1h0m0s",
        "1h1m1s",
    ]
    assert parse_go_duration("1m30s") == 90
    assert parse_go_duration("1.5h") == 5400
    assert parse_go_duration("500ms") == 0.5
