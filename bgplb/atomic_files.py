"""Local state files written so that a reader, a crash or a concurrent writer never sees half
of one: the text goes to a temporary file in the same directory, is fsynced, then takes the
file's name in one step (the directory is fsynced too).

- `write_atomic`: the last writer wins; a reader sees the old file or the new one.
- `create_once`: the first writer wins (no-replace: `os.link` of a complete temporary file);
  every caller gets that one value, never an empty file, never FileExistsError.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from bgplb.errors import BgplbError


class StateFileError(BgplbError):
    """A local state file that cannot be used as it is (e.g. left empty by an older version)."""


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _complete_temp(path: Path, text: str, mode: int) -> Path:
    """A temporary file beside `path` holding `text`, on disk (fsynced), with `mode`."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def write_atomic(path: Path, text: str, mode: int = 0o600) -> None:
    """Replace `path` with `text` in one step (parent directory created 0700)."""
    tmp = _complete_temp(path, text, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def create_once(path: Path, make: Callable[[], str], mode: int = 0o600) -> str:
    """The text of `path`, created from `make()` if it does not exist yet. Racing callers
    (threads or processes) all get the first writer's text."""
    if not path.exists():
        tmp = _complete_temp(path, make(), mode)
        try:
            os.link(tmp, path)  # fails if another writer got there first: its file stays
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(path.parent)
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise StateFileError(f"{path} is empty (left by an interrupted older run?): remove it")
    return text


def remove(path: Path) -> None:
    """Remove a state file (if present), durably."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    _fsync_dir(path.parent)
