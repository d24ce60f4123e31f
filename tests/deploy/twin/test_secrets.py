"""A deploy with known secret values (the router's login password, MetalLB's memberlist key,
a BGP password on the router's peer group and in MetalLB's peers) finds none of them in its
stdout, its report, its JSON or nornir.log, in a dry run and in a real one; the values did
reach the router and the cluster. On a fresh twin built from a copy of inventory/lab, under
the twin lock."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config

from bgplb.model import Site, load_site

from .conftest import Run, copy_inventory, deploy, fresh_twin, router_exec

pytestmark = pytest.mark.twin

SECRETS = {
    "BGPLB_LAB_PASSWORD": "Lab-Pw-7c1f0e2a9b",
    "BGPLB_METALLB_MEMBERLIST_KEY": "Memberlist-Key-4d8e2b61aa0c",
    "BGPLB_BGP_PASSWORD": "Bgp-Md5-93ab17f0",
}


def with_bgp_password(hosts: dict[str, Any], site: dict[str, Any]) -> None:
    for group in hosts["vyos"]["data"]["bgp"]["peer_groups"]:
        group["password_env"] = "BGPLB_BGP_PASSWORD"
    site["metallb"]["password_env"] = "BGPLB_BGP_PASSWORD"


@pytest.fixture(scope="module")
def twin(twin_session: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    inventory = copy_inventory(tmp_path_factory.mktemp("inventory"), with_bgp_password)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in SECRETS.items():
            mp.setenv(name, value)  # the router's SSH server reads its password at `up`
        with fresh_twin(load_site(inventory)) as site:
            yield site


def assert_no_secret(run: Run, workdir: Path) -> None:
    log = (workdir / "nornir.log").read_text()
    assert log.strip(), "nornir.log was written"
    for name, value in SECRETS.items():
        for where, text in (("stdout", run.stdout), ("stderr", run.stderr), ("nornir.log", log)):
            assert value not in text, f"{name}'s value in {where}"


def test_a_dry_run_prints_no_secret(twin: Site, tmp_path: Path) -> None:
    run = deploy(twin.inventory_dir, "--dry-run", cwd=tmp_path)
    assert run.code == 0, run.describe()
    assert "vyos: router would change" in run.stdout
    assert "password ********" in run.stdout, "the router's diff masks the BGP password"
    assert_no_secret(run, tmp_path)


def test_a_deploy_leaks_no_secret(twin: Site, tmp_path: Path) -> None:
    run = deploy(twin.inventory_dir, "--json", cwd=tmp_path)
    assert_no_secret(run, tmp_path)
    outcomes = run.outcomes()
    # The audit fails here (sessions stay in Connect): the twin's emulated MetalLB speakers
    # do not configure the BGP password (TCP MD5) they are given, the router does. Its
    # failure report is checked for secrets like the rest.
    for phase, host in [("router", "vyos"), ("metallb", "master01"), ("app", "master01")]:
        assert outcomes[(phase, host)] == "changed", run.describe()
    # the values were used: the router (logged in with the lab password) holds the BGP
    # password; MetalLB's peers carry it; the memberlist Secret holds the key
    assert SECRETS["BGPLB_BGP_PASSWORD"] in router_exec(twin, "show configuration commands")
    api = client.CoreV1Api(
        config.new_client_from_config(str(twin.kubernetes.kubeconfig))  # type: ignore[no-untyped-call]
    )
    cm = api.read_namespaced_config_map("config", "metallb-system")
    assert f"password: {SECRETS['BGPLB_BGP_PASSWORD']}" in (cm.data or {})["config"]
    secret = api.read_namespaced_secret("memberlist", "metallb-system")
    key = base64.b64decode((secret.data or {})["secretkey"]).decode()
    assert key == SECRETS["BGPLB_METALLB_MEMBERLIST_KEY"]
