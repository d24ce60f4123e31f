"""Emulated kubeadm 1.2x: init, join, token create, reset, version; preflight checks included."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from lab.k8s.kubeadm_cluster import ClusterError, InitParams, Joined
from lab.ubuntu.context import Ctx, Proc, read_file

STACK = "To see the stack trace of this error execute with --v=5 or higher\n"
ADMIN, KUBELET = "/etc/kubernetes/admin.conf", "/etc/kubernetes/kubelet.conf"
MANIFESTS = "/etc/kubernetes/manifests"
CP_FILES = ("controller-manager.conf", "scheduler.conf")
COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
BOOL_FLAGS = {"--upload-certs", "--print-join-command", "--control-plane", "--force", "--dry-run"}
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


def _kubeadm_version(ctx: Ctx) -> str:
    pkg = ctx.state.packages["kubeadm"]
    return "v" + pkg.version.split("-")[0]


# the runtime behind a CRI socket (kubeadm's --cri-socket / nodeRegistration.criSocket): its
# systemd unit and its endpoint; CRI-O when none is given (the reference lab's)
RUNTIME_UNITS = (
    ("containerd", "crio"),
    ("unix:///run/containerd/containerd.sock", "unix:///var/run/crio/crio.sock"),
)


def _runtime(cri_socket: str | None) -> tuple[str, str]:
    if cri_socket and "containerd" in cri_socket:
        return RUNTIME_UNITS[0][0], RUNTIME_UNITS[1][0]
    return RUNTIME_UNITS[0][1], RUNTIME_UNITS[1][1]


def _preflight(ctx: Ctx, join: bool, ignore: str, cri_socket: str | None = None) -> list[str]:
    st = ctx.state
    errors = []
    if not ctx.root:
        return ["[ERROR IsPrivilegedUser]: user is not running as root"]
    unit, endpoint = _runtime(cri_socket)
    runtime = st.services.get(unit)
    if runtime is None or not runtime.active:
        errors.append(
            '[ERROR CRI]: container runtime is not running: output: time="..." level=fatal '
            f"msg=\"connect: connect endpoint '{endpoint}', make sure you are "
            'running as root and the endpoint has been started: context deadline exceeded", '
            "error: exit status 1"
        )
    if join:
        if KUBELET in st.files:
            errors.append(
                f"[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: {KUBELET} already exists"
            )
    else:
        for comp in COMPONENTS[:3]:
            path = f"{MANIFESTS}/{comp}.yaml"
            if path in st.files:
                errors.append(
                    f"[ERROR FileAvailable--etc-kubernetes-manifests-{comp}.yaml]: {path} "
                    "already exists"
                )
    bridge = st.sysctls.get("net.bridge.bridge-nf-call-iptables")
    if bridge is None:
        errors.append(
            "[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: "
            "/proc/sys/net/bridge/bridge-nf-call-iptables does not exist"
        )
    elif bridge != "1":
        errors.append(
            "[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: "
            "/proc/sys/net/bridge/bridge-nf-call-iptables contents are not set to 1"
        )
    if st.sysctls.get("net.ipv4.ip_forward") != "1":
        errors.append(
            "[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward "
            "contents are not set to 1"
        )
    if st.swaps:
        errors.append("[ERROR Swap]: running with swap on is not supported. Please disable swap")
    skipped = {x.strip().lower() for x in ignore.split(",") if x.strip()}
    if "all" in skipped:
        return []
    return [e for e in errors if e.split("]")[0].removeprefix("[ERROR ").lower() not in skipped]


def _fail_preflight(head: str, errors: list[str]) -> Proc:
    body = "".join(f"\t{e}\n" for e in errors)
    return Proc(
        head + "[preflight] Running pre-flight checks\n",
        "error execution phase preflight: [preflight] Some fatal errors occurred:\n"
        + body
        + "[preflight] If you know what you are doing, you can make a check non-fatal with "
        "`--ignore-preflight-errors=...`\n" + STACK,
        1,
    )


def _write_node_files(ctx: Ctx, joined: Joined, control_plane: bool) -> None:
    st = ctx.state
    for d in ("/etc/kubernetes/pki", MANIFESTS, "/var/lib/kubelet"):
        st.mkdir(d)
    st.write(KUBELET, joined.kubelet_conf, mode=0o600)
    st.write("/etc/kubernetes/pki/ca.crt", joined.ca_cert)
    st.write(
        "/var/lib/kubelet/config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
    )
    if control_plane and joined.admin_conf is not None:
        st.write(ADMIN, joined.admin_conf, mode=0o600)
        for name in CP_FILES:
            st.write(f"/etc/kubernetes/{name}", joined.admin_conf, mode=0o600)
        for comp in COMPONENTS:
            st.write(
                f"{MANIFESTS}/{comp}.yaml",
                f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {comp}\n",
                mode=0o600,
            )
        st.mkdir("/var/lib/etcd")
    kubelet = st.services.get("kubelet")
    if kubelet is not None:
        kubelet.active = True


def _join_line(j: Joined) -> str:
    return f"kubeadm join {j.endpoint} --token {j.token} --discovery-token-ca-cert-hash {j.ca_cert_hash}"  # noqa: E501


def _resolve(ctx: Ctx, host: str) -> str | None:
    """The address `host` has on the node (an address as is, else from /etc/hosts)."""
    if all(part.isdigit() for part in host.split(".")) and host.count(".") == 3:
        return host
    hosts = ctx.state.files.get("/etc/hosts")
    for line in (hosts.content if hosts else "").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) > 1 and host in words[1:]:
            return words[0]
    return None


def _init(ctx: Ctx, flags: dict[str, str]) -> Proc:
    version = flags.get("--kubernetes-version", _kubeadm_version(ctx)).lstrip("v")
    head = f"[init] Using Kubernetes version: v{version}\n"
    if version.split(".")[:2] != _kubeadm_version(ctx).lstrip("v").split(".")[:2]:
        return Proc(
            "",
            f"this version of kubeadm only supports deploying clusters with the control plane "
            f"version >= {_kubeadm_version(ctx).lstrip('v').rsplit('.', 1)[0]}.0. Current "
            f"version: v{version}\n" + STACK,
            1,
        )
    errors = _preflight(
        ctx,
        join=False,
        ignore=flags.get("--ignore-preflight-errors", ""),
        cri_socket=flags.get("--cri-socket"),
    )
    if errors:
        return _fail_preflight(head, errors)
    endpoint = flags.get("--control-plane-endpoint", ctx.address).rsplit(":", 1)[0]
    params = InitParams(
        version=version,
        endpoint=endpoint,
        pod_cidr=flags.get("--pod-network-cidr"),
        service_cidr=flags.get("--service-cidr", "10.96.0.0/12"),
        cri_socket=flags.get("--cri-socket"),
    )
    try:
        joined = ctx.cluster.init_cluster(ctx.state.hostname, ctx.address, params)
    except ClusterError as exc:
        return Proc(
            head + "[preflight] Running pre-flight checks\n",
            f"error execution phase control-plane: {exc}\n" + STACK,
            1,
        )
    _write_node_files(ctx, joined, control_plane=True)
    line = _join_line(joined)
    out = (
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
    return Proc(out)


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


@dataclass(frozen=True)
class Discovery:
    endpoint: str
    token: str
    ca_cert_hash: str
    cri_socket: str | None


def _mixed_with_config(flags: dict[str, str]) -> Proc | None:
    mixed = sorted(
        name[2:]
        for name in flags
        if name not in CONFIG_COMPANIONS and not name.startswith("--skip-")
    )
    if not mixed:
        return None
    return Proc("", f"can not mix '--config' with arguments [{' '.join(mixed)}]\n" + STACK, 1)


def _read_join_config(ctx: Ctx, path: str) -> Discovery | str:
    """The discovery settings of a JoinConfiguration file, or kubeadm's error text."""
    content, why = read_file(ctx, path)
    if content is None:
        return f'unable to read config from "{path}" : open {path}: {why.lower()}'
    try:
        docs = [d for d in yaml.safe_load_all(content) if isinstance(d, dict)]
    except yaml.YAMLError as exc:
        return f"error converting YAML to JSON: {exc}"
    join = [d for d in docs if d.get("kind") == "JoinConfiguration"]
    if not join:
        return "no JoinConfiguration kind was found in the YAML file"
    api = str(join[0].get("apiVersion", ""))
    minor = tuple(int(x) for x in _kubeadm_version(ctx).lstrip("v").split(".")[:2])
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


