"""The twin's kubeadm endpoint: what the stand-in `kubeadm` of a real-userland node (its script:
lab/apt_repo.py KUBEADM_SCRIPT) asks over the twin's network, answered against the twin's
emulated Kubernetes (lab/k8s through lab.k8s.kubeadm_on_twin.TwinCluster).

The script sends its arguments, whether it runs as root, and the node's facts kubeadm's
preflight reads (the runtime's unit, swap, the two sysctls, files already written, /etc/hosts,
the --config file); the node is the one whose address the request comes from. The answer
(`Reply`) is kubeadm's output and exit status, the files kubeadm writes on the node
(admin.conf, kubelet.conf, the CA, static Pod manifests) and the paths `reset` removes; the
script writes them. The texts are kubeadm 1.2x's.

    reply = answer(site, state_dir, caller_address, form)   # form: parse_qs of the request
    reply.tar()                                            # what the script unpacks
"""

from __future__ import annotations

import io
import tarfile
import time
from dataclasses import dataclass, field
from ipaddress import IPv4Address

import yaml

from bgplb.model import Site
from lab.k8s.kubeadm_cluster import Cluster, ClusterError, InitParams, Joined
from lab.k8s.kubeadm_on_twin import TwinCluster
from lab.node_standins import STANDIN_STATE

STACK = "To see the stack trace of this error execute with --v=5 or higher\n"
ADMIN, KUBELET = "/etc/kubernetes/admin.conf", "/etc/kubernetes/kubelet.conf"
MANIFESTS = "/etc/kubernetes/manifests"
CP_FILES = ("controller-manager.conf", "scheduler.conf")
COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
KUBELET_ACTIVE = f"{STANDIN_STATE}/units/kubelet.active"  # systemctl's stand-in record
# kubeadm's own files whose presence its preflight and `token create` read (the script's list)
PRESENT = (
    KUBELET,
    ADMIN,
    f"{MANIFESTS}/kube-apiserver.yaml",
    f"{MANIFESTS}/kube-controller-manager.yaml",
    f"{MANIFESTS}/kube-scheduler.yaml",
)
SYSCTLS = ("net.bridge.bridge-nf-call-iptables", "net.ipv4.ip_forward")  # what preflight reads
ABORTED = "error execution phase preflight: aborted reset operation\n"
VALUE_FLAGS = {
    "init": {
        "--pod-network-cidr",
        "--service-cidr",
        "--control-plane-endpoint",
        "--cri-socket",
        "--kubernetes-version",
        "--apiserver-advertise-address",
        "--node-name",
        "--ignore-preflight-errors",
        "--v",
        "--token",
    },
    "join": {
        "--config",
        "--kubeconfig",
        "--token",
        "--discovery-token-ca-cert-hash",
        "--cri-socket",
        "--node-name",
        "--ignore-preflight-errors",
        "--v",
        "--discovery-token-unsafe-skip-ca-verification",
    },
    "reset": {"--cri-socket", "--v", "--ignore-preflight-errors"},
    "token create": {"--v", "--ttl"},
    "version": {"-o", "--output"},
}
BOOLS = {
    "init": {"--upload-certs", "--dry-run"},
    "join": {"--control-plane", "--dry-run"},
    "reset": {"--force", "-f"},
    "token create": {"--print-join-command"},
    "version": set(),
}
# Flags kubeadm 1.2x lets beside --config (ValidateMixedArguments in kubernetes/kubernetes
# cmd/kubeadm/app/apis/kubeadm/validation/validation.go); any other is refused.
CONFIG_COMPANIONS = {"--config", "--ignore-preflight-errors", "--dry-run", "--kubeconfig"}
# kubeadm.k8s.io versions a kubeadm reads: v1beta3 from 1.22, v1beta2 gone in 1.26, v1beta4
# from 1.31.
CONFIG_APIS = (
    ((1, 22), {"v1beta1", "v1beta2"}),
    ((1, 26), {"v1beta2", "v1beta3"}),
    ((1, 31), {"v1beta3"}),
    ((9, 0), {"v1beta3", "v1beta4"}),
)


