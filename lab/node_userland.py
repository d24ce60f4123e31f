"""A twin node on a real Debian userland: the cached rootfs (lab/rootfs.py) under an overlayfs
of its own, in its own mount, UTS and PID namespaces inside the node's network namespace, with
the rootfs's real sshd (a host key of its own), bash, sudo, apt, dpkg and procps.

    <state>/nodes/<node>/upper   the node's changes over the rootfs (kept across restarts,
                                 cleared by `reset`: a fresh VM)
    <state>/nodes/<node>/work    overlayfs's work directory
    <state>/nodes/<node>/root    the mount point (mounted only inside the node's namespaces)

The overlay, /proc, /sys, /dev/pts and /run are mounted inside the node's own mount namespace,
so they vanish with its last process: stopping the node is killing one recorded PID
(`unshare --kill-child`), and nothing is left mounted on the machine.

Stand-ins (lab/node_standins.py): what would touch the machine's shared kernel or its init is
recorded, not done: modprobe, swapon/swapoff, systemctl, and sysctl for keys outside net.*
(net.* is real: per network namespace).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bgplb.errors import LabError
from lab import netns
from lab.apt_repo import DISTRO_BASE, DISTRO_SUITE, hosts_lines
from lab.node_standins import STANDIN_STATE, STANDINS, standin_files
from lab.rootfs import LOGIN_USER

LOGIN_UID = 1000  # lab/rootfs.py's useradd -u


@dataclass(frozen=True)
class NodeSpec:
    name: str
    namespace: str
    address: str
    host_key: Path  # OpenSSH private key; its .pub next to it
    authorized_key: str  # one authorized_keys line for the login user
    repo_address: str | None = None  # the twin's package server (lab/apt_repo.py), if any
    repo_ca: bytes = b""  # the twin CA's certificate (PEM) the node trusts for it
    # the twin's repositories' public key (binary): with it, the node's sources.list is the
    # twin's stand-in of its distribution archive (lab/apt_repo.py DISTRO_BASE)
    apt_key: bytes = b""


@dataclass(frozen=True)
class NodeDirs:
    base: Path

    @property
    def upper(self) -> Path:
        return self.base / "upper"

    @property
    def work(self) -> Path:
        return self.base / "work"

    @property
    def root(self) -> Path:
        return self.base / "root"


def reset(dirs: NodeDirs) -> None:
    """The node back to a fresh VM: its changes over the rootfs forgotten."""
    for d in (dirs.upper, dirs.work):
        if d.exists():
            shutil.rmtree(d)


def _put(upper: Path, path: str, content: str | bytes, mode: int, uid: int = 0) -> None:
    target = upper / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    target.write_bytes(content)
    os.chown(target, uid, uid)
    target.chmod(mode)


def prepare(rootfs: Path, dirs: NodeDirs, spec: NodeSpec) -> None:
    """The node's own files in its upper layer: hostname, hosts, host key, sshd's listen
    address, the login user's authorized key, the stand-ins. Files the node changed survive."""
    for d in (dirs.upper, dirs.work, dirs.root):
        d.mkdir(parents=True, exist_ok=True)
    up = dirs.upper
    if not (up / "etc/hostname").exists():  # first boot of this VM
        hosts = (
            f"127.0.0.1 localhost\n127.0.1.1 {spec.name}\n\n"
            "::1 ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n"
        )
        if spec.repo_address is not None:
            hosts += hosts_lines(spec.repo_address)
        _put(up, "/etc/hosts", hosts, 0o644)
        _put(up, "/etc/hostname", spec.name + "\n", 0o644)
        _put(up, f"{STANDIN_STATE}/swaps", "/swap.img\n", 0o644)
    _put(up, "/etc/ssh/ssh_host_ed25519_key", spec.host_key.read_bytes(), 0o600)
    pub = spec.host_key.with_name(spec.host_key.name + ".pub")
    _put(up, "/etc/ssh/ssh_host_ed25519_key.pub", pub.read_bytes(), 0o644)
    sshd = (
        f"ListenAddress {spec.address}\nHostKey /etc/ssh/ssh_host_ed25519_key\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUseDNS no\n"
    )
    _put(up, "/etc/ssh/sshd_config.d/bgplab.conf", sshd, 0o644)
    home = f"/home/{LOGIN_USER}"
    _put(up, f"{home}/.ssh/authorized_keys", spec.authorized_key.strip() + "\n", 0o600, LOGIN_UID)
    os.chown(up / home.lstrip("/") / ".ssh", LOGIN_UID, LOGIN_UID)
    (up / home.lstrip("/") / ".ssh").chmod(0o700)
    os.chown(up / home.lstrip("/"), LOGIN_UID, LOGIN_UID)
    if spec.repo_ca:
        bundle = (rootfs / "etc/ssl/certs/ca-certificates.crt").read_bytes() + spec.repo_ca
        _put(up, "/etc/ssl/certs/ca-certificates.crt", bundle, 0o644)
        _put(up, "/usr/local/share/ca-certificates/bgplab-twin.crt", spec.repo_ca, 0o644)
    if spec.apt_key:
        line = f"deb {DISTRO_BASE} {DISTRO_SUITE} main\n"
        _put(up, "/etc/apt/sources.list", line, 0o644)
        _put(up, "/etc/apt/trusted.gpg.d/bgplab-twin-archive.gpg", spec.apt_key, 0o644)
    for path, (content, mode) in standin_files(rootfs).items():
        _put(up, path, content, mode)


