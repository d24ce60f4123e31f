"""What a deploy phase is, and the pure rules over a table of them: which hosts a phase acts
on, which phases --tags/--skip-tags select.

The table itself (every phase with its task) is `tasks.phases.PHASES`: a phase's task does I/O,
and this pure core never imports `tasks/`, so it takes the table as data.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from nornir.core.task import Result

from bgplb.errors import BgplbError, InputError
from bgplb.model import Site

# A phase's Nornir task: task(task, site=..., dry_run=...) -> Result
PhaseTask = Callable[..., Result]


class Scope(StrEnum):
    """How a phase's `needs` are judged."""

    PER_HOST = "per-host"  # a host's own earlier phases must have succeeded
    CLUSTER = "cluster"  # every host of the named earlier phases must have succeeded


class Hosts(StrEnum):
    """Which inventory hosts a phase acts on. Cluster-wide phases act through the control plane."""

    HYPERVISOR = "hypervisor"
    NODES = "k8s nodes"
    CONTROL_PLANE = "control plane"
    WORKERS = "workers"
    ROUTER = "router"

    def of(self, site: Site) -> tuple[str, ...]:
        if self is Hosts.HYPERVISOR:
            return (site.hypervisor.name,) if site.hypervisor else ()
        if self is Hosts.NODES:
            return tuple(n.name for n in site.nodes)
        if self is Hosts.CONTROL_PLANE:
            return (site.control_plane.name,)
        if self is Hosts.WORKERS:
            return tuple(n.name for n in site.workers)
        return (site.router.name,)


@dataclass(frozen=True)
class Phase:
    name: str
    summary: str
    needs: tuple[str, ...]  # earlier phases this one depends on
    scope: Scope
    hosts: Hosts
    task: PhaseTask
    optional: bool = False  # not run unless asked for with --tags


class PhaseTableError(BgplbError):
    """A phase table that contradicts itself (a programming error, found at import)."""


@dataclass(frozen=True)
class PhaseTable:
    """The deploy's phases in the order they run."""

    phases: tuple[Phase, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for p in self.phases:
            if p.name in seen:
                raise PhaseTableError(f"phase {p.name!r} is listed twice")
            later = [n for n in p.needs if n not in seen]
            if later:
                raise PhaseTableError(
                    f"phase {p.name!r} needs {', '.join(map(repr, later))}, "
                    "which is not an earlier phase"
                )
            seen.add(p.name)

    def __iter__(self) -> Iterator[Phase]:
        return iter(self.phases)

    def __getitem__(self, name: str) -> Phase:
        for p in self.phases:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.phases)

    def hosts_of(self, site: Site, name: str) -> tuple[str, ...]:
        return self[name].hosts.of(site)

    def select(self, tags: str | None, skip_tags: str | None) -> tuple[str, ...]:
        """Phases to run, in order, from --tags and --skip-tags. Unknown names, an empty --tags
        and a selection of no phase are bad input."""
        wanted, skipped = _split(tags), _split(skip_tags)
        if tags is not None and not wanted:
            raise InputError(f"--tags {tags!r}: no phase named (phases: {', '.join(self.names)})")
        unknown = [n for n in (*wanted, *skipped) if n not in self.names]
        if unknown:
            raise InputError(
                f"--tags/--skip-tags: unknown phase(s) {', '.join(map(repr, unknown))} "
                f"(phases: {', '.join(self.names)})"
            )
        chosen = wanted or [p.name for p in self.phases if not p.optional]
        selected = tuple(n for n in self.names if n in chosen and n not in skipped)
        if not selected:
            raise InputError(
                f"--skip-tags {skip_tags!r} skips every selected phase ({', '.join(chosen)}): "
                "nothing to do"
            )
        return selected

    def require_work(self, site: Site, phases: tuple[str, ...], hosts: Collection[str]) -> None:
        """Bad input when no selected phase acts on any host --limit selected."""
        if not any(h in hosts for name in phases for h in self.hosts_of(site, name)):
            raise InputError(
                f"nothing to do: --limit selects none of the hosts of the phase(s) "
                f"{', '.join(phases)} ({', '.join(sorted(hosts))} selected)"
            )

    def with_tasks(self, tasks: Mapping[str, PhaseTask]) -> PhaseTable:
        """The same table with some phases' tasks replaced (stand-ins, e.g. in tests)."""
        return PhaseTable(tuple(replace(p, task=tasks.get(p.name, p.task)) for p in self.phases))


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]
