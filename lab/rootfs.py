"""The Debian rootfs the twin's real-userland nodes run on: made once per machine with
debootstrap from Debian's archive, cached, shared read-only by every node (each node mounts it
as the lower layer of its own overlayfs, see lab/node_userland.py).

    python -m lab.rootfs          # build it unless cached; prints where and how long it took

The cache lives outside every twin's state directory (`down --purge` keeps it):
/var/tmp/bgplab-rootfs/<suite>/ with `root/` the tree and `built.json` written last (its
presence means the tree is whole: an interrupted build is started over).

What the reference VMs' cloud image has and minbase lacks is added at build time: sshd, sudo,
procps, iproute2, and the tools the bootstrap's prerequisites step asks for (ca-certificates,
curl, gpg, apt-transport-https), since a node's namespace cannot reach Debian's archive later.
The login user is the reference VMs' `ubuntu` (uid 1000) with sudo without a password.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bgplb.errors import LabError

CACHE = Path("/var/tmp/bgplab-rootfs")
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
INCLUDE = (
    "openssh-server",
    "sudo",
    "procps",
    "iproute2",
    "ca-certificates",
    "curl",
    "gpg",
    "apt-transport-https",
    # what the real kubelet and kubeadm packages depend on (lab/apt_repo.py DEPENDS), which a
    # node would fetch from its distribution's archive: the nodes cannot reach Debian's
    "iptables",
    "conntrack",
    "socat",
    "ebtables",
    "ethtool",
)
LOGIN_USER = "ubuntu"
BUILD_TIMEOUT = 900.0


@dataclass(frozen=True)
class Rootfs:
    root: Path
    build_seconds: float  # how long the one-time build took (when it ran, maybe long ago)
    built_now: bool


def cache_dir(suite: str = SUITE, cache: Path = CACHE) -> Path:
    return cache / suite


def cached(suite: str = SUITE, cache: Path = CACHE) -> Rootfs | None:
    marker = cache_dir(suite, cache) / "built.json"
    if not marker.exists():
        return None
    data = json.loads(marker.read_text())
    if data.get("include") != list(INCLUDE):  # made with other packages: made again
        return None
    return Rootfs(cache_dir(suite, cache) / "root", float(data["build_seconds"]), False)


def _run(argv: list[str], what: str, timeout: float = 120.0) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-8:])
        raise LabError(f"rootfs: {what} failed ({proc.returncode}): {tail}")


def _configure(root: Path) -> None:
    """The reference VMs' login user, sudo without a password, no host keys (each node gets
    its own), a cloud image's swap line in fstab (the bootstrap comments it out)."""
    chroot = ["chroot", str(root)]
    _run([*chroot, "useradd", "-m", "-u", "1000", "-s", "/bin/bash", LOGIN_USER], "useradd")
    _run([*chroot, "usermod", "-aG", "sudo", LOGIN_USER], "usermod")
    sudoers = root / "etc/sudoers.d/90-cloud-init-users"
    sudoers.write_text(f"# as cloud-init writes it\n{LOGIN_USER} ALL=(ALL) NOPASSWD:ALL\n")
    sudoers.chmod(0o440)
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc/fstab").write_text(
        "LABEL=cloudimg-rootfs\t/\t ext4\tdefaults\t0 1\n/swap.img\tnone\tswap\tsw\t0\t0\n"
    )
    _forget_archive(root)


def _forget_archive(root: Path) -> None:
    """A node's namespace cannot reach Debian's archive: no source to fail on, and no index of
    it (the twin serves its own at the archive's URL, lab/apt_repo.py; apt would refuse that
    one as the same repository changing hands). Idempotent."""
    (root / "etc/apt/sources.list").write_text(
        "# bgplab: the twin's nodes have no route to Debian's archive (lab/rootfs.py)\n"
    )
    for deb in (root / "var/cache/apt/archives").glob("*.deb"):
        deb.unlink()
    for index in (root / "var/lib/apt/lists").glob("*"):
        if index.is_file() and index.name != "lock":
            index.unlink()


def ensure(suite: str = SUITE, cache: Path = CACHE, mirror: str = MIRROR) -> Rootfs:
    """The cached rootfs, built first when missing (needs root, debootstrap and the archive).
    One build at a time per machine: a second caller waits, then finds it cached."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{suite}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            found = cached(suite, cache)
            if found is not None:
                _forget_archive(found.root)  # a cache made before it forgot the indexes
                return found
            return _build(suite, cache, mirror)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build(suite: str, cache: Path, mirror: str) -> Rootfs:
    if shutil.which("debootstrap") is None:
        raise LabError("rootfs: debootstrap is not installed (make system-deps installs it)")
    base = cache_dir(suite, cache)
    work = base / "root.partial"
    shutil.rmtree(work, ignore_errors=True)
    base.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    argv = [
        "debootstrap",
        "--variant=minbase",
        "--include=" + ",".join(INCLUDE),
        suite,
        str(work),
        mirror,
    ]
    _run(argv, "debootstrap", timeout=BUILD_TIMEOUT)
    _configure(work)
    shutil.rmtree(base / "root", ignore_errors=True)
    work.rename(base / "root")
    seconds = time.monotonic() - start
    (base / "built.json").write_text(
        json.dumps(
            {
                "suite": suite,
                "mirror": mirror,
                "include": list(INCLUDE),
                "build_seconds": round(seconds, 1),
            }
        )
    )
    return Rootfs(base / "root", seconds, True)


def describe(rootfs: Rootfs) -> str:
    how = "built now" if rootfs.built_now else "cached; its one-time build took"
    return f"rootfs {rootfs.root}: {how} {rootfs.build_seconds:.1f} s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="build (once) the twin nodes' Debian rootfs")
    parser.add_argument("--suite", default=SUITE)
    args = parser.parse_args(argv)
    print(describe(ensure(args.suite)))


if __name__ == "__main__":
    main()
