"""The emulated `kubeadm`'s cluster on the twin: lab/k8s's API server and kubelets.

`kubeadm init` on the control-plane node starts the emulated kube-apiserver (TLS, controllers,
MetalLB driving the node speakers) inside that node's namespace on <address>:6443; `join`
checks what real discovery checks (the server answers where the endpoint resolves, the token,
the CA pin) and starts the node's kubelet; `token create` adds a token; `reset` stops the
node's kubelet (on the control plane: the server, and the cluster's state is gone).
"""

from __future__ import annotations

from pathlib import Path

from bgplb.errors import LabError
from bgplb.model import Site
from lab.k8s import kubeadm_backend as kb
from lab.k8s.cluster_info import ClusterInfo
from lab.k8s.kubeadm_cluster import ClusterError, InitParams, Joined, JoinRefused
from lab.k8s.server_process import server_running


def _refused(endpoint: str, dial: str) -> JoinRefused:
    return JoinRefused(
        "couldn't validate the identity of the API Server: Get "
        f'"https://{endpoint}/api/v1/namespaces/kube-public/configmaps/cluster-info'
        f'?timeout=10s": dial tcp {dial}: connect: connection refused'
    )


class TwinCluster:
    """The `Cluster` of lab/ubuntu's shell over lab.k8s.kubeadm_backend (state in `state_dir`)."""

    def __init__(
        self,
        site: Site,
        state_dir: Path,
        listen: str | None = None,
        netns: str | None = "auto",
        announcer: str = "lab",
    ) -> None:
        self.site = site
        self.state_dir = state_dir
        self.listen = listen
        self.netns = netns
        self.announcer = announcer

    def _info(self) -> ClusterInfo:
        info = ClusterInfo.load(self.state_dir)
        if info is None:
            raise ClusterError(f"{self.state_dir}: no cluster (kubeadm init first)")
        return info

    def _joined(self, token: str, admin: bool) -> Joined:
        info = self._info()
        return Joined(
            kubelet_conf=kb.kubelet_conf_text(self.state_dir),
            admin_conf=kb.admin_conf(self.state_dir).read_text() if admin else None,
            endpoint=f"{info.endpoint}:{info.port}",
            token=token,
            ca_cert_hash=kb.ca_cert_hash(self.state_dir),
            ca_cert=kb.ca_cert_text(self.state_dir),
        )

    def is_initialised(self) -> bool:
        return kb.is_initialised(self.state_dir)

    def init_cluster(self, node: str, address: str, params: InitParams) -> Joined:
        cp = self.site.control_plane
        if node != cp.name or address != str(cp.address):
            raise ClusterError(
                f"the twin's API server runs on the site's control plane {cp.name} "
                f"({cp.address}), not on {node} ({address})"
            )
        try:
            token = kb.init_cluster(
                self.site,
                self.state_dir,
                listen=self.listen,
                netns=self.netns,
                announcer=self.announcer,
                version=params.version,
                pod_cidr=params.pod_cidr,
                service_cidr=params.service_cidr,
                endpoint=params.endpoint,
            )
        except LabError as exc:
            raise ClusterError(str(exc)) from None
        return self._joined(token, admin=True)

    def create_token(self) -> Joined:
        try:
            token = kb.create_token(self.state_dir)
        except LabError as exc:
            raise ClusterError(str(exc)) from None
        return self._joined(token, admin=False)

    def join_node(
        self, node: str, address: str, endpoint: str, token: str, ca_hash: str, dial: str
    ) -> Joined:
        info = ClusterInfo.load(self.state_dir)
        if info is None or not server_running(self.state_dir) or dial != info.listen:
            raise _refused(endpoint, dial)
        if token not in kb.valid_tokens(self.state_dir):
            raise JoinRefused(
                "couldn't validate the identity of the API Server: could not find a JWS "
                "signature in the cluster-info ConfigMap for token ID "
                f'"{token.split(".", maxsplit=1)[0]}"'
            )
        pinned = kb.ca_cert_hash(self.state_dir)
        if ca_hash != pinned:
            raise JoinRefused(
                "cluster CA found in cluster-info ConfigMap is invalid: none of the public "
                f'keys "{pinned}" are pinned'
            )
        if node not in {n.name for n in self.site.nodes} or address != str(
            self.site.node(node).address
        ):
            raise ClusterError(f"{node} ({address}) is not a node of the twin")
        try:
            kb.join_node(self.state_dir, node, token)
        except LabError as exc:
            raise ClusterError(str(exc).removeprefix("error execution phase preflight: ")) from None
        return self._joined(token, admin=False)

    def reset_node(self, node: str) -> None:
        kb.reset_node(self.state_dir, node)
