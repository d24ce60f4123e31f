"""VyOS configuration paths: the one place that parses, quotes, renders and looks up set lines.

Two text forms meet here, and each has one reader and one writer:

- **What the router prints.** `show configuration commands` (vyos1x-config
  `Config_tree.render_commands`, ../shared/notes/vyos-transcripts.md 10a) prints path words
  bare and a leaf value in single quotes *without escaping*: a description `Bob's node` comes
  out as `... description 'Bob's node'`. It may also print `comment <path> '<text>'` lines.
  `parse_show_commands` reads that form: the value is everything between the first quote and
  the last one of the line.
- **What is typed at the config prompt.** VyOS's CLI is bash, so every line the toolkit sends
  is a bash command line. `render_set`, `render_delete` and `render_command` quote every word
  by one rule (`quote_word`) so that bash hands it to `set`/`delete` as exactly that word,
  whatever it holds (`'`, `$(...)`, backticks, `;`, globs). A word with a control character
  cannot be typed on one line and is refused. `parse_typed` reads a typed line back, and
  refuses anything bash would treat as syntax instead of a word.

The BGP paths the toolkit owns are named here too, relative to `bgp_base`, which is where the
dialects differ (`protocols bgp <ASN>` on 1.3 and early rolling builds).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bgplb.errors import InputError, ParseError
from bgplb.vyos.dialects import BgpSyntax, VyosDialect

Path = tuple[str, ...]

BGP: Path = ("protocols", "bgp")
IPV4_UNICAST: Path = ("address-family", "ipv4-unicast")  # relative to bgp_base
MAXIMUM_PATHS_EBGP: Path = (*IPV4_UNICAST, "maximum-paths", "ebgp")
MAXIMUM_PATHS_IBGP: Path = (*IPV4_UNICAST, "maximum-paths", "ibgp")
EBGP_REQUIRES_POLICY: Path = ("parameters", "ebgp-requires-policy")
LAYER4_HASHING: Path = ("system", "ip", "multipath", "layer4-hashing")
# BFD (the same words in every dialect; bgplb/vyos/dialects.py says where they come from)
BFD_PEER: Path = ("protocols", "bfd", "peer")  # + <address>
BFD_RECEIVE: Path = ("interval", "receive")  # relative to a BFD peer, milliseconds
BFD_TRANSMIT: Path = ("interval", "transmit")
BFD_MULTIPLIER: Path = ("interval", "multiplier")
NEIGHBOR_BFD: Path = ("bfd",)  # relative to a neighbor: BGP asks bfdd about this session

VERBS = ("set", "delete")
SHOW_COMMANDS = "show configuration commands"

# Characters bash passes through unchanged in an unquoted word, anywhere in the word.
_SAFE_WORD = re.compile(r"[A-Za-z0-9_./:@%+=,-]+")
# Anything below space, and DEL: cannot be typed as part of one command line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:@%+=,-")


class UnsafeWord(InputError):
    """A word that cannot be typed on one VyOS command line (a control character)."""


def check_word(word: str, what: str = "value") -> str:
    """`word` unchanged, or UnsafeWord naming `what` when it holds a control character."""
    bad = _CONTROL.search(word)
    if bad:
        raise UnsafeWord(
            f"{what} {word!r}: control character {bad.group()!r} cannot be sent to VyOS"
        )
    return word


def quote_word(word: str) -> str:
    """The word as bash must see it to pass it on literally: bare when that is safe,
    else in single quotes with each `'` written `'\\''` (POSIX shell quoting)."""
    check_word(word)
    if _SAFE_WORD.fullmatch(word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def quote_value(value: str) -> str:
    """A leaf value, always single-quoted as `show configuration commands` prints it."""
    check_word(value)
    return "'" + value.replace("'", "'\\''") + "'"


def render_command(verb: str, words: Sequence[str]) -> str:
    """`set a b c` / `delete a b`: every word quoted by `quote_word`."""
    if verb not in VERBS:
        raise InputError(f"only {' and '.join(VERBS)} lines are sent to VyOS, not {verb!r}")
    if not words:
        raise InputError(f"a `{verb}` line needs a path")
    return " ".join((verb, *(quote_word(w) for w in words)))


def render_set(path: Path, value: str | None = None) -> str:
    """A set line, the value single-quoted (as `show configuration commands` prints it)."""
    line = render_command("set", path)
    return f"{line} {quote_value(value)}" if value is not None else line


def render_delete(path: Path) -> str:
    return render_command("delete", path)


def parse_typed(line: str) -> tuple[str, Path]:
    """A typed `set`/`delete` line -> (verb, words), reading quotes as bash does.

    Only plain words are accepted: bare characters that bash leaves alone, '...' (literal),
    "..." without `$`, backquote, `\\` or `!` inside, and `\\'` between words' parts.
    Everything else (`;`, `|`, `&`, `$`, backquotes, redirections, globs, `#`, `~`, braces,
    control characters) is an InputError naming the position: such a line would run more
    than a configuration command.
    """
    words = _bash_words(line)
    if not words:
        raise InputError("empty configuration line")
    verb, path = words[0], tuple(words[1:])
    if verb not in VERBS:
        raise InputError(f"only set and delete lines can be sent; refused: {line!r}")
    if not path:
        raise InputError(f"a `{verb}` line needs a path: {line!r}")
    return verb, path


def _bash_words(line: str) -> list[str]:
    words: list[str] = []
    current: list[str] | None = None
    i, n = 0, len(line)

    def refuse(why: str) -> InputError:
        return InputError(f"{why} at column {i + 1} of {line!r}: not a plain VyOS command")

    while i < n:
        c = line[i]
        if c in " \t":
            if current is not None:
                words.append("".join(current))
                current = None
            i += 1
            continue
        part = current if current is not None else []
        if c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise refuse("unterminated single quote")
            part.append(line[i + 1 : end])
            i = end + 1
        elif c == '"':
            end = line.find('"', i + 1)
            if end < 0:
                raise refuse("unterminated double quote")
            inner = line[i + 1 : end]
            if any(ch in inner for ch in "$`\\!"):
                raise refuse("expansion inside double quotes")
            part.append(inner)
            i = end + 1
        elif c == "\\" and i + 1 < n and line[i + 1] == "'":
            part.append("'")
            i += 2
        elif c in _BARE:
            part.append(c)
            i += 1
        else:
            raise refuse(f"shell character {c!r}")
        current = part
    if current is not None:
        words.append("".join(current))
    for word in words:
        bad = _CONTROL.search(word)
        if bad:
            raise InputError(f"control character {bad.group()!r} in {line!r}")
    return words


def parse_show_commands(text: str) -> list[Path]:
    """`show configuration commands` -> the path of every `set` line, value last.

    `comment` lines are skipped; blank lines too; any other line is a ParseError.
    """
    paths: list[Path] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        verb, _, rest = line.partition(" ")
        if verb == "comment":
            continue
        if verb != "set" or not rest.strip():
            raise ParseError(SHOW_COMMANDS, f"line {number} is not a set command: {line!r}", text)
        paths.append(_shown_path(rest.strip(), number, text))
    return paths


def _shown_path(rest: str, number: int, text: str) -> Path:
    quote = rest.find("'")
    if quote < 0:
        return tuple(rest.split())
    if not rest.endswith("'") or quote == len(rest) - 1:
        raise ParseError(SHOW_COMMANDS, f"line {number}: unterminated value quote", text)
    words = rest[:quote].split()
    if rest[:quote] and not rest[:quote].endswith(" "):
        raise ParseError(SHOW_COMMANDS, f"line {number}: quote inside a path word", text)
    return (*words, rest[quote + 1 : -1])


def under(paths: Iterable[Path], prefix: Path) -> list[Path]:
    n = len(prefix)
    return [p for p in paths if p[:n] == prefix]


def values_at(paths: Iterable[Path], path: Path) -> list[str]:
    """The values of leaf `path` (one per line for a multi-value leaf)."""
    n = len(path)
    return [p[n] for p in paths if len(p) == n + 1 and p[:n] == path]


def bfd_peer(address: str) -> Path:
    """`protocols bfd peer <address>`."""
    return (*BFD_PEER, address)


def bgp_base(dialect: VyosDialect, asn: int) -> Path:
    """Where a dialect keeps the BGP configuration: `protocols bgp [<ASN>]`."""
    return (*BGP, str(asn)) if dialect.bgp_syntax is BgpSyntax.TAG_ASN else BGP


def bgp_relative(path: Path) -> Path | None:
    """`protocols bgp [<ASN>] x y` -> `(x, y)`, for any dialect; None outside BGP."""
    if path[:2] != BGP:
        return None
    rest = path[2:]
    return rest[1:] if rest and rest[0].isdigit() else rest


def bgp_values(paths: Iterable[Path], relative: Path) -> list[str]:
    """Values of a BGP leaf given relative to `bgp_base`, in any dialect."""
    rel = [r for p in paths if (r := bgp_relative(p)) is not None]
    return values_at(rel, relative)
