"""get_route_to's round trips, given a function that runs one vtysh line (the driver's I/O).

One round trip on FRR 8 (route + BGP summary + paths). On FRR 7.5 a longer-prefixes lookup
takes two: route + summary, then one `show ip bgp PREFIX json` per BGP prefix. The generation
is learnt from FRR itself: the first longer lookup sends FRR 8's command list, and FRR 7.5's
refusal of the paths command (vtysh stops there, after the route and summary answers) moves
the caller to FRR 7.5 for this and every later call, without a round trip of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from napalm.base.models import RouteDict

from bgplb.errors import ParseError
from napalm_bgplb_vyos.json_docs import split_answers, split_json_documents
from napalm_bgplb_vyos.parse_bgp_neighbors import summary_as_numbers
from napalm_bgplb_vyos.parse_route import bgp_paths_by_prefix, bgp_prefixes, parse_route_to
from napalm_bgplb_vyos.vtysh_commands import (
    FrrGeneration,
    older_generation,
    prefix_paths_commands,
    route_query,
)

Vtysh = Callable[[list[str]], str]  # one round trip: vtysh's text for these commands


def lookup_route(
    vtysh: Vtysh, destination: str, protocol: str, longer: bool, frr: FrrGeneration
) -> tuple[dict[str, list[RouteDict]], FrrGeneration]:
    """NAPALM get_route_to's answer, and the FRR generation to use from now on."""
    query = route_query(destination, protocol, longer, frr)
    answers = split_answers(vtysh(query.commands), query.commands)
    docs = answers.docs
    if answers.refused is not None:
        older = older_generation(frr) if query.paths_in_answer and longer else None
        if older is None or answers.refused != query.commands[2]:
            raise ParseError(answers.refused, "FRR refused the command", answers.refusal)
        frr = older
    if not query.with_bgp:
        return parse_route_to(docs[0], None, protocol=protocol, what=query.commands[0]), frr
    local_as, remote_as = summary_as_numbers(docs[1])
    if len(docs) > 2:
        paths = bgp_paths_by_prefix(docs[2], query.commands[2])
    else:
        paths = _paths_per_prefix(vtysh, bgp_prefixes(docs[0], query.commands[0]))
    routes = parse_route_to(
        docs[0],
        paths,
        protocol=protocol,
        local_as=local_as,
        remote_as_by_peer=remote_as,
        what=query.commands[0],
    )
    return routes, frr


def _paths_per_prefix(vtysh: Vtysh, prefixes: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The second round trip (none when zebra holds no BGP prefix)."""
    commands = prefix_paths_commands(prefixes)
    if not commands:
        return {}
    paths: dict[str, list[dict[str, Any]]] = {}
    for command, doc in zip(commands, split_json_documents(vtysh(commands), commands), strict=True):
        paths.update(bgp_paths_by_prefix(doc, command))
    return paths