@dataclass
class Reply:
    stdout: str = ""
    stderr: str = ""
    rc: int = 0
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (text, mode)
    remove: list[str] = field(default_factory=list)

    def tar(self) -> bytes:
        """What the node's script unpacks: stdout, stderr, rc, remove, root/<path>."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:

            def add(name: str, data: bytes, mode: int = 0o644) -> None:
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), mode, int(time.time())
                tar.addfile(info, io.BytesIO(data))

            add("stdout", self.stdout.encode())
            add("stderr", self.stderr.encode())
            add("rc", f"{self.rc}\n".encode())
            add("remove", "".join(p + "\n" for p in self.remove).encode())
            for path, (text, mode) in sorted(self.files.items()):
                add("root" + path, text.encode(), mode)
        return buf.getvalue()


@dataclass(frozen=True)
class Facts:
    """What the node's script reports (lab/apt_repo.py KUBEADM_SCRIPT)."""

    package_version: str  # "1.21.1-00"
    root: bool
    units: frozenset[str]  # systemctl stand-in records: "crio.active", "kubelet.enabled"...
    present: frozenset[str]  # kubeadm's own files already on the node
    swaps: str
    sysctls: dict[str, str]  # "net.ipv4.ip_forward" -> "1" or "missing"
    hosts: str
    config: str | None
    answer: str | None

    @classmethod
    def of(cls, form: dict[str, list[str]]) -> Facts:
        def one(key: str, default: str = "") -> str:
            return form.get(key, [default])[0]

        return cls(
            package_version=one("version"),
            root=one("uid") == "0",
            units=frozenset(one("units").split()),
            present=frozenset(one("present").split()),
            swaps=one("swaps").strip(),
            sysctls={
                k.removeprefix("sysctl.").replace("/", "."): v[0].strip()
                for k, v in form.items()
                if k.startswith("sysctl.")
            },
            hosts=one("hosts"),
            config=form["config"][0] if "config" in form else None,
            answer=form["answer"][0] if "answer" in form else None,
        )

    @property
    def kubeadm_version(self) -> str:
        return "v" + self.package_version.split(":")[-1].split("-")[0].split("~")[0]


@dataclass(frozen=True)
class Caller:
    name: str
    address: str


class FlagError(Exception):
    pass


def _flags(cmd: str, args: list[str]) -> tuple[dict[str, str], list[str]]:
    values, positional = {}, []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if not a.startswith("-"):
            positional.append(a)
            continue
        name, eq, value = a.partition("=")
        if name in BOOLS[cmd]:
            values[name] = value or "true"
        elif name in VALUE_FLAGS[cmd]:
            if not eq:
                if i >= len(args):
                    raise FlagError(f"flag needs an argument: {name}")
                value, i = args[i], i + 1
            values[name] = value
        elif name.startswith("--"):
            raise FlagError(f"unknown flag: {name}")
        else:
            raise FlagError(f"unknown shorthand flag: '{name[1:2]}' in {name}")
    return values, positional


def _runtime(cri_socket: str | None) -> tuple[str, str]:
    """The runtime's unit and endpoint behind a CRI socket (CRI-O when none is given)."""
    if cri_socket and "containerd" in cri_socket:
        return "containerd", "unix:///run/containerd/containerd.sock"
    return "crio", "unix:///var/run/crio/crio.sock"


def _preflight(facts: Facts, join: bool, ignore: str, cri_socket: str | None) -> list[str]:
    if not facts.root:
        return ["[ERROR IsPrivilegedUser]: user is not running as root"]
    errors = []
    unit, endpoint = _runtime(cri_socket)
    if f"{unit}.active" not in facts.units:
        errors.append(
            '[ERROR CRI]: container runtime is not running: output: time="..." level=fatal '
            f"msg=\"connect: connect endpoint '{endpoint}', make sure you are "
            'running as root and the endpoint has been started: context deadline exceeded", '
            "error: exit status 1"
        )
    if join:
        if KUBELET in facts.present:
            errors.append(
                f"[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: {KUBELET} already exists"
            )
    else:
        for comp in COMPONENTS[:3]:
            path = f"{MANIFESTS}/{comp}.yaml"
            if path in facts.present:
                errors.append(
                    f"[ERROR FileAvailable--etc-kubernetes-manifests-{comp}.yaml]: {path} "
                    "already exists"
                )
    bridge = facts.sysctls.get("net.bridge.bridge-nf-call-iptables", "missing")
    path = "/proc/sys/net/bridge/bridge-nf-call-iptables"
    if bridge == "missing":
        errors.append(
            f"[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: {path} "
            "does not exist"
        )
    elif bridge != "1":
        errors.append(
            f"[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: {path} "
            "contents are not set to 1"
        )
    if facts.sysctls.get("net.ipv4.ip_forward") != "1":
        errors.append(
            "[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward "
            "contents are not set to 1"
        )
    if facts.swaps:
        errors.append("[ERROR Swap]: running with swap on is not supported. Please disable swap")
    skipped = {x.strip().lower() for x in ignore.split(",") if x.strip()}
    if "all" in skipped:
        return []
    return [e for e in errors if e.split("]")[0].removeprefix("[ERROR ").lower() not in skipped]


