"""Secrets, in one place: how they are read, which values are known, and how they are masked.

Read. A secret enters a run in one of two ways, and both register its value here:
- `env_secret` reads the environment variable the inventory names (`*_env` fields; the one
  list of those fields is `secret_env_names`); `secret_values` reads all of them at once;
- `register` takes a secret the run receives from a device (a kubeadm join token).
Whatever reads a secret elsewhere (the Nornir inventory's login password) reads a variable
`secret_env_names` lists, so `secret_values`, called before any host is contacted, has
already registered the value.

Masked. Every registered value (plus any passed explicitly) is replaced by MASK:
- `redact(text)`: terminal text, diffs, error messages, nornir.log (`RedactingFilter`);
  ANSI colour codes inside a secret (rich's highlighting) do not hide it;
- `redact_data(doc)`: the strings of a document *before* it is serialised (`--json`), so a
  secret holding `"`, `\\` or non-ASCII characters is masked whatever its JSON escaping.
- `masked_stream`: a text stream (the consoles' stdout and stderr) that redacts what it writes.

The rule for short secrets: a secret of MIN_ANYWHERE (8) characters or more is masked
wherever it occurs; a shorter one only where it stands alone, that is neither preceded nor
followed by a letter, digit or `_`. A password `x` is masked in `password 'x'` but `expected`
stays `expected`. (A short secret glued to a word is then shown: use secrets of 8 characters
or more, which every generated one is.)

The registry is process-wide on purpose: the logging filter is process-wide too, and a secret
read anywhere must be masked everywhere. `forget_all` empties it (tests).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from bgplb.errors import InputError

if TYPE_CHECKING:
    from bgplb.model import Site

MASK = "********"
MIN_ANYWHERE = 8  # shorter secrets are masked only as whole words

_lock = threading.Lock()
_known: set[str] = set()


def register(*values: str | None) -> None:
    """Secret values to mask from now on (empty values and None are ignored)."""
    with _lock:
        _known.update(v for v in values if v)


def known() -> frozenset[str]:
    with _lock:
        return frozenset(_known)


def forget_all() -> None:
    """Empty the registry (for tests: each starts with no known secret)."""
    with _lock:
        _known.clear()


# -- reading ---------------------------------------------------------------------------------


def env_secret(env: Mapping[str, str], name: str | None, where: str) -> str | None:
    """The value of the variable `name` (None when no variable is named); unset is bad input.

    The value is registered for masking."""
    if name is None:
        return None
    value = env.get(name)
    if not value:
        raise InputError(f"{where}: environment variable {name} is not set")
    register(value)
    return value


def secret_env_names(site: Site) -> set[str]:
    """Every environment variable the site names as holding a secret."""
    names = {site.router.login.credentials.password_env}
    names |= {n.password_env for n in site.router.neighbors}
    names |= {g.password_env for g in site.router.bgp.peer_groups}
    names |= {site.metallb.password_env, site.metallb.memberlist_secret_env}
    names |= {login.credentials.password_env for login in site.logins.values()}
    return {n for n in names if n}


def secret_values(site: Site, env: Mapping[str, str] | None = None) -> list[str]:
    """Values of the site's secret variables that are set (registered), longest first."""
    env = os.environ if env is None else env
    values = {env[n] for n in secret_env_names(site) if env.get(n)}
    register(*values)
    return sorted(values, key=len, reverse=True)


# -- masking ---------------------------------------------------------------------------------

_ANSI = r"(?:\x1b\[[0-9;]*m)*"  # colour codes rich may put anywhere in a string
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
_ANSI_TAIL = re.compile(_ANSI + r"\Z")


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@lru_cache(maxsize=64)
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    ordered = sorted((s for s in secrets if s), key=lambda s: (-len(s), s))
    if not ordered:
        return None
    return re.compile("|".join(_ANSI.join(re.escape(ch) for ch in s) for s in ordered))


def _alone(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is neither preceded nor followed by a word character
    (colour codes around it skipped)."""
    before = _ANSI_TAIL.sub("", text[max(0, start - 64) : start])
    after = _ANSI_RE.sub("", text[end : end + 64])
    return not (before and _word_char(before[-1])) and not (after and _word_char(after[0]))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret (and every one in `secrets`) replaced by MASK."""
    pattern = _pattern(known() | frozenset(secrets))
    if pattern is None or not text:
        return text

    def replace(match: re.Match[str]) -> str:
        found = match.group()
        plain = _ANSI_RE.sub("", found)
        if len(plain) < MIN_ANYWHERE and not _alone(text, match.start(), match.end()):
            return found
        return MASK + "".join(_ANSI_RE.findall(found))  # keep the colour state

    return pattern.sub(replace, text)


def redact_data(doc: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of a JSON-able document with secrets masked in every string (keys included).

    Values json.dumps(default=str) would turn into strings are turned into masked strings;
    a number whose digits are a secret becomes MASK."""
    extra = frozenset(secrets)

    def walk(value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return redact(value, extra)
        if isinstance(value, int | float):
            text = str(value)
            return value if redact(text, extra) == text else MASK
        if isinstance(value, Mapping):
            return {(walk(k) if isinstance(k, str) else k): walk(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return redact(str(value), extra)

    return walk(doc)


class MaskedStream:
    """A text stream that redacts known secrets from what is written to it.

    `target` is called at each write (sys.stdout is looked up late: tests replace it)."""

    def __init__(self, target: Callable[[], IO[str]]) -> None:
        self._target = target

    @property
    def stream(self) -> IO[str]:
        return self._target()

    def write(self, text: str) -> int:
        self.stream.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"


def masked_stream(target: Callable[[], IO[str]]) -> IO[str]:
    """A MaskedStream as the text stream a rich Console takes (it calls only write, flush,
    isatty, fileno and encoding)."""
    return cast("IO[str]", MaskedStream(target))


# -- nornir.log ------------------------------------------------------------------------------


class RedactingFilter(logging.Filter):
    """Masks the known secrets (and `secrets`) in a record's message and traceback."""

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.msg = f"{record.msg}\n{redact(text, self.secrets)}"
            record.exc_info = None
            record.exc_text = None
        return True


NORNIR_LOG = "nornir.log"
_FORMAT = "%(asctime)s - %(name)12s - %(levelname)8s - %(funcName)10s() - %(message)s"


def _open_private_log(path: Path) -> IO[str]:
    """Open for appending, created 0600; an existing file is brought back to 0600. A symlink
    is refused (O_NOFOLLOW): the log is never written through a link planted in its place."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


def configure_nornir_log(secrets: Sequence[str] = (), path: str | Path = NORNIR_LOG) -> Path:
    """nornir.log (in the working directory, mode 0600) for the "nornir" logger, secrets masked.

    Replaces the handlers of an earlier call, so a process can run several runbooks.
    """
    logger = logging.getLogger("nornir")
    for handler in list(logger.handlers):
        if getattr(handler, "bgplb", False):
            logger.removeHandler(handler)
            handler.close()
            if isinstance(handler, logging.StreamHandler):
                handler.stream.close()
    target = Path(path).absolute()  # not resolve(): a symlink named nornir.log is refused
    handler = logging.StreamHandler(_open_private_log(target))
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter(secrets))
    handler.bgplb = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # nothing unmasked reaches stderr through the root logger
    return target
