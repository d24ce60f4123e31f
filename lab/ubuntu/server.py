"""Entry point of one emulated node's SSH login, run inside the node's namespace:

    ip netns exec bgplab-worker01 python -m lab.ubuntu.server --inventory inventory/lab \\
        --node worker01 [--port 22]

Needs the lab's state directory with the client key pair (lab.credentials.ensure_all has run):
it accepts the key <client_key>.pub and the lab password (router_password) for the node's
login user, writes its host key to <state>/ubuntu/<node>_host_key and its line to the lab's
known_hosts (the other lines kept), keeps the node in <state>/ubuntu/<node>.json. Its kubeadm
talks to the twin's emulated cluster in <state>/k8s (lab.ubuntu.kubeadm_on_twin): `kubeadm init`
on the control plane starts the API server in the control plane's namespace.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import asyncssh

from bgplb.model import load_site
from lab.credentials import router_password
from lab.state import LabPaths
from lab.ubuntu.kubeadm_on_twin import TwinCluster
from lab.ubuntu.node_state import NodeStore
from lab.ubuntu.shell import UbuntuShell
from lab.ubuntu.ssh_server import NodeAuth, publish_host_key, serve_node


def ubuntu_dir(paths: LabPaths) -> Path:
    return paths.ubuntu_dir


def run(inventory: Path, node_name: str, port: int) -> None:
    site = load_site(inventory.resolve())
    node = site.node(node_name)
    paths = LabPaths.of(site)
    root = ubuntu_dir(paths)
    host_key = root / f"{node.name}_host_key"
    address = str(node.address)
    publish_host_key(paths.known_hosts, host_key, address, node.name)
    key_pub = paths.client_key.with_name(paths.client_key.name + ".pub")
    auth = NodeAuth(
        username=node.login.username or "ubuntu",
        password=router_password(paths),
        authorized_key=asyncssh.read_public_key(str(key_pub)) if key_pub.exists() else None,
    )
    store = NodeStore.in_lab(paths.root, node.name, node.os)
    cluster = TwinCluster(site, paths.k8s_dir)

    def make_shell() -> UbuntuShell:
        return UbuntuShell(store, cluster, address, user=auth.username)

    async def main() -> None:
        server = await serve_node(address, port, host_key, auth, make_shell)
        await server.wait_closed()

    asyncio.run(main())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SSH login of one emulated Ubuntu node")
    parser.add_argument("--inventory", type=Path, default=Path("inventory/lab"))
    parser.add_argument("--node", required=True)
    parser.add_argument("--port", type=int, default=22)
    args = parser.parse_args(argv)
    run(args.inventory, args.node, args.port)


if __name__ == "__main__":
    main()
