"""The bootstrap plan of one Kubernetes node (pure): ordered steps, each a read-only check,
the condition that means "already done", and the commands that make it so.

Commands run as the login user (the write-up's `ubuntu`); whatever needs root goes through
`sudo -n`, which fails instead of waiting for a password. Every check is safe to run at any
time and changes nothing; a dry run runs only the checks.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shlex
from dataclasses import dataclass, field

from bgplb.bootstrap.releases import release
from bgplb.bootstrap.repos import (
    KEYRINGS,
    AptSource,
    Packages,
    containerd_packages,
    crio_packages,
    kubernetes_packages,
    refuse_legacy,
)
from bgplb.model import K8sNode, Site

MODULES = ("overlay", "br_netfilter")
# What shows each module is in the running kernel, loaded or built in. Not lsmod: it reads
# /proc/modules, which never lists built-in modules and which a kernel without loadable modules
# lacks (lsmod then exits 1). /sys/module/<name> exists for a loaded module and for a built-in
# one with parameters (overlay has some); a built-in br_netfilter has none, but it alone makes
# the net.bridge sysctls (per network namespace).
MODULE_PRESENT = {"overlay": "/sys/module/overlay", "br_netfilter": "/proc/sys/net/bridge"}
MODULES_FILE = "/etc/modules-load.d/k8s.conf"
SYSCTLS = (
    ("net.bridge.bridge-nf-call-iptables", "1"),
    ("net.bridge.bridge-nf-call-ip6tables", "1"),
    ("net.ipv4.ip_forward", "1"),
)
SYSCTL_FILE = "/etc/sysctl.d/k8s.conf"
# What the source steps run (curl, gpg --dearmor) and need (CA certificates for https), absent
# from a minimal Ubuntu (tests/fixtures/ubuntu/). Not apt-transport-https, which upstream's
# guides still list: apt has https built in since 1.5, and on 20.04, 22.04 and 24.04 it is a
# transitional dummy in universe, which a node with only main enabled cannot install.
APT_PREREQUISITES = ("ca-certificates", "curl", "gpg")
K8S_PACKAGES = ("kubelet", "kubeadm", "kubectl")
# containerd's CRI with the systemd cgroup driver, kubeadm's default from 1.22
# (bgplb/model/support.py): the one setting kubeadm needs that containerd's defaults lack.
CONTAINERD_CONFIG = "/etc/containerd/config.toml"
CONTAINERD_CONFIG_LINES = (
    "version = 2",
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    "  SystemdCgroup = true",
)
RESTART_CONTAINERD = "sudo -n systemctl restart containerd"
# sbin tools the checks run as the login user, by absolute path: a non-root login on Debian has
# no sbin directory on PATH (Ubuntu's /etc/environment has). The packages (mount, procps)
# install them in /sbin up to Ubuntu 22.04 and in /usr/sbin on 24.04; /sbin is a link to usr/sbin
# on all three (merged /usr; tests/fixtures/ubuntu/), so /sbin/<tool> finds them everywhere.
SWAPON = "/sbin/swapon"
SYSCTL = "/sbin/sysctl"
SWAP_LINE = r"^[^#]\S*\s+\S+\s+swap\s"
SWAP_COMMENT_OUT = "s/(" + SWAP_LINE + r".*)$/#\1/"


@dataclass(frozen=True)
class Expect:
    """ "Already done": the check's output (stripped) fully matches `output`, its status is `rc`.

    With `any_order`, `output` is one pattern per line and the output's lines must match them
    one to one in any order (dpkg-query prints packages sorted by name, not as asked).
    """

    output: str
    rc: int = 0
    any_order: bool = False

    def met(self, output: str, rc: int) -> bool:
        if rc != self.rc:
            return False
        if not self.any_order:
            return re.fullmatch(self.output, output.strip(), re.M) is not None
        left = self.output.split("\n")
        for line in output.strip().splitlines():
            hit = next((p for p in left if re.fullmatch(p, line.strip())), None)
            if hit is None:
                return False
            left.remove(hit)
        return not left


@dataclass(frozen=True)
class Step:
    name: str
    check: str
    expect: Expect
    apply: tuple[str, ...]


@dataclass(frozen=True)
class BootstrapPlan:
    node: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = field(default=())


def ere(text: str) -> str:
    """`text` as a literal in a POSIX extended regex (and in Python's re): no stray escapes."""
    return "".join("\\" + c if c in ".[]()*+?{}|^$\\" else c for c in text)


def _q(text: str) -> str:
    return shlex.quote(text)


def mkdir_for(path: str) -> str:
    """The command that makes the directory `path` goes in: a minimal system may lack it."""
    return f"sudo -n mkdir -p -m 755 {_q(posixpath.dirname(path))}"


def _write_file(path: str, lines: list[str]) -> tuple[str, str]:
    args = " ".join(_q(x) for x in lines)
    return (mkdir_for(path), f"printf '%s\\n' {args} | sudo -n tee {path} > /dev/null")


def _file_step(name: str, path: str, lines: list[str]) -> Step:
    body = "\n".join(ere(x) for x in lines)
    return Step(name, f"cat {path}", Expect(body), _write_file(path, lines))


def _installed(names: tuple[str, ...], versions: dict[str, str] | None = None) -> Expect:
    """Each package installed, in any order; those in `versions` at a version that matches."""
    versions = versions or {}
    # dpkg reports a held package as "hold ok installed"
    lines = [
        rf"{ere(n)} (install|hold) ok installed" + (f" {versions[n]}" if n in versions else "")
        for n in names
    ]
    if versions:
        lines = [x if n in versions else x + r" \S+" for n, x in zip(names, lines, strict=True)]
    return Expect("\n".join(lines), any_order=True)


def _dpkg_check(names: tuple[str, ...], with_version: bool) -> str:
    fmt = "${Package} ${Status} ${Version}\\n" if with_version else "${Package} ${Status}\\n"
    return f"dpkg-query -W --showformat={_q(fmt)} {' '.join(names)}"


def _apt_install(names: tuple[str, ...], pin: str | None) -> tuple[str, ...]:
    wanted = " ".join(f"{n}={pin}" if pin else n for n in names)
    flags = "-y --allow-change-held-packages --allow-downgrades" if pin else "-y"
    return ("sudo -n apt-get update", f"sudo -n apt-get install {flags} {wanted}")


def _source_step(src: AptSource) -> Step:
    check = f"cat {src.list_file} && test -s {src.keyring}"
    write = f"echo {_q(src.line)} | sudo -n tee {src.list_file} > /dev/null"
    return Step(
        f"apt-source-{src.name}",
        check,
        Expect(ere(src.line)),
        (mkdir_for(src.keyring), src.key_command(), mkdir_for(src.list_file), write),
    )


def _packages_steps(component: str, pkgs: Packages) -> list[Step]:
    steps = [_source_step(s) for s in pkgs.sources]
    steps.append(
        Step(
            f"{component}-packages",
            _dpkg_check(pkgs.names, with_version=True),
            _installed(pkgs.names, dict.fromkeys(pkgs.pinned, pkgs.version_pattern)),
            _apt_install(pkgs.names, pkgs.pin),
        )
    )
    return steps


def _service_step(unit: str, active: bool) -> Step:
    if active:
        check = f"systemctl is-enabled {unit}; systemctl is-active {unit}"
        return Step(
            f"{unit}-service",
            check,
            Expect("enabled\nactive"),
            ("sudo -n systemctl daemon-reload", f"sudo -n systemctl enable --now {unit}"),
        )
    # kubelet restarts in a loop until kubeadm init/join gives it a configuration: enabled only.
    return Step(
        f"{unit}-service",
        f"systemctl is-enabled {unit}",
        Expect("enabled"),
        (f"sudo -n systemctl enable --now {unit}",),
    )


def _os_steps(site: Site) -> list[Step]:
    endpoint = site.kubernetes.control_plane_endpoint
    ip = str(site.control_plane.address)
    host_re = rf"^[^#]*\s{ere(endpoint)}(\s|$)"
    sysctl_names = " ".join(k for k, _ in SYSCTLS)
    return [
        Step(
            "hosts-entry",
            f"grep -E {_q(host_re)} /etc/hosts",
            Expect(rf"{ere(ip)}\s+{ere(endpoint)}"),
            (
                f"sudo -n sed -i -E {_q('/' + host_re + '/d')} /etc/hosts",
                f"echo {_q(f'{ip} {endpoint}')} | sudo -n tee -a /etc/hosts > /dev/null",
            ),
        ),
        Step("swap-off", f"{SWAPON} --show=NAME --noheadings", Expect(""), ("sudo -n swapoff -a",)),
        Step(
            "swap-fstab",
            f"grep -cE {_q(SWAP_LINE)} /etc/fstab",
            Expect("0", rc=1),
            (f"sudo -n sed -i -E {_q(SWAP_COMMENT_OUT)} /etc/fstab",),
        ),
        _file_step("modules-persist", MODULES_FILE, list(MODULES)),
        Step(
            "modules-loaded",
            " && ".join(f"test -d {MODULE_PRESENT[m]}" for m in MODULES),
            Expect(""),
            tuple(f"sudo -n modprobe {m}" for m in MODULES),
        ),
        _file_step("sysctl-persist", SYSCTL_FILE, [f"{k} = {v}" for k, v in SYSCTLS]),
        Step(
            "sysctl-live",
            f"{SYSCTL} -n {sysctl_names}",
            Expect("\n".join(v for _, v in SYSCTLS)),
            ("sudo -n sysctl --system",),
        ),
    ]


def plan_bootstrap(site: Site, node: K8sNode, allow_legacy: bool | None = None) -> BootstrapPlan:
    """Every step to make `node` ready for kubeadm; InputError when no package source fits.

    `allow_legacy` defaults to the inventory's `kubernetes.package_repos: legacy`.
    """
    if allow_legacy is None:
        allow_legacy = site.kubernetes.package_repos == "legacy"
    rel = release(node.os)
    k8s = site.kubernetes
    kube = kubernetes_packages(k8s.version, k8s.minor).via(k8s.package_mirror)
    containerd = node.container_runtime == "containerd"
    # containerd comes from Ubuntu's own archive; the mirror is for the third-party sources
    runtime = (
        containerd_packages()
        if containerd
        else crio_packages(k8s.minor, rel).via(k8s.package_mirror)
    )
    notes = [n for n in (runtime.legacy_note, kube.legacy_note) if n]
    if notes and not allow_legacy:
        refuse_legacy(k8s.minor, notes)
    steps = _os_steps(site)
    steps.append(
        Step(
            "apt-prerequisites",
            _dpkg_check(APT_PREREQUISITES, with_version=False),
            _installed(APT_PREREQUISITES),
            _apt_install(APT_PREREQUISITES, None),
        )
    )
    if not rel.has_keyrings_dir:
        steps.append(
            Step(
                "apt-keyrings",
                f"test -d {KEYRINGS}",
                Expect(""),
                (f"sudo -n mkdir -p -m 755 {KEYRINGS}",),
            )
        )
    if containerd:
        steps += _packages_steps("containerd", runtime)
        config = _file_step("containerd-config", CONTAINERD_CONFIG, list(CONTAINERD_CONFIG_LINES))
        # the running containerd reads its configuration at start: restart after writing it
        steps.append(dataclasses.replace(config, apply=(*config.apply, RESTART_CONTAINERD)))
        steps.append(_service_step("containerd", active=True))
    else:
        steps += _packages_steps("cri-o", runtime)
        steps.append(_service_step("crio", active=True))
    steps += _packages_steps("kubernetes", kube)
    steps.append(
        Step(
            "kubernetes-hold",
            "apt-mark showhold",
            Expect("(?s)" + "".join(rf"(?=.*^{p}$)" for p in K8S_PACKAGES) + ".*"),
            (f"sudo -n apt-mark hold {' '.join(K8S_PACKAGES)}",),
        )
    )
    steps.append(_service_step("kubelet", active=False))
    return BootstrapPlan(node=node.name, steps=tuple(steps), notes=tuple(notes))
