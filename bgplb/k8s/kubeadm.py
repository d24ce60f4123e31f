"""kubeadm command lines rendered from the site model, and parsers of what kubeadm prints (pure).

Commands run over a plain SSH shell that reports output only, so every command is wrapped to
print its exit status on a marker line (`with_status` / `split_status`).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

import yaml

from bgplb.errors import ParseError
from bgplb.model.specs import KubernetesSpec

ADMIN_CONF = "/etc/kubernetes/admin.conf"  # present once `kubeadm init` has run
KUBELET_CONF = "/etc/kubernetes/kubelet.conf"  # present once the node has joined (or is init)
STATUS_MARKER = "BGPLB_EXIT_STATUS="
PRESENT, ABSENT = "BGPLB_PRESENT", "BGPLB_ABSENT"
SUDO = ("sudo", "-n")  # never wait for a password prompt: fail instead


def init_argv(k8s: KubernetesSpec) -> list[str]:
    """`kubeadm init` with the write-up's flags plus the pinned Kubernetes version."""
    return [
        "kubeadm",
        "init",
        f"--pod-network-cidr={k8s.pod_cidr}",
        f"--service-cidr={k8s.service_cidr}",
        f"--control-plane-endpoint={k8s.control_plane_endpoint}",
        f"--cri-socket={k8s.cri_socket}",
        f"--kubernetes-version={k8s.version}",
    ]


def token_create_argv() -> list[str]:
    return ["kubeadm", "token", "create", "--print-join-command"]


@dataclass(frozen=True)
class JoinCommand:
    """What `kubeadm token create --print-join-command` printed. The token is a credential."""

    endpoint: str
    token: str = field(repr=False)
    ca_cert_hashes: tuple[str, ...]

    @property
    def secrets(self) -> list[str]:
        return [self.token]


_JOIN = re.compile(r"^kubeadm join (?P<rest>.+?)\s*\\?$", re.M)
_TOKEN = re.compile(r"^[a-z0-9]{6}\.[a-z0-9]{16}$")
_HASH = re.compile(r"^sha256:[0-9a-f]{64}$")


def parse_join_command(text: str) -> JoinCommand:
    """Read the one `kubeadm join ...` line; anything else is a ParseError (token not echoed)."""
    matches = _JOIN.findall(re.sub(r"\\[ \t]*\r?\n\s*", " ", text))  # join `\` continuations
    if len(matches) != 1:
        raise ParseError(
            "kubeadm join command", f"expected one 'kubeadm join' line, saw {len(matches)}"
        )
    args = shlex.split(matches[0])
    endpoint, token, hashes = "", "", []
    i = 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else ""
        if arg == "--token":
            token, i = value, i + 2
        elif arg == "--discovery-token-ca-cert-hash":
            hashes.append(value)
            i += 2
        elif not arg.startswith("-") and not endpoint:
            endpoint, i = arg, i + 1
        else:
            i += 1
    if not endpoint or not _TOKEN.match(token) or not hashes or not all(map(_HASH.match, hashes)):
        raise ParseError(
            "kubeadm join command", "needs an endpoint, --token and --discovery-token-ca-cert-hash"
        )
    return JoinCommand(endpoint=endpoint, token=token, ca_cert_hashes=tuple(hashes))


def join_config_api_version(kubernetes_version: str) -> str:
    """The kubeadm config API a kubeadm of that version reads: v1beta2 up to 1.21, v1beta3
    from 1.22, v1beta4 from 1.31 (kubernetes/kubernetes cmd/kubeadm/app/apis/kubeadm/)."""
    major, minor = (int(x) for x in kubernetes_version.split(".")[:2])
    if (major, minor) < (1, 22):
        return "kubeadm.k8s.io/v1beta2"
    if (major, minor) < (1, 31):
        return "kubeadm.k8s.io/v1beta3"
    return "kubeadm.k8s.io/v1beta4"


def render_join_configuration(join: JoinCommand, k8s: KubernetesSpec) -> str:
    """The JoinConfiguration `kubeadm join --config` reads in place of --token and friends:
    the token stays off every command line. Fields as in the v1beta2..v1beta4 types:
    discovery.bootstrapToken.{token,apiServerEndpoint,caCertHashes}, nodeRegistration.criSocket
    (the node name is left to kubeadm: the host name, as with the flags before)."""
    doc = {
        "apiVersion": join_config_api_version(k8s.version),
        "kind": "JoinConfiguration",
        "discovery": {
            "bootstrapToken": {
                "apiServerEndpoint": join.endpoint,
                "token": join.token,
                "caCertHashes": list(join.ca_cert_hashes),
            }
        },
        "nodeRegistration": {"criSocket": k8s.cri_socket},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def join_argv(config_path: str) -> list[str]:
    """`kubeadm join` reading everything from the JoinConfiguration file (no other flag:
    kubeadm refuses most flags mixed with --config)."""
    return ["kubeadm", "join", "--config", config_path]


def sudo(argv: list[str]) -> str:
    """One shell command line running argv as root, quoted."""
    return shlex.join([*SUDO, *argv])


def file_probe(path: str) -> str:
    """A command printing PRESENT or ABSENT for a root-readable file."""
    return f"{shlex.join([*SUDO, 'test', '-f', path])} && echo {PRESENT} || echo {ABSENT}"


def parse_probe(text: str, what: str) -> bool:
    present, absent = PRESENT in text, ABSENT in text
    if present == absent:
        raise ParseError(what, f"expected {PRESENT} or {ABSENT}", text)
    return present


def read_file_command(path: str) -> str:
    return sudo(["cat", path])


def with_status(command: str) -> str:
    """Append a marker line carrying the command's exit status."""
    return f"{command}; echo {STATUS_MARKER}$?"


def split_status(text: str, what: str) -> tuple[str, int]:
    """(output without the marker line, exit status); no marker is a ParseError."""
    lines = text.rstrip("\n").split("\n")
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        if line.startswith(STATUS_MARKER) and line[len(STATUS_MARKER) :].isdigit():
            return "\n".join(lines[:i]), int(line[len(STATUS_MARKER) :])
    # The output is not quoted: it may hold a credential (admin.conf, a join token).
    raise ParseError(what, f"no {STATUS_MARKER} line: the command did not finish")


_SECRET_FLAGS = re.compile(r"(--token|--certificate-key|token:)(\s+|=)\S+")


def mask_output(text: str, tail: int = 20) -> str:
    """The last lines of kubeadm's output with join tokens and certificate keys masked."""
    masked = _SECRET_FLAGS.sub(r"\1\2********", text)
    return "\n".join(masked.rstrip().splitlines()[-tail:])
