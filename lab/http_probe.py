"""Count where HTTP requests land: run inside a client namespace, print JSON counts.

    ip netns exec bgplab-c01 python -m lab.http_probe --url http://198.18.100.10/ --count 20

Every request is a new TCP connection (a new source port, so a new flow for layer-4 ECMP);
the count and each timeout are bounded. With --seconds S it keeps asking for S seconds instead
(a request loop running while something changes), at most MAX_LOOP requests; --stop-file F
ends it early once F exists; --interval pauses between requests (at most 1 s).
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


def probe(
    url: str,
    count: int,
    timeout: float,
    seconds: float | None = None,
    stop_file: Path | None = None,
    interval: float = 0.0,
) -> dict[str, int]:
    """node name -> requests it answered; failures are counted under "error"."""
    landed: Counter[str] = Counter()
    deadline = time.monotonic() + min(seconds, MAX_SECONDS) if seconds else None
    for _ in range(MAX_LOOP if deadline else min(count, MAX_COUNT)):
        if deadline is not None and time.monotonic() >= deadline:
            break
        if stop_file is not None and stop_file.exists():
            break
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                landed[str(json.loads(resp.read())["node"])] += 1
        except (OSError, ValueError, KeyError):
            landed["error"] += 1
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
    args = parser.parse_args(argv)
    landed = probe(args.url, args.count, args.timeout, args.seconds, args.stop_file, args.interval)
    print(json.dumps(landed))


if __name__ == "__main__":
    main()
