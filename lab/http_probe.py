"""Count where HTTP requests land: run inside a client namespace, print JSON counts.

    ip netns exec bgplab-c01 python -m lab.http_probe --url http://198.18.100.10/ --count 20

Every request is a new TCP connection (a new source port, so a new flow for layer-4 ECMP);
the count and each timeout are bounded.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
from collections import Counter

MAX_COUNT = 1000


def probe(url: str, count: int, timeout: float) -> dict[str, int]:
    """node name -> requests it answered; failures are counted under "error"."""
    landed: Counter[str] = Counter()
    for _ in range(min(count, MAX_COUNT)):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                landed[str(json.loads(resp.read())["node"])] += 1
        except (OSError, ValueError, KeyError):
            landed["error"] += 1
    return dict(landed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args(argv)
    print(json.dumps(probe(args.url, args.count, args.timeout)))


if __name__ == "__main__":
    main()