def _fail_preflight(head: str, errors: list[str]) -> Reply:
    body = "".join(f"\t{e}\n" for e in errors)
    return Reply(
        head + "[preflight] Running pre-flight checks\n",
        "error execution phase preflight: [preflight] Some fatal errors occurred:\n"
        + body
        + "[preflight] If you know what you are doing, you can make a check non-fatal with "
        "`--ignore-preflight-errors=...`\n" + STACK,
        1,
    )


def _node_files(reply: Reply, joined: Joined, control_plane: bool) -> None:
    files = reply.files
    files[KUBELET] = (joined.kubelet_conf, 0o600)
    files["/etc/kubernetes/pki/ca.crt"] = (joined.ca_cert, 0o644)
    files["/var/lib/kubelet/config.yaml"] = (
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
        0o644,
    )
    if control_plane and joined.admin_conf is not None:
        files[ADMIN] = (joined.admin_conf, 0o600)
        for name in CP_FILES:
            files[f"/etc/kubernetes/{name}"] = (joined.admin_conf, 0o600)
        for comp in COMPONENTS:
            manifest = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {comp}\n"
            files[f"{MANIFESTS}/{comp}.yaml"] = (manifest, 0o600)
    files[KUBELET_ACTIVE] = ("", 0o644)  # [kubelet-start] Starting the kubelet


def _join_line(j: Joined) -> str:
    return (
        f"kubeadm join {j.endpoint} --token {j.token} "
        f"--discovery-token-ca-cert-hash {j.ca_cert_hash}"
    )


def _resolve(hosts: str, host: str) -> str | None:
    """The address `host` has on the node (an address as is, else from its /etc/hosts)."""
    try:
        return str(IPv4Address(host))
    except ValueError:
        pass
    for line in hosts.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) > 1 and host in words[1:]:
            return words[0]
    return None


def _init(cluster: Cluster, caller: Caller, facts: Facts, flags: dict[str, str]) -> Reply:
    own = facts.kubeadm_version.lstrip("v")
    version = flags.get("--kubernetes-version", own).lstrip("v")
    head = f"[init] Using Kubernetes version: v{version}\n"
    if version.split(".")[:2] != own.split(".")[:2]:
        return Reply(
            "",
            "this version of kubeadm only supports deploying clusters with the control plane "
            f"version >= {own.rsplit('.', 1)[0]}.0. Current version: v{version}\n" + STACK,
            1,
        )
    errors = _preflight(
        facts,
        join=False,
        ignore=flags.get("--ignore-preflight-errors", ""),
        cri_socket=flags.get("--cri-socket"),
    )
    if errors:
        return _fail_preflight(head, errors)
    endpoint = flags.get("--control-plane-endpoint", caller.address).rsplit(":", 1)[0]
    params = InitParams(
        version=version,
        endpoint=endpoint,
        pod_cidr=flags.get("--pod-network-cidr"),
        service_cidr=flags.get("--service-cidr", "10.96.0.0/12"),
        cri_socket=flags.get("--cri-socket"),
    )
    try:
        joined = cluster.init_cluster(caller.name, caller.address, params)
    except ClusterError as exc:
        return Reply(
            head + "[preflight] Running pre-flight checks\n",
            f"error execution phase control-plane: {exc}\n" + STACK,
            1,
        )
    line = _join_line(joined)
    reply = Reply(
        head + "[preflight] Running pre-flight checks\n"
        "[preflight] Pulling images required for setting up a Kubernetes cluster\n"
        '[certs] Using certificateDir folder "/etc/kubernetes/pki"\n'
        '[kubeconfig] Writing "admin.conf" kubeconfig file\n'
        '[kubeconfig] Writing "kubelet.conf" kubeconfig file\n'
        "[kubelet-start] Starting the kubelet\n"
        '[control-plane] Creating static Pod manifest for "kube-apiserver"\n'
        "[bootstrap-token] Using token: " + joined.token + "\n"
        "[addons] Applied essential addon: CoreDNS\n[addons] Applied essential addon: "
        "kube-proxy\n\n"
        "Your Kubernetes control-plane has initialized successfully!\n\n"
        "To start using your cluster, you need to run the following as a regular user:\n\n"
        "  mkdir -p $HOME/.kube\n  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\n"
        "  sudo chown $(id -u):$(id -g) $HOME/.kube/config\n\n"
        "Then you can join any number of worker nodes by running the following on each as root:\n\n"
        + line.replace(" --discovery", " \\\n\t--discovery")
        + " \n"
    )
    _node_files(reply, joined, control_plane=True)
    return reply


