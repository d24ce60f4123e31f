"""Text from the inventory, devices or the environment, made safe to print on a terminal.

Such text is never rich markup (a host named `x[/]` must print as itself, not crash the
console) and never a terminal control sequence: ESC, NUL, CR, other C0/C1 controls and the
invisible Unicode format characters (bidirectional overrides, zero-width) are shown as
`\\xNN` / `\\uNNNN` escapes. Newlines and tabs are kept.
"""

from __future__ import annotations

import re

from rich.markup import escape
from rich.text import Text

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(value: object) -> str:
    """`str(value)` with every control and invisible format character escaped."""
    return _UNSAFE.sub(_escaped, str(value))


def markup_safe(value: object) -> str:
    """For embedding in a rich markup string: `plain`, then markup brackets escaped."""
    return escape(plain(value))


def text(value: object, style: str = "") -> Text:
    """A rich Text cell (never parsed as markup) of `plain(value)`."""
    return Text(plain(value), style=style)
