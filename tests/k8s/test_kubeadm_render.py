"""kubeadm command lines from the model and parsers of kubeadm's answers."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bgplb.errors import ParseError
from bgplb.k8s.kubeadm import (
    file_probe,
    init_argv,
    join_argv,
    parse_join_command,
    parse_probe,
    split_status,
    sudo,
    with_status,
)
from bgplb.model import load_site

from .conftest import INVENTORY, LAB_INVENTORY, write_up

TOKEN = "abcdef.0123456789abcdef"
HASH = "sha256:" + "0f" * 32
JOIN_OUTPUT = (
    f"kubeadm join k8s-cluster.example.com:6443 --token {TOKEN} "
    f"--discovery-token-ca-cert-hash {HASH} \n"
)


def test_init_has_exactly_the_write_ups_flags_plus_the_version(shared: Path) -> None:
    line = re.search(r"\$ (sudo kubeadm init .*)", write_up(shared))
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


def test_join_command_parsed_and_rendered_with_cri_socket() -> None:
    join = parse_join_command("W0101 warning line\n" + JOIN_OUTPUT)
    assert join.endpoint == "k8s-cluster.example.com:6443"
    assert TOKEN not in repr(join)
    assert join_argv(join, load_site(INVENTORY).kubernetes) == [
        "kubeadm",
        "join",
        "k8s-cluster.example.com:6443",
        "--token",
        TOKEN,
        "--discovery-token-ca-cert-hash",
        HASH,
        "--cri-socket=/var/run/crio/crio.sock",
    ]


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
