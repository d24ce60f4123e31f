"""Secrets a deploy phase reads from the environment: known from the inventory at load time,
checked against the environment before any host is contacted.

Only what can never work is refused: a variable the phase needs, unset. Every site, the twin
included, provides them through the environment (the twin's `lab up` writes them to its
operator env file). Login passwords are not listed: bgplb/nornir_init.py refuses an unset
one before connecting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bgplb.model.problems import Problem, Severity

if TYPE_CHECKING:
    from bgplb.model.checks import Where
    from bgplb.model.site import Site


@dataclass(frozen=True)
class SecretRef:
    variable: str  # the environment variable's name
    phase: str  # the deploy phase that reads it
    where: Problem  # file, object and key that name it (message: what it is for)


def secret_refs(site: Site, where: Where) -> tuple[SecretRef, ...]:
    refs: list[SecretRef] = []
    bgp, router = site.router.bgp, site.router.name
    for i, group in enumerate(bgp.peer_groups):
        if group.password_env:
            key = f"data.bgp.peer_groups[{i}].password_env"
            what = f"BGP password of peer group {group.name}"
            refs.append(SecretRef(group.password_env, "router", where.host(router, key, what)))
    for i, n in enumerate(bgp.neighbors):
        if n.password_env:
            key = f"data.bgp.neighbors[{i}].password_env"
            what = f"BGP password of neighbor {n.address}"
            refs.append(SecretRef(n.password_env, "router", where.host(router, key, what)))
    m = site.metallb
    if m.password_env:
        what = "MetalLB's BGP password"
        refs.append(SecretRef(m.password_env, "metallb", where.site("metallb.password_env", what)))
    if m.memberlist_secret_env and m.version_tuple < (0, 10, 0):
        what = f"MetalLB {m.version}'s memberlist key"
        refs.append(
            SecretRef(
                m.memberlist_secret_env,
                "metallb",
                where.site("metallb.memberlist_secret_env", what),
            )
        )
    return tuple(refs)


def unset_secrets(
    site: Site, env: Mapping[str, str], phases: Iterable[str], warn: bool = False
) -> list[Problem]:
    """One problem per secret that a selected phase needs and that is unset;
    `warn`: as warnings (validate: the environment of a later deploy may differ)."""
    chosen = set(phases)
    severity = Severity.WARNING if warn else Severity.ERROR
    return [
        Problem(
            ref.where.file,
            ref.where.obj,
            ref.where.key,
            f"environment variable {ref.variable} ({ref.where.message}, read by the "
            f"{ref.phase} phase) is not set",
            severity,
        )
        for ref in site.secret_refs
        if ref.phase in chosen and not env.get(ref.variable)
    ]
