"""The twin's services for its real-userland nodes, one process on the machine's own address in
the nodes' segment (the write-up's KVM host side):

- the signed stand-in apt repositories at upstream's URLs (lab/apt_repo.py), HTTPS on 443;
- the kubeadm endpoint (POST https://twin.bgplab.invalid/kubeadm) the nodes' stand-in kubeadm
  calls (lab/kubeadm_standin.py); the node is known by the address it calls from.

    python -m lab.node_services --inventory inventory/lab

`prepare(site)` (run by `lab up` before the nodes boot) makes the twin CA, the signing key and
the repositories under <state>/apt; this process only serves them.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import threading
import urllib.parse
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

from bgplb.errors import LabError
from bgplb.model import Site, load_site
from lab import apt_repo, topology
from lab.k8s.kubeadm_on_twin import TwinCluster
from lab.kubeadm_standin import answer
from lab.state import LabPaths

PORT = 443
MAX_BODY = 1 << 20


@dataclass(frozen=True)
class AptFiles:
    base: Path

    @property
    def served(self) -> Path:
        return self.base / "served"

    @property
    def ca_dir(self) -> Path:
        return self.base / "ca"

    @property
    def gnupg(self) -> Path:
        return self.base / "gnupg"

    def debs(self) -> Path:
        """Built stand-ins, kept across `up`s; a new revision of the stand-ins builds anew."""
        rev = hashlib.sha256(
            (apt_repo.KUBEADM_SCRIPT + repr(apt_repo.DEPENDS) + repr(apt_repo.COMMANDS)).encode()
        ).hexdigest()[:12]
        return self.base / f"debs-{rev}"


def apt_files(site: Site) -> AptFiles:
    return AptFiles(LabPaths.of(site).root / "apt")


def service_address(site: Site) -> IPv4Address:
    """The machine's own address on the control plane's segment (the nodes reach it there)."""
    cp = site.control_plane.address
    for link in topology.plan(site).host_links:
        if cp in link.address.network:
            return link.address.ip
    raise LabError(
        f"the twin's node services need the machine on {site.control_plane.name}'s segment: "
        "no hypervisor interface there in the inventory"
    )


def _ubuntu_versions(site: Site) -> list[str]:
    return sorted({n.os.removeprefix("ubuntu-") for n in site.nodes})


def prepare(site: Site, publish: bool = True) -> tuple[apt_repo.TwinCA, bytes]:
    """The twin CA and the repositories' signing key (made once), and (`publish`) the
    repositories for the site's Kubernetes version; returns the CA and the public key (binary)
    the nodes trust."""
    files = apt_files(site)
    ca = apt_repo.ensure_ca(files.ca_dir)
    key = apt_repo.SigningKey.ensure(files.gnupg)
    if not publish:
        return ca, key.public(armor=False)
    shutil.rmtree(files.served, ignore_errors=True)
    debs = files.debs()
    debs.mkdir(parents=True, exist_ok=True)
    version = site.kubernetes.version
    k8s = {p: [v for v in vs if v.split("-")[0] == version] for p, vs in _all_k8s(site).items()}
    bases = apt_repo.site_bases(site.kubernetes.minor, _ubuntu_versions(site))
    for source in [*apt_repo.sources_for(bases, k8s), apt_repo.distro_source()]:
        apt_repo.publish(source, key, files.served, debs)
    return ca, key.public(armor=False)


def _all_k8s(site: Site) -> dict[str, list[str]]:
    """Every kubelet/kubeadm/kubectl version the site's repositories hold (to pick from)."""
    out: dict[str, list[str]] = {}
    for base in apt_repo.site_bases(site.kubernetes.minor, _ubuntu_versions(site)):
        repo = apt_repo.repo_at(base)
        assert repo is not None
        for name in ("kubelet", "kubeadm", "kubectl"):
            out.setdefault(name, []).extend(repo.packages.get(name, []))
    return out


class _Handler(apt_repo._Handler):
    cluster: TwinCluster
    lock: threading.Lock

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        host = (self.headers.get("Host") or "").split(":")[0]
        path = urllib.parse.urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        if host != apt_repo.SERVICE_HOST or path != "/kubeadm" or not 0 < length <= MAX_BODY:
            self.send_error(404)
            return
        body = self.rfile.read(length).decode(errors="replace")
        form = urllib.parse.parse_qs(body, keep_blank_values=True)
        with self.lock:
            reply = answer(self.cluster, self.client_address[0], form)
        data = reply.tar()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-tar")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def run(inventory: Path) -> None:
    site = load_site(inventory.resolve())
    paths = LabPaths.of(site)
    files = apt_files(site)
    ca = apt_repo.ensure_ca(files.ca_dir)
    cluster = TwinCluster(site, paths.k8s_dir)
    handler = type("Handler", (_Handler,), {"cluster": cluster, "lock": threading.Lock()})
    server = apt_repo.serve(files.served, ca, str(service_address(site)), PORT, handler)
    threading.Event().wait()  # serve until stopped (by PID)
    server.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the twin's package server and kubeadm endpoint")
    parser.add_argument("--inventory", type=Path, default=Path("inventory/lab"))
    args = parser.parse_args(argv)
    run(args.inventory)


if __name__ == "__main__":
    main()
