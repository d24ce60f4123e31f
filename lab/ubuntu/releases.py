"""What a freshly booted Ubuntu cloud image holds, per release (data)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EmulatedRelease:
    pretty: str
    kernel: str
    apt_version: str
    dirs: tuple[str, ...]
    files: dict[str, str]
    packages: dict[str, str]
    modules: tuple[str, ...]
    sysctls: dict[str, str]
    services: tuple[str, ...]


_DIRS = (
    "/etc/apt/sources.list.d",
    "/etc/apt/trusted.gpg.d",
    "/etc/modules-load.d",
    "/etc/sysctl.d",
    "/etc/systemd/system",
    "/home/ubuntu",
    "/tmp",
    "/var/lib/dpkg",
    "/usr/share/keyrings",
    "/dev",
    "/proc/sys/net/ipv4",
)
_FSTAB = (
    "LABEL=cloudimg-rootfs\t/\t ext4\tdefaults\t0 1\n"
    "LABEL=UEFI\t/boot/efi\tvfat\tumask=0077\t0 1\n"
    "/swap.img\tnone\tswap\tsw\t0\t0\n"
)
_SYSCTLS = {
    "net.ipv4.ip_forward": "0",
    "net.ipv4.conf.all.rp_filter": "2",
    "vm.swappiness": "60",
    "kernel.hostname": "",
}
_MODULES = ("ip_tables", "x_tables", "autofs4", "psmouse", "virtio_net")
_SERVICES = ("ssh", "systemd-resolved", "cron", "rsyslog")


def _packages(apt: str, extra: dict[str, str]) -> dict[str, str]:
    base = {
        "apt": apt,
        "bash": "5.0-6ubuntu1.1",
        "ca-certificates": "20210119~20.04.1",
        "coreutils": "8.30-3ubuntu2",
        "curl": "7.68.0-1ubuntu2.5",
        "gpg": "2.2.19-3ubuntu2.1",
        "grep": "3.4-1",
        "kmod": "27-1ubuntu2",
        "openssh-server": "1:8.2p1-4ubuntu0.2",
        "procps": "2:3.3.16-1ubuntu2.1",
        "sed": "4.7-1",
        "sudo": "1.8.31-1ubuntu1.2",
        "systemd": "245.4-4ubuntu3.6",
        "util-linux": "2.34-0.1ubuntu9.1",
    }
    return base | extra


RELEASES: dict[str, EmulatedRelease] = {
    "ubuntu-20.04": EmulatedRelease(
        pretty="Ubuntu 20.04.2 LTS",
        kernel="5.4.0-73-generic",
        apt_version="2.0.5",
        dirs=_DIRS,
        files={
            "/etc/fstab": _FSTAB,
            "/etc/sysctl.conf": "#\n# /etc/sysctl.conf - Configuration file for setting system variables\n#\n",  # noqa: E501
            "/etc/os-release": 'NAME="Ubuntu"\nVERSION="20.04.2 LTS (Focal Fossa)"\nID=ubuntu\n'
            'VERSION_ID="20.04"\nVERSION_CODENAME=focal\n',
            "/etc/apt/sources.list": "deb http://archive.ubuntu.com/ubuntu focal main restricted universe\n",  # noqa: E501
        },
        packages=_packages("2.0.5", {}),
        modules=_MODULES,
        sysctls=_SYSCTLS,
        services=_SERVICES,
    ),
    "ubuntu-22.04": EmulatedRelease(
        pretty="Ubuntu 22.04.4 LTS",
        kernel="5.15.0-105-generic",
        apt_version="2.4.12",
        dirs=(*_DIRS, "/etc/apt/keyrings"),
        files={
            "/etc/fstab": _FSTAB,
            "/etc/sysctl.conf": "#\n# /etc/sysctl.conf - Configuration file for setting system variables\n#\n",  # noqa: E501
            "/etc/os-release": 'NAME="Ubuntu"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\n'
            'VERSION_ID="22.04"\nVERSION_CODENAME=jammy\n',
            "/etc/apt/sources.list": "deb http://archive.ubuntu.com/ubuntu jammy main restricted universe\n",  # noqa: E501
        },
        packages=_packages("2.4.12", {"sed": "4.8-1ubuntu2", "grep": "3.7-1build1"}),
        modules=_MODULES,
        sysctls=_SYSCTLS,
        services=_SERVICES,
    ),
}
