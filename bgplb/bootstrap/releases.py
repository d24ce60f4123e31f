"""Ubuntu releases the bootstrap supports, and what differs between them (data)."""

from __future__ import annotations

from dataclasses import dataclass

from bgplb.errors import InputError


@dataclass(frozen=True)
class UbuntuRelease:
    os: str  # the inventory's value, e.g. "ubuntu-20.04"
    version: str  # "20.04"
    codename: str
    # Upstream docs: "In releases older than Debian 12 and Ubuntu 22.04, /etc/apt/keyrings
    # does not exist by default, and it should be created before the curl command."
    has_keyrings_dir: bool

    @property
    def kubic_os(self) -> str:
        """The openSUSE kubic project's name for this release (legacy CRI-O repositories)."""
        return f"xUbuntu_{self.version}"


RELEASES: dict[str, UbuntuRelease] = {
    "ubuntu-20.04": UbuntuRelease("ubuntu-20.04", "20.04", "focal", has_keyrings_dir=False),
    "ubuntu-22.04": UbuntuRelease("ubuntu-22.04", "22.04", "jammy", has_keyrings_dir=True),
    "ubuntu-24.04": UbuntuRelease("ubuntu-24.04", "24.04", "noble", has_keyrings_dir=True),
}


def release(os_name: str) -> UbuntuRelease:
    try:
        return RELEASES[os_name]
    except KeyError:
        raise InputError(
            f"unsupported node OS {os_name!r} (supported: {', '.join(RELEASES)})"
        ) from None
