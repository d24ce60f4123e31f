"""tasks.audit_cluster.kube_apis: the site's kubeconfig loaded as the deploy would point it."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from bgplb.errors import DeviceError
from bgplb.model import Site
from tasks.audit_cluster import kube_apis, kubeconfig_for_audit

from . import replay

B64 = base64.b64encode(b"not a real certificate").decode()


def kubeconfig(server: str, **cluster: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "kubernetes",
                "cluster": {"server": server, "certificate-authority-data": B64, **cluster},
            }
        ],
        "contexts": [
            {"name": "admin@kubernetes", "context": {"cluster": "kubernetes", "user": "admin"}}
        ],
        "current-context": "admin@kubernetes",
        "users": [
            {
                "name": "admin",
                "user": {"client-certificate-data": B64, "client-key-data": B64},
            }
        ],
    }


def site_with(tmp_path: Path, doc: dict[str, Any] | None, override: str | None = None) -> Site:
    site = replay.site_for("healthy")
    path = tmp_path / "admin.conf"
    if doc is not None:
        path.write_text(yaml.safe_dump(doc))
    k = site.kubernetes.model_copy(update={"kubeconfig": path, "api_server_override": override})
    return dataclasses.replace(site, kubernetes=k)


def host_and_name(site: Site, resolves: bool) -> tuple[str, str | None]:
    core, _, _, _ = kube_apis(site, resolve=lambda _: resolves)
    cfg = core.api_client.configuration  # type: ignore[attr-defined]
    return str(cfg.host), cfg.tls_server_name


def test_written_kubeconfig_used_as_is_when_its_server_resolves(tmp_path: Path) -> None:
    site = site_with(tmp_path, kubeconfig("https://k8s-cluster.example.com:6443"))
    assert host_and_name(site, resolves=True) == ("https://k8s-cluster.example.com:6443", None)


def test_unresolvable_endpoint_goes_to_the_control_plane_with_tls_name(tmp_path: Path) -> None:
    site = site_with(tmp_path, kubeconfig("https://k8s-cluster.example.com:6443"))
    host, name = host_and_name(site, resolves=False)
    assert (host, name) == (f"https://{site.control_plane.address}:6443", "k8s-cluster.example.com")


@pytest.mark.parametrize(
    ("override", "host"),
    [
        ("127.0.0.1:16443", "https://127.0.0.1:16443"),
        ("127.0.0.1", "https://127.0.0.1:6443"),
        ("https://198.18.30.50:6443", "https://198.18.30.50:6443"),
    ],
)
def test_api_server_override_in_every_written_form(
    tmp_path: Path, override: str, host: str
) -> None:
    site = site_with(tmp_path, kubeconfig("https://k8s-cluster.example.com:6443"), override)
    assert host_and_name(site, resolves=True) == (host, "k8s-cluster.example.com")


def test_tls_server_name_already_written_by_the_deploy_is_kept(tmp_path: Path) -> None:
    doc = kubeconfig("https://198.18.30.50:6443", **{"tls-server-name": "k8s-cluster.example.com"})
    site = site_with(tmp_path, doc)
    assert host_and_name(site, resolves=False) == (
        "https://198.18.30.50:6443",
        "k8s-cluster.example.com",
    )


def test_missing_kubeconfig_is_a_device_error_without_content(tmp_path: Path) -> None:
    site = site_with(tmp_path, None)
    with pytest.raises(DeviceError, match=r"admin\.conf"):
        kubeconfig_for_audit(site)


def test_not_a_kubeconfig_never_quotes_the_file(tmp_path: Path) -> None:
    site = site_with(tmp_path, {"secret-key": "s3cr3t"})
    with pytest.raises(DeviceError) as info:
        kubeconfig_for_audit(site)
    assert "s3cr3t" not in str(info.value)