def _join(ctx: Ctx, flags: dict[str, str], positional: list[str]) -> Proc:
    if "--config" in flags:
        refused = _mixed_with_config(flags)
        if refused is not None:
            return refused
        found = _read_join_config(ctx, flags["--config"])
        if isinstance(found, str):
            return Proc("", found + "\n" + STACK, 1)
        discovery = found
    else:
        if len(positional) != 1:
            return Proc("", "[preflight] Running pre-flight checks\n" + STACK, 1)
        discovery = Discovery(
            positional[0],
            flags.get("--token", ""),
            flags.get("--discovery-token-ca-cert-hash", ""),
            flags.get("--cri-socket"),
        )
    errors = _preflight(
        ctx,
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
    address = _resolve(ctx, host)
    if address is None:
        return Proc(
            out,
            "error execution phase preflight: couldn't validate the identity of the API Server: "
            f'Get "https://{endpoint}/api/v1/namespaces/kube-public/configmaps/cluster-info?timeout=10s": '  # noqa: E501
            f"dial tcp: lookup {host} on 127.0.0.53:53: no such host\n" + STACK,
            1,
        )
    if not discovery.token:
        return Proc(
            out,
            'discovery: Invalid value: "": using token-based discovery without '
            "caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your "
            "kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification "
            "flag to continue\n" + STACK,
            1,
        )
    try:
        joined = ctx.cluster.join_node(
            ctx.state.hostname,
            ctx.address,
            endpoint,
            discovery.token,
            discovery.ca_cert_hash,
            dial=f"{address}:{port}",
        )
    except ClusterError as exc:
        return Proc(out, f"error execution phase preflight: {exc}\n" + STACK, 1)
    _write_node_files(ctx, joined, control_plane=False)
    out += (
        "[preflight] Reading configuration from the cluster...\n"
        '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"\n'
        "[kubelet-start] Starting the kubelet\n"
        "[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap...\n\n"
        "This node has joined the cluster:\n"
        "* Certificate signing request was sent to apiserver and a response was received.\n"
        "* The Kubelet was informed of the new secure connection details.\n\n"
        "Run 'kubectl get nodes' on the control-plane to see this node join the cluster.\n\n"
    )
    return Proc(out)


def reset_node(ctx: Ctx) -> Proc:
    st = ctx.state
    for path in (
        "/etc/kubernetes/manifests",
        "/etc/kubernetes/pki",
        "/var/lib/etcd",
        "/var/lib/kubelet",
    ):
        st.remove_tree(path)
    for name in ("admin.conf", "kubelet.conf", "bootstrap-kubelet.conf", *CP_FILES):
        st.files.pop(f"/etc/kubernetes/{name}", None)
    ctx.cluster.reset_node(st.hostname)
    kubelet = st.services.get("kubelet")
    if kubelet is not None:
        kubelet.active = False
    return Proc(
        "[preflight] Running pre-flight checks\n[reset] Stopping the kubelet service\n"
        '[reset] Unmounting mounted directories in "/var/lib/kubelet"\n'
        "[reset] Deleting contents of config directories: [/etc/kubernetes/manifests "
        "/etc/kubernetes/pki]\n"
        "[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf]\n\n"
        "The reset process does not clean CNI configuration. To do so, you must remove "
        "/etc/cni/net.d\n"
    )


RESET_QUESTION = (
    "[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be "
    "reverted.\n"
    "[reset] Are you sure you want to proceed? [y/N]: "
)


def kubeadm(ctx: Ctx, argv: list[str]) -> Proc:
    args = argv[1:]
    if not args:
        return Proc(stdout="Usage:\n  kubeadm [command]\n")
    sub = args[0]
    if sub == "token" and len(args) > 1 and args[1] == "create":
        cmd, rest = "token create", args[2:]
    elif sub in ("init", "join", "reset", "version"):
        cmd, rest = sub, args[1:]
    else:
        return Proc(stderr=f'unknown command "{sub}" for "kubeadm"\n' + STACK, rc=1)
    try:
        flags, positional = _flags(cmd, rest)
    except FlagError as exc:
        return Proc(stderr=f"{exc}\n" + STACK, rc=1)
    if cmd == "version":
        v = _kubeadm_version(ctx)
        if flags.get("-o", flags.get("--output")) == "short":
            return Proc(stdout=v + "\n")
        return Proc(stdout=f'kubeadm version: &version.Info{{Major:"1", GitVersion:"{v}"}}\n')
    if cmd == "init":
        return _init(ctx, flags)
    if cmd == "join":
        return _join(ctx, flags, positional)
    if cmd == "token create":
        if ADMIN not in ctx.state.files:
            return Proc(
                stderr=f"failed to load admin kubeconfig: open {ADMIN}: no such file or directory\n"
                + STACK,
                rc=1,
            )
        if not ctx.root:
            return Proc(
                stderr=f"failed to load admin kubeconfig: open {ADMIN}: permission denied\n"
                + STACK,
                rc=1,
            )
        try:
            joined = ctx.cluster.create_token()
        except ClusterError as exc:
            return Proc(stderr=f"{exc}\n" + STACK, rc=1)
        if "--print-join-command" in flags:
            return Proc(stdout=_join_line(joined) + " \n")
        return Proc(stdout=joined.token + "\n")
    if not ctx.root:
        return Proc(
            "[preflight] Running pre-flight checks\n",
            "error execution phase preflight: user is not running as root\n" + STACK,
            1,
        )
    if "--force" in flags or "-f" in flags:
        return reset_node(ctx)
    return Proc(stdout=RESET_QUESTION, rc=-1)  # rc -1: the shell asks and waits for the answer
