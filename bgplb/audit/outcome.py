"""Observations in, Outcome out: the one pure entry point the runbook calls after gathering."""

from __future__ import annotations

from dataclasses import dataclass

from bgplb.audit.checks import run_checks
from bgplb.audit.checks_failover import DEFAULT_BLACKHOLE_THRESHOLD_S
from bgplb.audit.expect import Expectation, drained_nodes, expectations
from bgplb.audit.findings import Finding, audit_ok
from bgplb.audit.observations import ClusterObservation, Observations
from bgplb.model import Site


@dataclass(frozen=True)
class Outcome:
    site: Site
    observations: Observations
    expectations: tuple[Expectation, ...]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return audit_ok(self.findings)

    @property
    def drained(self) -> tuple[str, ...]:
        """Nodes drained on purpose (cordoned and excluded): expected to carry nothing."""
        cluster = self.observations.cluster
        return drained_nodes(self.site, cluster) if isinstance(cluster, ClusterObservation) else ()


def evaluate(
    site: Site, obs: Observations, threshold_s: float = DEFAULT_BLACKHOLE_THRESHOLD_S
) -> Outcome:
    cluster = obs.cluster
    expected: tuple[Expectation, ...] = ()
    if isinstance(cluster, ClusterObservation) and cluster.config is not None:
        expected = expectations(site, cluster)
    return Outcome(site, obs, expected, tuple(run_checks(site, obs, expected, threshold_s)))
