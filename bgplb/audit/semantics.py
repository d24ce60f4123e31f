"""MetalLB behaviour by version, as data (../shared/notes/metallb-and-k8s.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Version = tuple[int, int, int]

EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"
# The label `runbooks.drain` sets on a node it takes out on versions whose speakers ignore
# EXCLUDE_LABEL; the MetalLB config's node selectors then leave labelled nodes out.
DRAIN_LABEL = "bgplb.io/drained"

# Versions whose speakers withdraw every advertisement from a cordoned (unschedulable) node:
# v0.14.9 only (upstream commit cbb36c74, 2024-08-29; reverted by 7fa9ecb7 before v0.15.0).
WITHDRAWS_CORDONED: frozenset[tuple[int, int, int]] = frozenset({(0, 14, 9)})

# feature -> first MetalLB version that has it
SINCE: dict[str, Version] = {
    "crds": (0, 13, 0),  # IPAddressPool/BGPAdvertisement/BGPPeer replace the ConfigMap
    "exclude_label": (0, 14, 2),  # speakers skip nodes labelled EXCLUDE_LABEL
    "ignore_exclude_flag": (0, 14, 4),  # speaker flag --ignore-exclude-lb
}


@dataclass(frozen=True)
class MetallbSemantics:
    version: Version
    dialect: Literal["configmap", "crds"]
    honours_exclude_label: bool
    has_ignore_exclude_flag: bool
    withdraws_cordoned: bool = False

    @property
    def label(self) -> str:
        return ".".join(map(str, self.version))


def semantics_for(version: Version) -> MetallbSemantics:
    return MetallbSemantics(
        version=version,
        dialect="crds" if version >= SINCE["crds"] else "configmap",
        honours_exclude_label=version >= SINCE["exclude_label"],
        has_ignore_exclude_flag=version >= SINCE["ignore_exclude_flag"],
        withdraws_cordoned=version in WITHDRAWS_CORDONED,
    )


def version_label(version: Version) -> str:
    return ".".join(map(str, version))
