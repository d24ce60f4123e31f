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
    # what the release's archive has beyond the installed packages (name -> version)
    archive: dict[str, str]
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
        # focal-updates as recorded in tests/fixtures/ubuntu/focal/facts/*-archive-policy.stdout
        archive={"containerd": "1.7.24-0ubuntu1~20.04.2", "runc": "1.1.12-0ubuntu2~20.04.1"},
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
        # jammy-updates as recorded in tests/fixtures/ubuntu/jammy/facts/*-archive-policy.stdout
        archive={"containerd": "2.2.1-0ubuntu1~22.04.2", "runc": "1.3.4-0ubuntu1~22.04.1"},
        modules=_MODULES,
        sysctls=_SYSCTLS,
        services=_SERVICES,
    ),
    # 24.04: /etc/apt/keyrings exists; the archive is a deb822 file in sources.list.d
    "ubuntu-24.04": EmulatedRelease(
        pretty="Ubuntu 24.04.2 LTS",
        kernel="6.8.0-60-generic",
        apt_version="2.7.14build2",
        dirs=(*_DIRS, "/etc/apt/keyrings"),
        files={
            "/etc/fstab": _FSTAB,
            "/etc/sysctl.conf": "#\n# /etc/sysctl.conf - Configuration file for setting system variables\n#\n",  # noqa: E501
            "/etc/os-release": 'PRETTY_NAME="Ubuntu 24.04.2 LTS"\nNAME="Ubuntu"\n'
            'VERSION_ID="24.04"\nVERSION="24.04.2 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\n'
            "ID=ubuntu\n",
            "/etc/apt/sources.list.d/ubuntu.sources": "Types: deb\nURIs: http://archive.ubuntu.com/ubuntu\nSuites: noble noble-updates\nComponents: main restricted universe\n",  # noqa: E501
        },
        packages=_packages(
            "2.7.14build2",
            {
                "bash": "5.2.21-2ubuntu4",
                "coreutils": "9.4-3ubuntu6",
                "curl": "8.5.0-2ubuntu10.6",
                "gpg": "2.4.4-2ubuntu17.2",
                "grep": "3.11-4build1",
                "sed": "4.9-2build1",
                "sudo": "1.9.15p5-3ubuntu5.24.04.1",
                "systemd": "255.4-1ubuntu8.6",
            },
        ),
        # noble-updates as recorded in tests/fixtures/ubuntu/noble/facts/*-archive-policy.stdout
        archive={"containerd": "2.2.1-0ubuntu1~24.04.4", "runc": "1.3.4-0ubuntu1~24.04.1"},
        modules=_MODULES,
        sysctls=_SYSCTLS,
        services=_SERVICES,
    ),
}
