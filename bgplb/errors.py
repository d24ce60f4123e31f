"""The project's exception tree: one root, subclasses named for intent."""

from __future__ import annotations


class BgplbError(Exception):
    """Root of every error this project raises on purpose."""


class InputError(BgplbError):
    """Bad input (inventory, options): exit code 2, nothing was contacted."""


class DeviceError(BgplbError):
    """A device answered something we cannot accept (unparseable output, failed commit)."""


class ParseError(DeviceError):
    """Output that a parser cannot read: never turned into an empty success."""

    def __init__(self, what: str, detail: str, text: str = "") -> None:
        excerpt = text.strip().splitlines()[:5]
        suffix = ("; output began: " + " | ".join(excerpt)) if excerpt else ""
        super().__init__(f"cannot parse {what}: {detail}{suffix}")
        self.what = what
        self.text = text


class LabError(BgplbError):
    """The local twin cannot be built, reached or torn down."""
