"""MetalLB's BGP configuration rendered from the site model, in both dialects (pure).

- `configmap` (MetalLB up to 0.12): ConfigMap metallb-system/config with peers and
  address-pools, as in the write-up's metallb-cm.yaml; 0.9 also needs the memberlist secret.
- `crds` (0.13 and later): IPAddressPool, BGPAdvertisement, BGPPeer (metallb.io/v1beta2),
  the BGP password in a basic-auth Secret.

Which nodes announce follows `metallb.control_plane_announces`, exactly as
`Site.expected_announcers` predicts (see `announcer_plan`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from bgplb.drain.mechanism import exclude_drained
from bgplb.errors import InputError
from bgplb.model import Site
from bgplb.model.site import NODE_SEGMENT
from bgplb.model.specs import MetallbDialect
from bgplb.secrets import env_secret

NAMESPACE = "metallb-system"
EXCLUDE_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"
HOSTNAME_LABEL = "kubernetes.io/hostname"
ADVERTISEMENT_NAME = "bgplb"
PASSWORD_SECRET = "bgplb-bgp-password"
BFD_PROFILE = "bgplb"
MEMBERLIST_SECRET = "memberlist"

Doc = dict[str, Any]


@dataclass(frozen=True)
class AnnouncerPlan:
    """How the rendered configuration makes exactly `announcers` announce.

    `restrict_to`: node names allowed to announce through selectors (None: no selector);
    `exclude_label`: node name -> whether the exclude-from-external-load-balancers label must be
    present (True) or absent (False); only for MetalLB versions whose speakers honour it.
    """

    announcers: tuple[str, ...]
    restrict_to: tuple[str, ...] | None
    exclude_label: dict[str, bool]


def announcer_plan(site: Site) -> AnnouncerPlan:
    m = site.metallb
    announcers = tuple(n.name for n in site.expected_announcers)
    everyone = tuple(n.name for n in site.nodes)
    if m.honours_exclude_label:
        # 0.14.2+: kubeadm's label decides; make it agree with the site on every node.
        labels = {name: name not in announcers for name in everyone}
        return AnnouncerPlan(announcers, None, labels)
    # Older speakers ignore the label: leave it alone, restrict by node name instead.
    restrict = None if announcers == everyone else announcers
    return AnnouncerPlan(announcers, restrict, {})


def _router_address(site: Site) -> str:
    address = site.router.address_on(NODE_SEGMENT)
    if address is None:
        raise InputError(f"router {site.router.name} has no interface on segment {NODE_SEGMENT}")
    return str(address)


def _asn_groups(site: Site) -> dict[int, list[str]]:
    """Node ASN -> node names; one BGP peer per distinct ASN."""
    groups: dict[int, list[str]] = {}
    for node in site.nodes:
        groups.setdefault(node.asn, []).append(node.name)
    return groups


def _peer_nodes(
    site: Site, names: list[str], plan: AnnouncerPlan, per_peer: bool
) -> list[str] | None:
    """Nodes a peer must be limited to; None: no selector; []: no node may use this peer."""
    allowed = [n for n in names if plan.restrict_to is None or n in plan.restrict_to]
    if not per_peer and len(allowed) == len(site.nodes):
        return None
    return allowed


def _hostname_expression(names: list[str], camel: bool) -> Doc:
    expression = {"key": HOSTNAME_LABEL, "operator": "In", "values": sorted(names)}
    return {"matchExpressions" if camel else "match-expressions": [expression]}


# -- dialect "configmap" (0.9 .. 0.12) ------------------------------------------------------------


def _configmap_config(site: Site, env: Mapping[str, str]) -> Doc:
    plan = announcer_plan(site)
    password = env_secret(env, site.metallb.password_env, "metallb.password_env")
    groups = _asn_groups(site)
    peers = []
    for asn, names in groups.items():
        peer: Doc = {
            "peer-address": _router_address(site),
            "peer-asn": site.router.bgp.asn,
            "my-asn": asn,
        }
        if password:
            peer["password"] = password
        if site.metallb.timers is not None:
            peer["hold-time"] = f"{site.metallb.timers.hold_time}s"
        nodes = _peer_nodes(site, names, plan, per_peer=len(groups) > 1)
        if nodes == []:
            continue
        selectors = [_hostname_expression(nodes, camel=False)] if nodes is not None else None
        # Rendered from the start, not added by a drain: a 0.9-0.12 speaker resets a peer's
        # session on every node when the peer's entry changes (bgplb/drain/mechanism.py), while
        # a node label the entry already leaves out closes that node's session only.
        peer["node-selectors"] = exclude_drained(selectors, camel=False)
        peers.append(peer)
    pools = []
    for pool in site.metallb.pools:
        entry: Doc = {"name": pool.name, "protocol": "bgp"}
        if pool.avoid_buggy_ips:
            entry["avoid-buggy-ips"] = True
        if not pool.auto_assign:
            entry["auto-assign"] = False
        entry["addresses"] = [str(a) for a in pool.addresses]
        pools.append(entry)
    return {"peers": peers, "address-pools": pools}


def render_configmap(site: Site, env: Mapping[str, str]) -> list[Doc]:
    """The ConfigMap metallb-system/config (holds the BGP password in clear when one is set)."""
    config = yaml.safe_dump(_configmap_config(site, env), sort_keys=False)
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"namespace": NAMESPACE, "name": "config"},
            "data": {"config": config},
        }
    ]


# -- dialect "crds" (0.13+) -----------------------------------------------------------------------


def _meta(name: str) -> Doc:
    return {"name": name, "namespace": NAMESPACE}


def render_crds(site: Site, env: Mapping[str, str]) -> list[Doc]:
    """IPAddressPools, one BGPAdvertisement, BGPPeers and (with a password) its Secret."""
    plan = announcer_plan(site)
    docs: list[Doc] = [
        {
            "apiVersion": "metallb.io/v1beta1",
            "kind": "IPAddressPool",
            "metadata": _meta(pool.name),
            "spec": {
                "addresses": [str(a) for a in pool.addresses],
                "autoAssign": pool.auto_assign,
                "avoidBuggyIPs": pool.avoid_buggy_ips,
            },
        }
        for pool in site.metallb.pools
    ]
    advertisement: Doc = {"ipAddressPools": [p.name for p in site.metallb.pools]}
    if plan.restrict_to is not None:
        advertisement["nodeSelectors"] = [_hostname_expression(list(plan.restrict_to), True)]
    docs.append(
        {
            "apiVersion": "metallb.io/v1beta1",
            "kind": "BGPAdvertisement",
            "metadata": _meta(ADVERTISEMENT_NAME),
            "spec": advertisement,
        }
    )
    password = env_secret(env, site.metallb.password_env, "metallb.password_env")
    if password:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": _meta(PASSWORD_SECRET),
                "type": "kubernetes.io/basic-auth",
                "stringData": {"password": password},
            }
        )
    if site.metallb.bfd is not None:
        bfd = site.metallb.bfd
        docs.append(
            {
                "apiVersion": "metallb.io/v1beta1",
                "kind": "BFDProfile",
                "metadata": _meta(BFD_PROFILE),
                "spec": {
                    "receiveInterval": bfd.receive_interval_ms,
                    "transmitInterval": bfd.transmit_interval_ms,
                    "detectMultiplier": bfd.detect_multiplier,
                },
            }
        )
    groups = _asn_groups(site)
    for asn, names in groups.items():
        spec: Doc = {
            "myASN": asn,
            "peerASN": site.router.bgp.asn,
            "peerAddress": _router_address(site),
        }
        if password:
            spec["passwordSecret"] = {"name": PASSWORD_SECRET, "namespace": NAMESPACE}
        timers = site.metallb.timers
        if timers is not None:
            spec["holdTime"] = f"{timers.hold_time}s"
            if timers.keepalive_time is not None:
                spec["keepaliveTime"] = f"{timers.keepalive_time}s"
        if site.metallb.bfd is not None:
            spec["bfdProfile"] = BFD_PROFILE
        if len(groups) > 1:
            spec["nodeSelectors"] = [_hostname_expression(names, camel=True)]
        name = site.router.name if len(groups) == 1 else f"{site.router.name}-{asn}"
        docs.append(
            {
                "apiVersion": "metallb.io/v1beta2",
                "kind": "BGPPeer",
                "metadata": _meta(name),
                "spec": spec,
            }
        )
    return docs


# -- both -----------------------------------------------------------------------------------------

RENDERERS: dict[MetallbDialect, Callable[[Site, Mapping[str, str]], list[Doc]]] = {
    "configmap": render_configmap,
    "crds": render_crds,
}


def render_metallb_config(site: Site, env: Mapping[str, str]) -> list[Doc]:
    """The site's MetalLB configuration in the dialect its MetalLB version reads."""
    return RENDERERS[site.metallb.dialect](site, env)


