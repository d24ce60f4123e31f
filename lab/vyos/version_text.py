"""`show version` and the login banner, per VyOS build (lab/vyos/versions.py VersionText).

The 1.4-rolling-202105210417 text is the reference lab's capture (seed). Later versions use
the vyos-1x op_mode/version.py template (transcripts §9a) with the twin's own build facts:
`Release train:` from ed01c03fc (2021-09-11), `Release flavor:` from cc0573a78 (2024-05-15),
`Secure Boot:` from b78cc96cc (2024-09-16).
"""

from __future__ import annotations

from lab.vyos.versions import RouterVersion, VersionText

REFERENCE_VERSION = "1.4-rolling-202105210417"

_OLD = """
Version:          VyOS {version}
Release Train:    {train}

Built by:         autobuild@vyos.net
Built on:         Sat 22 May 2021 01:17 UTC
Build UUID:       5246be6e-6f0e-4ab5-8586-26311de3ab8f
Build Commit ID:  4e0a56eaa2aa51

Architecture:     x86_64
Boot via:         installed image
System type:      KVM guest

Hardware vendor:  QEMU
Hardware model:   Standard PC (Q35 + ICH9, 2009)
Hardware S/N:
Hardware UUID:    5e8d2880-7d2d-4e2a-ab6b-b0a36f561246

Copyright:        VyOS maintainers and contributors
"""

_NEW = """\
Version:          VyOS {version}
Release train:    {train}
{flavor}
Built by:         autobuild@vyos.net
Built on:         Mon 21 Oct 2024 00:00 UTC
Build UUID:       5246be6e-6f0e-4ab5-8586-26311de3ab8f
Build commit ID:  4e0a56eaa2aa51

Architecture:     x86_64
Boot via:         installed image
System type:      KVM guest
{secure_boot}
Hardware vendor:  QEMU
Hardware model:   Standard PC (Q35 + ICH9, 2009)
Hardware S/N:
Hardware UUID:    5e8d2880-7d2d-4e2a-ab6b-b0a36f561246

Copyright:        VyOS maintainers and contributors
"""


def show_version(router: RouterVersion) -> str:
    style = router.version_text
    if style is VersionText.OLD:
        return _OLD.format(version=router.version, train=router.release_train)
    flavor = "" if style is VersionText.CAPS_FIXED else "Release flavor:   generic\n"
    secure = "Secure Boot:      n/a (BIOS)\n" if style is VersionText.SECURE_BOOT else ""
    return _NEW.format(
        version=router.version, train=router.release_train, flavor=flavor, secure_boot=secure
    )


def banner(router: RouterVersion) -> str:
    """Post-login MOTD (vyos-1x data/templates/login/default_motd.j2, self-built image)."""
    return (
        "Welcome to VyOS!\n"
        "\n"
        "   ┌── ┐\n"
        f"   . VyOS {router.version}\n"
        f"   └ ──┘  {router.release_train}\n"
        "\n"
        f" * Documentation:  https://docs.vyos.io/en/{router.release_train}\n"
        " * Project news:   https://blog.vyos.io\n"
        " * Bug reports:    https://vyos.dev\n"
        "\n"
        'You can change this banner using "set system login banner post-login" command.\n'
        "\n"
        "VyOS is a free software distribution that includes multiple components,\n"
        "you can check individual component licenses under /usr/share/doc/*/copyright\n"
    )
