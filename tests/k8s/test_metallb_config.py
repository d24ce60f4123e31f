"""MetalLB configuration from the site model: both dialects, golden files, announcers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from bgplb.errors import InputError
from bgplb.k8s.manifests import render_yaml
from bgplb.k8s.metallb_config import (
    EXCLUDE_LB_LABEL,
    HOSTNAME_LABEL,
    announcer_plan,
    label_patch_needed,
    node_label_patches,
    render_memberlist_secret,
    render_metallb_config,
)
from bgplb.model import Site, load_site
from tests.write_up import write_up_file

from .conftest import GOLDEN, INVENTORY, Files, metallb, site_data

MakeSite = Callable[[Callable[[Files], None]], Site]
ENV = {"TEST_METALLB_PASSWORD": "bgp-pw-from-env", "BGPLB_METALLB_MEMBERLIST_KEY": "ml-key"}


def test_reference_configmap_is_the_write_ups_metallb_cm_plus_the_drain_selector() -> None:
    """Semantically the write-up's metallb-cm.yaml: same object, same parsed `config`, but for
    the selector that lets a drain take one node out without changing the peer (a changed peer
    is a reset session on every node, speaker SetConfig)."""
    (rendered,) = render_metallb_config(load_site(INVENTORY), {})
    expected = write_up_file("metallb-cm.yaml")
    config = yaml.safe_load(rendered["data"]["config"])
    for peer in config["peers"]:
        assert peer.pop("node-selectors") == [
            {"match-expressions": [{"key": "bgplb.io/drained", "operator": "DoesNotExist"}]}
        ]
    assert config == yaml.safe_load(expected["data"]["config"])
    assert {k: v for k, v in rendered.items() if k != "data"} == {
        k: v for k, v in expected.items() if k != "data"
    }


def test_reference_configmap_golden() -> None:
    rendered = render_yaml(render_metallb_config(load_site(INVENTORY), {}))
    assert rendered == (GOLDEN / "metallb-0.9.6-configmap.yaml").read_text()


def _password(f: Files) -> None:
    metallb("0.14.9", control_plane_announces=True)(f)
    site_data(f)["metallb"]["password_env"] = "TEST_METALLB_PASSWORD"


def _hold_time(f: Files) -> None:
    site_data(f)["metallb"]["timers"] = {"hold_time": 9}


def _frr_bfd(f: Files) -> None:
    metallb("0.16.1", False)(f)
    m = site_data(f)["metallb"]
    m["manifests"] = [
        "https://raw.githubusercontent.com/metallb/metallb/v0.16.1/config/manifests/metallb-frr.yaml"
    ]
    m["implementation"] = "frr"
    m["timers"] = {"hold_time": 9, "keepalive_time": 3}
    m["bfd"] = {}  # MetalLB's defaults: 300 ms x 3


@pytest.mark.parametrize(
    ("golden", "mutation"),
    [
        ("metallb-0.14.9-crds.yaml", metallb("0.14.9", control_plane_announces=True)),
        ("metallb-0.14.9-crds-password.yaml", _password),
        ("metallb-0.13.12-crds-workers-only.yaml", metallb("0.13.12", False)),
        ("metallb-0.9.6-configmap-workers-only.yaml", metallb("0.9.6", False)),
        ("metallb-0.9.6-configmap-hold-time.yaml", _hold_time),
        ("metallb-0.16.1-crds-frr-timers-bfd.yaml", _frr_bfd),
    ],
)
def test_golden(golden: str, mutation: Callable[[Files], None], make_site: MakeSite) -> None:
    rendered = render_yaml(render_metallb_config(make_site(mutation), ENV))
    assert rendered == (GOLDEN / golden).read_text()


def test_crds_dialect_kinds_and_versions(make_site: MakeSite) -> None:
    docs = render_metallb_config(make_site(_password), ENV)
    kinds = [(d["apiVersion"], d["kind"]) for d in docs]
    assert kinds == [
        ("metallb.io/v1beta1", "IPAddressPool"),
        ("metallb.io/v1beta1", "BGPAdvertisement"),
        ("v1", "Secret"),
        ("metallb.io/v1beta2", "BGPPeer"),
    ]
    peer = docs[-1]["spec"]
    assert peer == {
        "myASN": 64500,
        "peerASN": 64501,
        "peerAddress": "192.168.30.254",
        "passwordSecret": {"name": "bgplb-bgp-password", "namespace": "metallb-system"},
    }
    assert docs[2]["type"] == "kubernetes.io/basic-auth"


def test_missing_password_env_is_input_error_and_not_echoed(make_site: MakeSite) -> None:
    with pytest.raises(InputError, match="TEST_METALLB_PASSWORD") as info:
        render_metallb_config(make_site(_password), {})
    assert "bgp-pw-from-env" not in str(info.value)


def test_memberlist_secret_only_before_0_10(make_site: MakeSite) -> None:
    (secret,) = render_memberlist_secret(load_site(INVENTORY), ENV)
    assert secret["metadata"] == {"name": "memberlist", "namespace": "metallb-system"}
    assert secret["stringData"] == {"secretkey": "ml-key"}
    with pytest.raises(InputError, match="BGPLB_METALLB_MEMBERLIST_KEY"):
        render_memberlist_secret(load_site(INVENTORY), {})
    assert render_memberlist_secret(make_site(metallb("0.14.9", True)), {}) == []


# -- who announces: the rendered configuration, run through MetalLB's rules, versus the model ----

KUBEADM_LABELS = {  # what kubeadm 1.21 puts on a control-plane node (workers: none of these)
    "node-role.kubernetes.io/master": "",
    "node-role.kubernetes.io/control-plane": "",
    EXCLUDE_LB_LABEL: "",
}


def _selected(selectors: list[dict[str, Any]], labels: dict[str, str]) -> bool:
    """A node matches a list of selectors when any selector matches (MetalLB semantics)."""
    if not selectors:
        return True
    for sel in selectors:
        exprs = sel.get("matchExpressions") or sel.get("match-expressions") or []
        plain = sel.get("matchLabels") or sel.get("match-labels") or {}
        ok = all(labels.get(k) == v for k, v in plain.items())
        for e in exprs:
            assert e["operator"] in ("In", "DoesNotExist")
            if e["operator"] == "DoesNotExist":
                ok = ok and e["key"] not in labels
            else:
                ok = ok and labels.get(e["key"]) in e["values"]
        if ok:
            return True
    return False


def announcing(site: Site, docs: list[dict[str, Any]]) -> set[str]:
    """Nodes whose speaker would announce, after the toolkit's label patches."""
    patches = node_label_patches(site)
    out = set()
    for node in site.nodes:
        labels = dict(KUBEADM_LABELS) if node.role == "control_plane" else {}
        labels[HOSTNAME_LABEL] = node.name
        for key, value in patches.get(node.name, {"metadata": {"labels": {}}})["metadata"][
            "labels"
        ].items():
            if value is None:
                labels.pop(key, None)
            else:
                labels[key] = value
        if site.metallb.honours_exclude_label and EXCLUDE_LB_LABEL in labels:
            continue
        if site.metallb.dialect == "configmap":
            config = yaml.safe_load(docs[0]["data"]["config"])
            peers = [p for p in config["peers"] if _selected(p.get("node-selectors", []), labels)]
            adverts_ok = True
        else:
            peers = [
                d
                for d in docs
                if d["kind"] == "BGPPeer" and _selected(d["spec"].get("nodeSelectors", []), labels)
            ]
            adverts_ok = any(
                _selected(d["spec"].get("nodeSelectors", []), labels)
                for d in docs
                if d["kind"] == "BGPAdvertisement"
            )
        if peers and adverts_ok:
            out.add(node.name)
    return out