def boot_script(rootfs: Path, dirs: NodeDirs, spec: NodeSpec) -> str:
    """What runs inside the node's new namespaces (as PID 1 of its PID namespace, then sshd)."""
    r = shlex.quote(str(dirs.root))
    lower, upper, work = (shlex.quote(str(p)) for p in (rootfs, dirs.upper, dirs.work))
    return "\n".join(
        [
            "set -e",
            f"mount -t overlay overlay -o lowerdir={lower},upperdir={upper},workdir={work} {r}",
            f"mount -t proc proc {r}/proc",
            f"mount -t sysfs sysfs {r}/sys",
            f"mount --rbind /dev {r}/dev",
            f"mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts {r}/dev/pts",
            f"mount --bind {r}/dev/pts/ptmx {r}/dev/ptmx",
            f"mount -t tmpfs -o mode=755 tmpfs {r}/run",
            f"mount -t tmpfs -o mode=1777 tmpfs {r}/tmp",
            f"mkdir -p -m 755 {r}/run/sshd",
            f"hostname {shlex.quote(spec.name)}",
            f"exec chroot {r} /usr/sbin/sshd -D -e",
        ]
    )


def boot_argv(rootfs: Path, dirs: NodeDirs, spec: NodeSpec) -> list[str]:
    inner = [
        "unshare",
        "--mount",
        "--uts",
        "--pid",
        "--fork",
        "--kill-child",
        "--propagation",
        "private",
        "/bin/sh",
        "-c",
        boot_script(rootfs, dirs, spec),
    ]
    return netns.exec_argv(spec.namespace, inner)


def start(rootfs: Path, dirs: NodeDirs, spec: NodeSpec, log: Path) -> subprocess.Popen[bytes]:
    """Boot the node; its sshd listens once `wait_ssh` says so. The process to stop is the
    returned one (unshare): its child, the node's PID 1, dies with it, and so does the node."""
    prepare(rootfs, dirs, spec)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as fh:
        return subprocess.Popen(
            boot_argv(rootfs, dirs, spec),
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def node_pid1(unshare_pid: int) -> int | None:
    """The node's PID 1 (its sshd), the child of the recorded `unshare` process."""
    try:
        children = Path(f"/proc/{unshare_pid}/task/{unshare_pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def exec_argv(pid1: int, user: str, command: list[str]) -> list[str]:
    """Run `command` in the node (all its namespaces and its root) as `user`, through the
    user's login shell; the words are quoted, so each reaches the command as given."""
    return [
        "nsenter",
        "--target",
        str(pid1),
        "--mount",
        "--uts",
        "--pid",
        "--net",
        "--root",
        "--wd=/",
        "--",
        "/usr/sbin/runuser",
        "--login",
        user,
        "--command",
        shlex.join(command),
    ]


VOLATILE = ("var/log/", "var/cache/", "var/lib/sudo/", "var/lib/apt/lists/")
# records a login leaves: bash's history, and sudo's note of its first use (Debian's and
# Ubuntu's sudo write ~/.sudo_as_admin_successful for a member of group sudo)
VOLATILE_NAMES = (".bash_history", ".sudo_as_admin_successful")


def changed_files(dirs: NodeDirs) -> dict[str, str]:
    """What the node changed over the rootfs, path -> sha256 (logs, caches, apt's lists, and
    what logging in and using sudo leave: VOLATILE, VOLATILE_NAMES): equal before and after a
    run that changed nothing on the node."""
    out = {}
    for path in sorted(dirs.upper.rglob("*")):
        rel = str(path.relative_to(dirs.upper))
        if rel.startswith(VOLATILE) or path.name in VOLATILE_NAMES or not path.is_file():
            continue
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def check_tools() -> None:
    for tool in ("unshare", "chroot", "mount", "nsenter"):
        if shutil.which(tool) is None:
            raise LabError(f"real-userland nodes need {tool} (util-linux, coreutils)")


__all__ = ["STANDINS", "NodeDirs", "NodeSpec", "boot_argv", "prepare", "reset", "start"]