@dataclass(frozen=True)
class Discovery:
    endpoint: str
    token: str
    ca_cert_hash: str
    cri_socket: str | None


def _read_join_config(facts: Facts, path: str) -> Discovery | str:
    """The discovery settings of a JoinConfiguration file, or kubeadm's error text."""
    if facts.config is None:
        return f'unable to read config from "{path}" : open {path}: no such file or directory'
    try:
        docs = [d for d in yaml.safe_load_all(facts.config) if isinstance(d, dict)]
    except yaml.YAMLError as exc:
        return f"error converting YAML to JSON: {exc}"
    join = [d for d in docs if d.get("kind") == "JoinConfiguration"]
    if not join:
        return "no JoinConfiguration kind was found in the YAML file"
    api = str(join[0].get("apiVersion", ""))
    minor = tuple(int(x) for x in facts.kubeadm_version.lstrip("v").split(".")[:2])
    accepted = next(apis for below, apis in CONFIG_APIS if minor < below)
    if api.removeprefix("kubeadm.k8s.io/") not in accepted:
        return (
            f'no kind "JoinConfiguration" is registered for version "{api}" in scheme '
            '"k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"'
        )
    token = (join[0].get("discovery") or {}).get("bootstrapToken") or {}
    hashes = token.get("caCertHashes") or []
    registration = join[0].get("nodeRegistration") or {}
    return Discovery(
        endpoint=str(token.get("apiServerEndpoint", "")),
        token=str(token.get("token", "")),
        ca_cert_hash=str(hashes[0]) if hashes else "",
        cri_socket=registration.get("criSocket"),
    )


def _join(
    cluster: Cluster,
    caller: Caller,
    facts: Facts,
    flags: dict[str, str],
    positional: list[str],
) -> Reply:
    if "--config" in flags:
        mixed = sorted(
            n[2:] for n in flags if n not in CONFIG_COMPANIONS and not n.startswith("--skip-")
        )
        if mixed:
            refused = f"can not mix '--config' with arguments [{' '.join(mixed)}]\n"
            return Reply("", refused + STACK, 1)
        found = _read_join_config(facts, flags["--config"])
        if isinstance(found, str):
            return Reply("", found + "\n" + STACK, 1)
        discovery = found
    else:
        if len(positional) != 1:
            return Reply("", "[preflight] Running pre-flight checks\n" + STACK, 1)
        discovery = Discovery(
            positional[0],
            flags.get("--token", ""),
            flags.get("--discovery-token-ca-cert-hash", ""),
            flags.get("--cri-socket"),
        )
    errors = _preflight(
        facts,
        join=True,
        ignore=flags.get("--ignore-preflight-errors", ""),
        cri_socket=discovery.cri_socket,
    )
    if errors:
        return _fail_preflight("", errors)
    endpoint = discovery.endpoint
    host, _, port = endpoint.rpartition(":")
    if not host:
        host, port = endpoint, "6443"
    out = "[preflight] Running pre-flight checks\n"
    address = _resolve(facts.hosts, host)
    if address is None:
        return Reply(
            out,
            "error execution phase preflight: couldn't validate the identity of the API Server: "
            f'Get "https://{endpoint}/api/v1/namespaces/kube-public/configmaps/cluster-info'
            f'?timeout=10s": dial tcp: lookup {host} on 127.0.0.53:53: no such host\n' + STACK,
            1,
        )
    if not discovery.token:
        return Reply(
            out,
            'discovery: Invalid value: "": using token-based discovery without '
            "caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your "
            "kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification "
            "flag to continue\n" + STACK,
            1,
        )
    try:
        joined = cluster.join_node(
            caller.name,
            caller.address,
            endpoint,
            discovery.token,
            discovery.ca_cert_hash,
            dial=f"{address}:{port}",
        )
    except ClusterError as exc:
        return Reply(out, f"error execution phase preflight: {exc}\n" + STACK, 1)
    reply = Reply(
        out + "[preflight] Reading configuration from the cluster...\n"
        '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"\n'
        "[kubelet-start] Starting the kubelet\n"
        "[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap...\n\n"
        "This node has joined the cluster:\n"
        "* Certificate signing request was sent to apiserver and a response was received.\n"
        "* The Kubelet was informed of the new secure connection details.\n\n"
        "Run 'kubectl get nodes' on the control-plane to see this node join the cluster.\n\n"
    )
    _node_files(reply, joined, control_plane=False)
    return reply


