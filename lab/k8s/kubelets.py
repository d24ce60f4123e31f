"""The kubelet of each joined node, as a record in <state>/kubelets/<node>.json.

`kubeadm init/join` write one (running), `kubeadm reset` stops it; the node controller in the
server registers and heartbeats Nodes from these records, as kubelets do on a real cluster.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

KUBELET_DIR = "kubelets"


@dataclass(frozen=True)
class Kubelet:
    name: str
    address: str
    control_plane: bool
    running: bool = True
    labels: dict[str, str] = field(default_factory=dict)
    os_image: str = "Ubuntu 20.04.2 LTS"
    runtime: str = "cri-o://1.21.0"


def kubelet_dir(state_dir: Path) -> Path:
    return state_dir / KUBELET_DIR


def write_kubelet(state_dir: Path, kubelet: Kubelet) -> None:
    d = kubelet_dir(state_dir)
    d.mkdir(parents=True, exist_ok=True)
    tmp = d / f".{kubelet.name}.tmp"
    tmp.write_text(json.dumps(asdict(kubelet), indent=2))
    tmp.replace(d / f"{kubelet.name}.json")


def read_kubelets(state_dir: Path) -> dict[str, Kubelet]:
    d = kubelet_dir(state_dir)
    out: dict[str, Kubelet] = {}
    if not d.is_dir():
        return out
    for path in sorted(d.glob("*.json")):
        try:
            k = Kubelet(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            continue
        out[k.name] = k
    return out


def remove_kubelet(state_dir: Path, name: str) -> None:
    (kubelet_dir(state_dir) / f"{name}.json").unlink(missing_ok=True)