def render_memberlist_secret(site: Site, env: Mapping[str, str]) -> list[Doc]:
    """MetalLB before 0.10: the memberlist secret created by hand (later versions: nothing)."""
    if site.metallb.version_tuple >= (0, 10, 0):
        return []
    key = env_secret(env, site.metallb.memberlist_secret_env, "metallb.memberlist_secret_env")
    if key is None:
        raise InputError(f"MetalLB {site.metallb.version} needs metallb.memberlist_secret_env")
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _meta(MEMBERLIST_SECRET),
            "type": "Opaque",
            "stringData": {"secretkey": key},
        }
    ]


def node_label_patches(site: Site) -> dict[str, Doc]:
    """Node name -> merge patch setting or removing the exclude label (MetalLB 0.14.2+ only)."""
    plan = announcer_plan(site)
    return {
        name: {"metadata": {"labels": {EXCLUDE_LB_LABEL: "" if present else None}}}
        for name, present in plan.exclude_label.items()
    }


def label_patch_needed(live_labels: Mapping[str, str], patch: Doc) -> bool:
    """Whether a node's live labels differ from what the patch sets."""
    for key, value in patch["metadata"]["labels"].items():
        if (key in live_labels) != (value is not None):
            return True
        if value is not None and live_labels[key] != value:
            return True
    return False
