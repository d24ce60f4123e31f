"""How a node is taken out of MetalLB's BGP announcements, per MetalLB version (pure).

- 0.14.2 and later: the node label `node.kubernetes.io/exclude-from-external-load-balancers`,
  which speakers honour from 0.14.2 (notes/metallb-and-k8s.md).
- 0.14.4 and later with speakers run with `--ignore-exclude-lb`: the label is ignored, so as
  0.13 below.
- 0.13 to 0.14.1 (CRDs): every BGPAdvertisement's `nodeSelectors` leaves out nodes labelled
  `bgplb.io/drained`, and the drain sets that label. Upstream:
  `metallb-v0.16.1/api/v1beta1/bgpadvertisement_types.go`, `NodeSelectors
  []metav1.LabelSelector` (the nodes that announce; empty: all). The BGP session stays up and
  only the routes are withdrawn.
- 0.9 to 0.12 (ConfigMap): every peer's `node-selectors` in ConfigMap `metallb-system/config`
  leaves out nodes labelled `bgplb.io/drained`. Upstream: `metallb-v0.9.6/config.go`,
  `peer.NodeSelectors` (`match-labels`/`match-expressions`; several selectors are ORed, none
  means every node). 0.9 has no per-advertisement node selector, so the node's session to the
  router closes and every route through the node goes with it. The deploy renders the
  requirement into every peer (bgplb/k8s/metallb_config.py), because these speakers reset a
  changed peer's session on every node (speaker/bgp_controller.go SetConfig,
  reflect.DeepEqual): the drain then only sets the label and the undo only removes it.

A selector is edited by adding the requirement `bgplb.io/drained DoesNotExist` to each of its
selectors (they are ORed, so each must carry it), or by adding one selector holding only it
when there was none. The undo of a BGPAdvertisement edit removes exactly that requirement, and
a selector left empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from bgplb.audit.expect import effective_semantics
from bgplb.audit.observations import ClusterObservation, LabelSelector, SelectorRequirement
from bgplb.audit.semantics import DRAIN_LABEL, EXCLUDE_LABEL, MetallbSemantics
from bgplb.model import Site

MechanismName = Literal["exclude-label", "advertisement-node-selectors", "peer-node-selectors"]
DRAIN_VALUE = "true"


@dataclass(frozen=True)
class Mechanism:
    name: MechanismName
    label: str  # the node label the drain sets
    source: str  # the upstream file (or note) that decides it

    @property
    def needs_selector(self) -> bool:
        return self.name != "exclude-label"

    def describe(self) -> str:
        if self.name == "exclude-label":
            return f"node label {self.label}"
        where = (
            "every BGPAdvertisement's nodeSelectors"
            if self.name == "advertisement-node-selectors"
            else "every peer's node-selectors in ConfigMap metallb-system/config"
        )
        return f"node label {self.label}, left out by {where}"


EXCLUDE_LABEL_MECHANISM = Mechanism(
    "exclude-label", EXCLUDE_LABEL, "notes/metallb-and-k8s.md: speakers honour it from 0.14.2"
)
ADVERTISEMENT_MECHANISM = Mechanism(
    "advertisement-node-selectors",
    DRAIN_LABEL,
    "metallb-v0.16.1/api/v1beta1/bgpadvertisement_types.go: BGPAdvertisement.spec.nodeSelectors",
)
PEER_MECHANISM = Mechanism(
    "peer-node-selectors",
    DRAIN_LABEL,
    "metallb-v0.9.6/config.go: peer node-selectors",
)


def mechanism_for(sem: MetallbSemantics, speakers_ignore_label: bool = False) -> Mechanism:
    """The cleanest way the version offers to stop a node announcing."""
    if sem.honours_exclude_label and not (sem.has_ignore_exclude_flag and speakers_ignore_label):
        return EXCLUDE_LABEL_MECHANISM
    if sem.dialect == "crds":
        return ADVERTISEMENT_MECHANISM
    return PEER_MECHANISM


def cluster_mechanism(site: Site, cluster: ClusterObservation) -> Mechanism:
    """The mechanism for the MetalLB the cluster runs (its speakers' version and flags)."""
    ignoring = any(p.ignores_exclude_label for p in cluster.speakers)
    return mechanism_for(effective_semantics(site, cluster), ignoring)


def leaves_out_drained(selectors: tuple[LabelSelector, ...]) -> bool:
    """Whether node selectors (ORed) already leave out nodes labelled DRAIN_LABEL: each one
    carries `DRAIN_LABEL DoesNotExist` (none at all selects every node)."""
    req = SelectorRequirement(DRAIN_LABEL, "DoesNotExist")
    return bool(selectors) and all(req in s.match_expressions for s in selectors)


# ---------------------------------------------------------------- selector edits

Doc = dict[str, Any]


def _requirement() -> Doc:
    return {"key": DRAIN_LABEL, "operator": "DoesNotExist"}


def _exprs_key(camel: bool) -> str:
    return "matchExpressions" if camel else "match-expressions"


def _is_ours(expr: Any) -> bool:
    return (
        isinstance(expr, Mapping)
        and expr.get("key") == DRAIN_LABEL
        and expr.get("operator") == "DoesNotExist"
    )


def exclude_drained(selectors: Sequence[Doc] | None, camel: bool) -> list[Doc]:
    """Node selectors (ORed) that also leave out nodes with DRAIN_LABEL; idempotent."""
    key = _exprs_key(camel)
    if not selectors:
        return [{key: [_requirement()]}]
    out = []
    for sel in selectors:
        exprs = list(sel.get(key) or [])
        if not any(_is_ours(e) for e in exprs):
            exprs.append(_requirement())
        out.append({**sel, key: exprs})
    return out


def include_drained(selectors: Sequence[Doc] | None, camel: bool) -> list[Doc]:
    """The inverse of exclude_drained: our requirement removed, selectors left empty dropped."""
    key = _exprs_key(camel)
    out = []
    for sel in selectors or []:
        exprs = [e for e in sel.get(key) or [] if not _is_ours(e)]
        new = {k: v for k, v in sel.items() if k != key}
        if exprs:
            new[key] = exprs
        if new:
            out.append(new)
    return out


def configmap_config(text: str, exclude: bool) -> str:
    """The ConfigMap's `config` YAML with every peer's node-selectors edited."""
    doc = yaml.safe_load(text) or {}
    for peer in doc.get("peers") or []:
        edit = exclude_drained if exclude else include_drained
        selectors = edit(peer.get("node-selectors"), camel=False)
        if selectors:
            peer["node-selectors"] = selectors
        else:
            peer.pop("node-selectors", None)
    return str(yaml.safe_dump(doc, sort_keys=False))