def _reset(cluster: Cluster, caller: Caller, facts: Facts, flags: dict[str, str]) -> Reply:
    if not facts.root:
        return Reply(
            "[preflight] Running pre-flight checks\n",
            "error execution phase preflight: user is not running as root\n" + STACK,
            1,
        )
    forced = "--force" in flags or "-f" in flags
    if not forced and (facts.answer or "").strip().lower() not in ("y", "yes"):
        return Reply("", ABORTED + STACK, 1)
    cluster.reset_node(caller.name)
    remove = [MANIFESTS, "/etc/kubernetes/pki", "/var/lib/etcd", "/var/lib/kubelet"]
    names = ("admin.conf", "kubelet.conf", "bootstrap-kubelet.conf", *CP_FILES)
    remove += [f"/etc/kubernetes/{n}" for n in names]
    remove.append(KUBELET_ACTIVE)
    return Reply(
        "[preflight] Running pre-flight checks\n[reset] Stopping the kubelet service\n"
        '[reset] Unmounting mounted directories in "/var/lib/kubelet"\n'
        "[reset] Deleting contents of config directories: [/etc/kubernetes/manifests "
        "/etc/kubernetes/pki]\n"
        "[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf]\n\n"
        "The reset process does not clean CNI configuration. To do so, you must remove "
        "/etc/cni/net.d\n",
        remove=remove,
    )


def _token_create(cluster: Cluster, facts: Facts, flags: dict[str, str]) -> Reply:
    if ADMIN not in facts.present:
        return Reply(
            stderr=f"failed to load admin kubeconfig: open {ADMIN}: no such file or directory\n"
            + STACK,
            rc=1,
        )
    if not facts.root:
        return Reply(
            stderr=f"failed to load admin kubeconfig: open {ADMIN}: permission denied\n" + STACK,
            rc=1,
        )
    try:
        joined = cluster.create_token()
    except ClusterError as exc:
        return Reply(stderr=f"{exc}\n" + STACK, rc=1)
    if "--print-join-command" in flags:
        return Reply(stdout=_join_line(joined) + " \n")
    return Reply(stdout=joined.token + "\n")


def caller_of(site: Site, address: str) -> Caller | None:
    """The node a request comes from, by its source address (None: not a node of the site)."""
    for node in site.nodes:
        if str(node.address) == address:
            return Caller(node.name, address)
    return None


def kubeadm(cluster: Cluster, caller: Caller, facts: Facts, args: list[str]) -> Reply:
    if not args:
        return Reply(stdout="Usage:\n  kubeadm [command]\n")
    sub = args[0]
    if sub == "token" and len(args) > 1 and args[1] == "create":
        cmd, rest = "token create", args[2:]
    elif sub in ("init", "join", "reset", "version"):
        cmd, rest = sub, args[1:]
    else:
        return Reply(stderr=f'unknown command "{sub}" for "kubeadm"\n' + STACK, rc=1)
    try:
        flags, positional = _flags(cmd, rest)
    except FlagError as exc:
        return Reply(stderr=f"{exc}\n" + STACK, rc=1)
    if cmd == "version":
        v = facts.kubeadm_version
        if flags.get("-o", flags.get("--output")) == "short":
            return Reply(stdout=v + "\n")
        return Reply(stdout=f'kubeadm version: &version.Info{{Major:"1", GitVersion:"{v}"}}\n')
    if cmd == "init":
        return _init(cluster, caller, facts, flags)
    if cmd == "join":
        return _join(cluster, caller, facts, flags, positional)
    if cmd == "token create":
        return _token_create(cluster, facts, flags)
    return _reset(cluster, caller, facts, flags)


def answer(cluster: TwinCluster, caller_address: str, form: dict[str, list[str]]) -> Reply:
    """The reply to one request of a node's stand-in kubeadm."""
    caller = caller_of(cluster.site, caller_address)
    if caller is None:
        return Reply(stderr=f"{caller_address} is not a node of the twin\n", rc=1)
    return kubeadm(cluster, caller, Facts.of(form), form.get("arg", []))
