"""Count where HTTP requests land: run inside a client namespace, print JSON counts.

    ip netns exec bgplab-c01 python -m lab.http_probe --url http://198.18.100.10/ --count 20

Every request is a new TCP connection (a new source port, so a new flow for layer-4 ECMP);
the count and each timeout are bounded. With --seconds S it keeps asking for S seconds instead
(a request loop running while something changes), at most MAX_LOOP requests; --stop-file F
ends it early once F exists; --interval pauses between requests (at most 1 s); --error-log F
appends one JSON line per failed request (seconds since the start, and what failed), so a
failure can be told apart: a timeout, a refused or a reset connection, a bad answer.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from collections import Counter
from pathlib import Path

MAX_COUNT = 1000
MAX_LOOP = 200_000
MAX_SECONDS = 300.0


def _was_reset(exc: BaseException) -> bool:
    """A reset connection, raised as such or wrapped by urllib (URLError.reason)."""
    reason = getattr(exc, "reason", None)
    return isinstance(exc, ConnectionResetError) or isinstance(reason, ConnectionResetError)


def describe(exc: BaseException) -> str:
    """What failed, in a word and the error: timeout, reset, refused, or the exception's type."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError):
        kind = "timeout"
    elif isinstance(reason, ConnectionResetError):
        kind = "reset"
    elif isinstance(reason, ConnectionRefusedError):
        kind = "refused"
    else:
        kind = type(reason).__name__
    return f"{kind}: {reason}"


def _get(url: str, timeout: float) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return str(json.loads(resp.read())["node"])


def probe(
    url: str,
    count: int,
    timeout: float,
    seconds: float | None = None,
    stop_file: Path | None = None,
    interval: float = 0.0,
    retry_reset: bool = False,
    error_log: Path | None = None,
) -> dict[str, int]:
    """node name -> requests it answered; failures are counted under "error".

    retry_reset: a request whose connection is reset is sent once more at once, on a new
    connection, as HTTP clients do for an idempotent GET; it counts under "retried" as well as
    under the node that answered the retry. Stateless ECMP re-hashes connections that are in
    flight when the next-hop set changes, and the new node knows nothing of them."""
    landed: Counter[str] = Counter()
    start = time.monotonic()
    deadline = start + min(seconds, MAX_SECONDS) if seconds else None

    def failed(exc: BaseException, retry: bool) -> None:
        landed["error"] += 1
        if error_log is not None:
            line = {"at": round(time.monotonic() - start, 3), "retry": retry, "what": describe(exc)}
            with error_log.open("a") as f:
                f.write(json.dumps(line) + "\n")

    for _ in range(MAX_LOOP if deadline else min(count, MAX_COUNT)):
        if deadline is not None and time.monotonic() >= deadline:
            break
        if stop_file is not None and stop_file.exists():
            break
        try:
            landed[_get(url, timeout)] += 1
        except (OSError, ValueError, KeyError) as exc:
            if not (retry_reset and _was_reset(exc)):
                failed(exc, retry=False)
            else:
                landed["retried"] += 1
                try:
                    landed[_get(url, timeout)] += 1
                except (OSError, ValueError, KeyError) as again:
                    failed(again, retry=True)
        if interval > 0:
            time.sleep(min(interval, 1.0))
    return dict(landed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--stop-file", type=Path, default=None)
    parser.add_argument("--interval", type=float, default=0.0, help="pause between requests")
    parser.add_argument(
        "--retry-reset",
        action="store_true",
        help="send a request whose connection was reset once more",
    )
    parser.add_argument(
        "--error-log", type=Path, default=None, help="append a JSON line per failed request"
    )
    args = parser.parse_args(argv)
    landed = probe(
        args.url,
        args.count,
        args.timeout,
        args.seconds,
        args.stop_file,
        args.interval,
        retry_reset=args.retry_reset,
        error_log=args.error_log,
    )
    print(json.dumps(landed))


if __name__ == "__main__":
    main()
