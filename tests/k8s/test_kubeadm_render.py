"""kubeadm command lines from the model and parsers of kubeadm's answers."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from bgplb.errors import ParseError
from bgplb.k8s.kubeadm import (
    file_probe,
    init_argv,
    join_argv,
    join_config_api_version,
    mask_output,
    parse_join_command,
    parse_probe,
    render_join_configuration,
    split_status,
    sudo,
    with_status,
)
from bgplb.model import load_site
from tests.write_up import write_up

from .conftest import INVENTORY, LAB_INVENTORY

TOKEN = "abcdef.0123456789abcdef"
HASH = "sha256:" + "0f" * 32
JOIN_OUTPUT = (
    f"kubeadm join k8s-cluster.example.com:6443 --token {TOKEN} "
    f"--discovery-token-ca-cert-hash {HASH} \n"
)


def test_init_has_exactly_the_write_ups_flags_plus_the_version() -> None:
    line = re.search(r"\$ (sudo kubeadm init .*)", write_up())
    assert line
    seed = shlex.split(line.group(1))
    argv = init_argv(load_site(INVENTORY).kubernetes)
    assert argv[:2] == seed[1:3] == ["kubeadm", "init"]
    assert argv[2:] == [*seed[3:], "--kubernetes-version=1.21.1"]
    assert sudo(argv) == "sudo -n " + " ".join(argv)


def test_lab_inventory_init_uses_the_twins_cidrs() -> None:
    argv = init_argv(load_site(LAB_INVENTORY).kubernetes)
    assert "--pod-network-cidr=198.18.50.0/24" in argv
    assert "--service-cidr=198.18.60.0/24" in argv


def test_join_command_parsed_and_rendered_as_a_join_configuration() -> None:
    join = parse_join_command("W0101 warning line\n" + JOIN_OUTPUT)
    assert join.endpoint == "k8s-cluster.example.com:6443"
    assert TOKEN not in repr(join)
    k8s = load_site(INVENTORY).kubernetes
    assert yaml.safe_load(render_join_configuration(join, k8s)) == {
        "apiVersion": "kubeadm.k8s.io/v1beta2",  # Kubernetes 1.21
        "kind": "JoinConfiguration",
        "discovery": {
            "bootstrapToken": {
                "apiServerEndpoint": "k8s-cluster.example.com:6443",
                "token": TOKEN,
                "caCertHashes": [HASH],
            }
        },
        "nodeRegistration": {"criSocket": "/var/run/crio/crio.sock"},
    }
    assert join_argv("/home/ubuntu/j.yaml") == [
        "kubeadm",
        "join",
        "--config",
        "/home/ubuntu/j.yaml",
    ]


@pytest.mark.parametrize(
    ("version", "api"),
    [
        ("1.21.1", "kubeadm.k8s.io/v1beta2"),
        ("1.22.0", "kubeadm.k8s.io/v1beta3"),
        ("1.30.9", "kubeadm.k8s.io/v1beta3"),
        ("1.31.0", "kubeadm.k8s.io/v1beta4"),
        ("2.0.0", "kubeadm.k8s.io/v1beta4"),
    ],
)
def test_join_configuration_api_follows_the_kubernetes_version(version: str, api: str) -> None:
    assert join_config_api_version(version) == api


def test_failure_output_masks_tokens_in_flags_and_in_init_lines() -> None:
    text = f"[bootstrap-token] Using token: {TOKEN}\nkubeadm join x --token {TOKEN}\n"
    masked = mask_output(text)
    assert TOKEN not in masked
    assert "Using token: ********" in masked and "--token ********" in masked


@pytest.mark.parametrize(
    "text",
    [
        "",
        "error: something\n",
        JOIN_OUTPUT + JOIN_OUTPUT,
        "kubeadm join k8s:6443 --token short --discovery-token-ca-cert-hash sha256:00\n",
    ],
)
def test_join_command_garbage_is_parse_error_without_the_token(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_join_command(text)
    assert TOKEN not in str(info.value)


def test_probe_and_status_markers() -> None:
    assert "test -f /etc/kubernetes/admin.conf" in file_probe("/etc/kubernetes/admin.conf")
    assert parse_probe("BGPLB_PRESENT\n", "x") is True
    assert parse_probe("BGPLB_ABSENT", "x") is False
    with pytest.raises(ParseError):
        parse_probe("sudo: a password is required", "x")
    assert with_status("true") == "true; echo BGPLB_EXIT_STATUS=$?"
    assert split_status("a\nb\nBGPLB_EXIT_STATUS=3\n", "x") == ("a\nb", 3)
    with pytest.raises(ParseError) as info:
        split_status("secret-stuff", "x")
    assert "secret-stuff" not in str(info.value)


def test_join_command_with_continuation_lines_as_kubeadm_init_prints_it() -> None:
    text = (
        f"kubeadm join k8s-cluster.example.com:6443 --token {TOKEN} \\\n"
        f"\t--discovery-token-ca-cert-hash {HASH} \n"
    )
    assert parse_join_command(text).ca_cert_hashes == (HASH,)
