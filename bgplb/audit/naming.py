"""How findings name things: a node by name and address, a set of next hops, a share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from ipaddress import IPv4Address

from bgplb.audit.findings import Finding, Severity
from bgplb.audit.observations import ClusterObservation, GatherFailure
from bgplb.model import Site


def node_names(site: Site, cluster: ClusterObservation | GatherFailure) -> dict[IPv4Address, str]:
    """Address -> node name, from the inventory, completed by the nodes' InternalIPs."""
    names = {n.address: n.name for n in site.nodes}
    if isinstance(cluster, ClusterObservation):
        for node in cluster.nodes:
            if node.address is not None:
                names.setdefault(node.address, node.name)
    return names


def hop(address: IPv4Address, names: Mapping[IPv4Address, str]) -> str:
    name = names.get(address)
    return f"{name} ({address})" if name else str(address)


def hops(addresses: Iterable[IPv4Address], names: Mapping[IPv4Address, str]) -> str:
    listed = sorted(addresses)
    return ", ".join(hop(a, names) for a in listed) if listed else "none"


def hops_memo(names: Mapping[IPv4Address, str]) -> Callable[[frozenset[IPv4Address]], str]:
    """hops() for one report: every LB IP over the same next-hop set shares one text."""
    memo: dict[frozenset[IPv4Address], str] = {}

    def text(addresses: frozenset[IPv4Address]) -> str:
        if addresses not in memo:
            memo[addresses] = hops(addresses, names)
        return memo[addresses]

    return text


def same_sets_memo() -> Callable[[frozenset[IPv4Address], frozenset[IPv4Address]], bool]:
    """`a == b` for the next-hop sets of one evaluation, each pair of set objects compared
    once: LB IPs alike share their sets (the parser's and the expectations'), so 5,000 LB IPs
    over 200 nodes are a few comparisons of 200 addresses, not 10^6 address comparisons."""
    memo: dict[tuple[int, int], tuple[object, object, bool]] = {}

    def same(a: frozenset[IPv4Address], b: frozenset[IPv4Address]) -> bool:
        if a is b:
            return True
        key = (id(a), id(b))
        hit = memo.get(key)
        if hit is None:  # the pair is kept with its answer: its ids stay theirs
            hit = memo[key] = (a, b, a == b)
        return hit[2]

    return same


def share(counts: Mapping[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return "none"
    return ", ".join(f"{k} {v}/{total} ({100 * v / total:.0f}%)" for k, v in sorted(counts.items()))


def unavailable(check: str, obj: str, failure: GatherFailure, needs: str) -> Finding:
    """A check whose input is missing: an error, or `skipped` when deliberately not gathered."""
    if failure.skipped:
        return Finding(
            Severity.SKIPPED, check, obj, f"{needs} gathered", f"not gathered: {failure.error}"
        )
    return Finding(
        Severity.ERROR,
        check,
        obj,
        f"{needs} gathered",
        f"could not gather {failure.source} from {failure.host}: {failure.error}",
        "the check did not run: fix access to the source and audit again",
    )
