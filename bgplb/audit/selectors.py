"""Kubernetes label selectors, matched without a cluster."""

from __future__ import annotations

from collections.abc import Mapping

from bgplb.audit.observations import LabelSelector, SelectorRequirement


def requirement_matches(req: SelectorRequirement, labels: Mapping[str, str]) -> bool:
    if req.operator == "Exists":
        return req.key in labels
    if req.operator == "DoesNotExist":
        return req.key not in labels
    if req.operator == "In":
        return req.key in labels and labels[req.key] in req.values
    # NotIn: a missing key satisfies it, as in Kubernetes
    return labels.get(req.key) not in req.values


def selector_matches(selector: LabelSelector, labels: Mapping[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.match_labels.items()):
        return False
    return all(requirement_matches(r, labels) for r in selector.match_expressions)


def any_selector_matches(selectors: tuple[LabelSelector, ...], labels: Mapping[str, str]) -> bool:
    """MetalLB's node-selector lists: empty selects every node, otherwise any one must match."""
    return not selectors or any(selector_matches(s, labels) for s in selectors)
