"""NAPALM's config exceptions, also rooted in bgplb.errors so one `except BgplbError` sees them."""

from __future__ import annotations

from napalm.base.exceptions import CommandErrorException, CommitError, MergeConfigException

from bgplb.errors import DeviceError


class VyosMergeError(MergeConfigException, DeviceError):  # type: ignore[misc]
    """A candidate line was refused (by this driver or by VyOS); the candidate was discarded."""


class VyosCommitError(CommitError, DeviceError):  # type: ignore[misc]
    """commit, commit-confirm, confirm, save or rollback failed on the device."""


class VyosCommandError(CommandErrorException, DeviceError):  # type: ignore[misc]
    """An op-mode command given to cli() was rejected by VyOS."""
