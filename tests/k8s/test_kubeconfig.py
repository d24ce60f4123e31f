"""The admin kubeconfig's server override, with TLS still verified for the endpoint name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bgplb.errors import DeviceError
from bgplb.k8s.kubeconfig import (
    ServerOverride,
    apply_override,
    parse_kubeconfig,
    plan_override,
    render_kubeconfig,
    server_of,
)
from bgplb.model import Site, load_site

from .conftest import INVENTORY, Files, site_data

MakeSite = Callable[[Callable[[Files], None]], Site]
ADMIN_CONF = """\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EK
    server: https://k8s-cluster.example.com:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVAo=
    client-key-data: S0VZLXNlY3JldAo=
"""
SERVER = "https://k8s-cluster.example.com:6443"


def never(_: str) -> bool:
    return False


def always(_: str) -> bool:
    return True


def test_unresolvable_endpoint_points_at_the_control_plane_with_tls_server_name() -> None:
    site = load_site(INVENTORY)
    override = plan_override(site, SERVER, never)
    assert override == ServerOverride(
        "https://192.168.30.50:6443",
        "k8s-cluster.example.com",
        "k8s-cluster.example.com does not resolve; using master01",
    )
    config = apply_override(parse_kubeconfig(ADMIN_CONF), override)
    cluster = config["clusters"][0]["cluster"]
    assert cluster["server"] == "https://192.168.30.50:6443"
    assert cluster["tls-server-name"] == "k8s-cluster.example.com"
    assert cluster["certificate-authority-data"] == "Q0EK"  # still verified against the CA
    assert "insecure-skip-tls-verify" not in cluster


def test_resolvable_endpoint_or_address_needs_no_override() -> None:
    site = load_site(INVENTORY)
    assert plan_override(site, SERVER, always) is None
    assert plan_override(site, "https://192.168.30.50:6443", never) is None
    config = parse_kubeconfig(ADMIN_CONF)
    assert apply_override(config, None) == config


@pytest.mark.parametrize(
    ("value", "server"),
    [
        ("127.0.0.1", "https://127.0.0.1:6443"),
        ("127.0.0.1:16443", "https://127.0.0.1:16443"),
        ("https://127.0.0.1:7443", "https://127.0.0.1:7443"),
        ("::1", "https://[::1]:6443"),
    ],
)
def test_explicit_override_wins(value: str, server: str, make_site: MakeSite) -> None:
    def mutation(f: Files) -> None:
        site_data(f)["kubernetes"]["api_server_override"] = value

    override = plan_override(make_site(mutation), SERVER, always)
    assert override is not None
    assert (override.server, override.tls_server_name) == (server, "k8s-cluster.example.com")


def test_existing_tls_server_name_is_kept() -> None:
    config: dict[str, Any] = parse_kubeconfig(ADMIN_CONF)
    config["clusters"][0]["cluster"]["tls-server-name"] = "kubernetes"
    out = apply_override(config, ServerOverride("https://127.0.0.1:1", "k8s-cluster", "x"))
    assert out["clusters"][0]["cluster"]["tls-server-name"] == "kubernetes"
    assert config["clusters"][0]["cluster"]["server"] == SERVER  # input untouched


def test_roundtrip_and_errors_never_quote_the_key() -> None:
    config = parse_kubeconfig(ADMIN_CONF)
    assert parse_kubeconfig(render_kubeconfig(config)) == config
    assert server_of(config) == SERVER
    for bad in ("client-key-data: S0VZLXNlY3JldAo=\n", "{[", "kind: Config\nclusters: []\n"):
        with pytest.raises(DeviceError) as info:
            parse_kubeconfig(bad)
        assert "S0VZ" not in str(info.value)


def test_kubernetes_client_honours_tls_server_name(tmp_path: Path) -> None:
    """The official client (v37) reads tls-server-name into its Configuration."""
    from kubernetes import client, config

    override = plan_override(load_site(INVENTORY), SERVER, never)
    path = tmp_path / "admin.conf"
    path.write_text(render_kubeconfig(apply_override(parse_kubeconfig(ADMIN_CONF), override)))
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(path), client_configuration=cfg)  # type: ignore[no-untyped-call]
    assert cfg.host == "https://192.168.30.50:6443"
    assert cfg.tls_server_name == "k8s-cluster.example.com"
    assert cfg.verify_ssl is True
