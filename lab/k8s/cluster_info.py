"""What the server knows about the cluster it emulates, saved by `kubeadm init` as cluster.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from bgplb.model import Site

CLUSTER_FILE = "cluster.json"


@dataclass(frozen=True)
class ClusterInfo:
    inventory: str
    version: str  # "1.21.1"
    pod_cidr: str
    service_cidr: str
    endpoint: str
    control_plane: str  # node name
    advertise_address: str
    port: int
    listen: str  # address:port the server binds
    netns: str | None
    token: str

    @property
    def minor(self) -> tuple[int, int]:
        major, minor, _ = self.version.split(".")
        return (int(major), int(minor))

    @property
    def pod_network(self) -> IPv4Network:
        return IPv4Network(self.pod_cidr)

    @property
    def service_network(self) -> IPv4Network:
        return IPv4Network(self.service_cidr)

    @property
    def kubernetes_service_ip(self) -> IPv4Address:
        return self.service_network.network_address + 1

    @property
    def server_url(self) -> str:
        return f"https://{self.endpoint}:{self.port}"

    @property
    def direct_url(self) -> str:
        return f"https://{self.listen}"

    @classmethod
    def of(
        cls,
        site: Site,
        listen: str,
        netns: str | None,
        token: str,
        *,
        version: str | None = None,
        pod_cidr: str | None = None,
        service_cidr: str | None = None,
        endpoint: str | None = None,
    ) -> ClusterInfo:
        """From the site; `kubeadm init`'s flags (when given) win over the site's values."""
        k = site.kubernetes
        cp = site.control_plane
        return cls(
            inventory=str(site.inventory_dir),
            version=version or k.version,
            pod_cidr=pod_cidr or str(k.pod_cidr),
            service_cidr=service_cidr or str(k.service_cidr),
            endpoint=endpoint or k.control_plane_endpoint,
            control_plane=cp.name,
            advertise_address=str(cp.address),
            port=int(listen.rsplit(":", 1)[1]),
            listen=listen,
            netns=netns,
            token=token,
        )

    def save(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        (state_dir / CLUSTER_FILE).write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, state_dir: Path) -> ClusterInfo | None:
        path = state_dir / CLUSTER_FILE
        if not path.is_file():
            return None
        return cls(**json.loads(path.read_text()))