@pytest.mark.parametrize("version", ["0.9.6", "0.13.12", "0.14.2", "0.14.9"])
@pytest.mark.parametrize("cp_announces", [True, False])
def test_announcers_follow_the_model(version: str, cp_announces: bool, make_site: MakeSite) -> None:
    site = make_site(metallb(version, cp_announces))
    docs = render_metallb_config(site, ENV)
    expected = {n.name for n in site.expected_announcers}
    assert announcing(site, docs) == expected
    assert set(announcer_plan(site).announcers) == expected
    assert ("master01" in expected) is cp_announces


def test_label_patches_only_when_the_label_is_honoured(make_site: MakeSite) -> None:
    assert node_label_patches(load_site(INVENTORY)) == {}
    patches = node_label_patches(make_site(metallb("0.14.9", True)))
    assert patches["master01"] == {"metadata": {"labels": {EXCLUDE_LB_LABEL: None}}}
    assert label_patch_needed(KUBEADM_LABELS, patches["master01"])
    assert not label_patch_needed({}, patches["master01"])
    keep = node_label_patches(make_site(metallb("0.14.9", False)))
    assert keep["master01"] == {"metadata": {"labels": {EXCLUDE_LB_LABEL: ""}}}
    assert not label_patch_needed(KUBEADM_LABELS, keep["master01"])
    assert label_patch_needed({}, keep["master01"])
    assert keep["worker01"]["metadata"]["labels"] == {EXCLUDE_LB_LABEL: None}


def _two_asns(f: Files) -> None:
    metallb("0.9.6", control_plane_announces=False)(f)
    f["hosts"]["worker02"]["data"]["bgp_asn"] = 64502
    f["hosts"]["vyos"]["data"]["bgp"]["neighbors"][2] = {
        "address": "192.168.30.61",
        "remote_as": 64502,
    }


def test_one_peer_per_node_asn(make_site: MakeSite) -> None:
    site = make_site(_two_asns)
    config = yaml.safe_load(render_metallb_config(site, {})[0]["data"]["config"])
    assert [
        (p["my-asn"], p["node-selectors"][0]["match-expressions"][0]["values"])
        for p in config["peers"]
    ] == [
        (64500, ["worker01"]),
        (64502, ["worker02"]),
    ]
    assert announcing(site, render_metallb_config(site, {})) == {"worker01", "worker02"}


def test_bfd_and_timers_in_the_crds(make_site: MakeSite) -> None:
    docs = render_metallb_config(make_site(_frr_bfd), ENV)
    (profile,) = [d for d in docs if d["kind"] == "BFDProfile"]
    assert profile["spec"] == {
        "receiveInterval": 300,
        "transmitInterval": 300,
        "detectMultiplier": 3,
    }
    (peer,) = [d for d in docs if d["kind"] == "BGPPeer"]
    assert peer["spec"]["holdTime"] == "9s" and peer["spec"]["keepaliveTime"] == "3s"
    assert peer["spec"]["bfdProfile"] == profile["metadata"]["name"]


def test_hold_time_in_the_configmap(make_site: MakeSite) -> None:
    (cm,) = render_metallb_config(make_site(_hold_time), ENV)
    peers = yaml.safe_load(cm["data"]["config"])["peers"]
    assert {p["hold-time"] for p in peers} == {"9s"}
