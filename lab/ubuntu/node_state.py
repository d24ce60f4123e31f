"""One emulated Ubuntu node's state: files, packages, swap, modules, sysctls, services.

Kept as JSON in `<state_dir>/ubuntu/<node>.json`, read and written under a file lock around
every command line, so every session (and every process) sees one consistent node.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lab.ubuntu.releases import RELEASES, EmulatedRelease

# A login's PATH: Ubuntu's /etc/environment has the sbin directories, Debian's login does not
# (its /etc/profile adds them for root only).
UBUNTU_PATH = (
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games"
    ":/snap/bin"
)
DEBIAN_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/games"
# sudo's secure_path (Ubuntu's and Debian's sudoers)
SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin"
BRIDGE_SYSCTLS = (
    "net.bridge.bridge-nf-call-arptables",
    "net.bridge.bridge-nf-call-ip6tables",
    "net.bridge.bridge-nf-call-iptables",
)
# Built-in modules without parameters get no /sys/module/<name> directory.
NO_SYSFS_WHEN_BUILTIN = frozenset({"br_netfilter", "stp", "llc"})


@dataclass(frozen=True)
class Variant:
    """How a node differs from its release's cloud image, as real machines do: a kernel with
    modules built in (and perhaps no loadable modules at all, so no /proc/modules), a login
    PATH without sbin, directories a minimal system lacks."""

    builtin_modules: tuple[str, ...] = ()
    proc_modules: bool = True
    user_path: str = UBUNTU_PATH
    missing_dirs: tuple[str, ...] = ()


CLOUD_IMAGE = Variant()


@dataclass
class FileEntry:
    content: str
    mode: int = 0o644


@dataclass
class Package:
    version: str
    held: bool = False


@dataclass
class Service:
    enabled: bool = False
    active: bool = False


@dataclass
class NodeState:
    hostname: str
    os: str = "ubuntu-20.04"
    files: dict[str, FileEntry] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    packages: dict[str, Package] = field(default_factory=dict)
    apt_index: dict[str, list[str]] = field(default_factory=dict)  # after apt-get update
    swaps: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    sysctls: dict[str, str] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    builtin_modules: list[str] = field(default_factory=list)
    proc_modules: bool = True
    user_path: str = UBUNTU_PATH

    @property
    def release(self) -> EmulatedRelease:
        return RELEASES[self.os]

    # ---- file system ----

    def is_dir(self, path: str) -> bool:
        return path == "/" or path in self.dirs or path in self.kernel_dirs()

    def in_kernel(self, module: str) -> bool:
        return module in self.modules or module in self.builtin_modules

    def kernel_dirs(self) -> set[str]:
        """/sys/module/<name> of each loaded module and of each built-in one with parameters;
        /proc/sys/net/bridge once br_netfilter is in the kernel."""
        out = {f"/sys/module/{m}" for m in self.modules}
        out |= {f"/sys/module/{m}" for m in self.builtin_modules if m not in NO_SYSFS_WHEN_BUILTIN}
        if self.in_kernel("br_netfilter"):
            out.add("/proc/sys/net/bridge")
        return out

    def parent_ok(self, path: str) -> bool:
        return self.is_dir(os.path.dirname(path) or "/")

    def mkdir(self, path: str) -> None:
        while path not in ("/", ""):
            self.dirs.add(path)
            path = os.path.dirname(path)

    def write(self, path: str, content: str, append: bool = False, mode: int = 0o644) -> None:
        old = self.files.get(path)
        if append and old is not None:
            old.content += content
        elif old is not None:
            old.content = content
        else:
            self.files[path] = FileEntry(content, mode)

    def remove_tree(self, path: str) -> None:
        for name in [f for f in self.files if f == path or f.startswith(path + "/")]:
            del self.files[name]
        for name in [d for d in self.dirs if d.startswith(path + "/")]:
            self.dirs.discard(name)

    def installed(self, name: str) -> bool:
        return name in self.packages

    # ---- JSON ----

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["dirs"] = sorted(self.dirs)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NodeState:
        return cls(
            hostname=data["hostname"],
            os=data["os"],
            files={k: FileEntry(**v) for k, v in data["files"].items()},
            dirs=set(data["dirs"]),
            packages={k: Package(**v) for k, v in data["packages"].items()},
            apt_index={k: list(v) for k, v in data["apt_index"].items()},
            swaps=list(data["swaps"]),
            modules=list(data["modules"]),
            sysctls=dict(data["sysctls"]),
            services={k: Service(**v) for k, v in data["services"].items()},
            # absent from a node saved before variants existed: the cloud image's
            builtin_modules=list(data.get("builtin_modules", [])),
            proc_modules=bool(data.get("proc_modules", True)),
            user_path=str(data.get("user_path", UBUNTU_PATH)),
        )


def fresh_node(
    hostname: str, os_name: str = "ubuntu-20.04", variant: Variant = CLOUD_IMAGE
) -> NodeState:
    """A node as the write-up's uvtool cloud image boots: swap on, nothing for Kubernetes."""
    rel = RELEASES[os_name]
    state = NodeState(hostname=hostname, os=os_name)
    for d in rel.dirs:
        if d not in variant.missing_dirs:
            state.mkdir(d)
    hosts = (
        f"127.0.0.1 localhost\n127.0.1.1 {hostname}\n\n"
        "# The following lines are desirable for IPv6 capable hosts\n"
        "::1 ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\n"
        "ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n"
    )
    state.write("/etc/hosts", hosts)
    state.write("/etc/hostname", hostname + "\n")
    for path, content in rel.files.items():
        state.write(path, content)
    state.packages = {name: Package(version) for name, version in rel.packages.items()}
    state.swaps = ["/swap.img"]
    state.modules = list(rel.modules) if variant.proc_modules else []
    state.sysctls = dict(rel.sysctls)
    state.builtin_modules = list(variant.builtin_modules)
    state.proc_modules = variant.proc_modules
    state.user_path = variant.user_path
    if "br_netfilter" in variant.builtin_modules:
        state.sysctls |= dict.fromkeys(BRIDGE_SYSCTLS, "1")
    state.services = {name: Service(True, True) for name in rel.services}
    return state


class NodeStore:
    """The JSON file of one node; `transaction()` yields the state and saves it after."""

    def __init__(
        self,
        path: Path,
        hostname: str,
        os_name: str = "ubuntu-20.04",
        variant: Variant = CLOUD_IMAGE,
    ) -> None:
        self.path = path
        self.hostname = hostname
        self.os_name = os_name
        self.variant = variant

    @classmethod
    def in_lab(cls, state_dir: Path, hostname: str, os_name: str = "ubuntu-20.04") -> NodeStore:
        return cls(state_dir / "ubuntu" / f"{hostname}.json", hostname, os_name)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> NodeState:
        if not self.path.exists():
            return fresh_node(self.hostname, self.os_name, self.variant)
        return NodeState.from_json(json.loads(self.path.read_text()))

    def load(self) -> NodeState:
        with self._locked():
            return self._read()

    @contextmanager
    def transaction(self) -> Iterator[NodeState]:
        with self._locked():
            state = self._read()
            yield state
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state.to_json(), indent=1, sort_keys=True))
            tmp.replace(self.path)
