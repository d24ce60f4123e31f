"""One twin per machine: whoever needs the namespaces `bgplab-*` (a test session, a benchmark)
holds this lock while it does, and waits for the others.

    with twin_lock():
        up(site); ...; down(site)
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bgplb.errors import LabError

TWIN_LOCK = Path("/var/tmp/bgplab.lock")
TWIN_LOCK_TIMEOUT_S = 1800.0


class TwinBusy(LabError):
    """Another user held the twin for longer than we were willing to wait."""


@contextmanager
def twin_lock(timeout: float = TWIN_LOCK_TIMEOUT_S, path: Path = TWIN_LOCK) -> Iterator[None]:
    """Exclusive use of the machine's twin (flock on `path`), waiting up to `timeout` s."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TwinBusy(
                        f"the twin is busy: {path} held for over {timeout:.0f} s"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
