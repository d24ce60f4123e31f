"""The switch of a running MetalLB from its ConfigMap (0.9-0.12) to its custom resources (0.13+),
planned so that the router keeps a path to every LB IP throughout (pure).

What is applied is what the deploy's `metallb` phase renders for the inventory's (new) version,
so a later deploy changes nothing. The live ConfigMap is converted by the rules of MetalLB's
own tool (`metallb_migration.configmap_to_crs`) and both are compared by what they make each
node do (its BGP sessions, and the pools it advertises on them): a difference that would move
routes is a refusal; a different hold or keepalive time only a warning.

The sequence (`STEPS`), and why:
1. `crds`: the new version's CustomResourceDefinitions. The old speakers do not read them.
2. `config`: the custom resources, the BGP password Secret and node labels. Before any new
   component runs: a 0.13+ controller without pools would take every Service's address away.
   The old manifest has no admission webhook, so nothing gates them yet.
3. `controller`: the rest of the new manifest, with the speaker DaemonSet's updateStrategy
   `OnDelete`: the old speakers keep running (and announcing) until each is replaced. Then
   the new webhook checks the resources again (a server-side dry run).
4. `speakers`, one node at a time: only while every LB IP the node carries has another next
   hop on the router; delete the node's old speaker pod (its session closes, the router drops
   that one path), wait until the new one runs and the router routes through the node again
   every LB IP it carried before. A RollingUpdate would not wait for BGP: a speaker is Ready
   before its session is up, so with two announcers both could be down at once.
5. `finish`: the DaemonSet back to RollingUpdate (the API server's default, as the plain
   manifest has it), the old ConfigMap removed (it holds the BGP password in clear).
6. `audit`: the audit of the result.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any, Literal

from bgplb.audit.observations import BgpAdvertisement, MetallbConfig
from bgplb.audit.parse_cluster import parse_crd_config
from bgplb.audit.selectors import any_selector_matches
from bgplb.errors import InputError
from bgplb.k8s.metallb_config import NAMESPACE, node_label_patches, render_crds
from bgplb.k8s.metallb_migration import configmap_to_crs, parse_go_duration
from bgplb.model import Site
from bgplb.secrets import MASK

Doc = dict[str, Any]
Version = tuple[int, int, int]
CRDS_FROM: Version = (0, 13, 0)
NATIVE_HOLD_S = 90  # native mode asks for 90 s when unset (internal/bgp/native/native.go)
FRR_HOLD_S = 180  # FRR mode renders no timers when unset: FRR's 60/180
ON_DELETE: Doc = {"type": "OnDelete"}
ROLLING_UPDATE: Doc = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
STEPS: tuple[tuple[str, str], ...] = (
    ("crds", "the new version's CustomResourceDefinitions"),
    ("config", "the custom resources, password Secret and node labels the inventory renders"),
    ("controller", "the rest of the new manifest, speakers on OnDelete; the webhook's check"),
    ("speakers", "each node's speaker replaced, one at a time, the router waited for"),
    ("finish", "speaker DaemonSet back to RollingUpdate; ConfigMap metallb-system/config removed"),
    ("audit", "the audit of the result"),
)


@dataclass(frozen=True)
class LiveMetallb:
    """What the cluster and the router say before the switch."""

    configmap: str | None  # the `config` key of ConfigMap metallb-system/config
    speakers: Mapping[str, Version]  # node -> version of its running speaker pod
    node_labels: Mapping[str, Mapping[str, str]]
    routes: Mapping[IPv4Address, frozenset[IPv4Address]]  # LB IP -> router next hops (FIB)


@dataclass(frozen=True)
class Difference:
    severity: Literal["error", "warning"]
    node: str
    what: str


@dataclass(frozen=True)
class SwitchPlan:
    source: str  # the running version(s), e.g. "0.9.6"
    target: str
    converted: tuple[Doc, ...]  # the ConfigMap by MetalLB's tool's rules
    resources: tuple[Doc, ...]  # what is applied: the inventory's rendering
    label_patches: Mapping[str, Doc]
    manifests: tuple[Doc, ...]  # the new manifest, CRDs first; the speaker DS on OnDelete
    order: tuple[str, ...]  # nodes whose speaker is replaced, in order
    carried: Mapping[str, tuple[IPv4Address, ...]]  # node -> LB IPs the router routes through it
    differences: tuple[Difference, ...] = ()
    refusals: tuple[str, ...] = ()
    passwords: tuple[str, ...] = field(default=(), repr=False)  # read from the ConfigMap

    @property
    def crds(self) -> tuple[Doc, ...]:
        return tuple(d for d in self.manifests if d["kind"] == "CustomResourceDefinition")

    @property
    def rest(self) -> tuple[Doc, ...]:
        return tuple(d for d in self.manifests if d["kind"] != "CustomResourceDefinition")


def _version_str(v: Version) -> str:
    return ".".join(map(str, v))


def _target_problem(site: Site) -> str | None:
    if site.metallb.dialect != "crds":
        return (
            f"{site.inventory_dir / 'defaults.yaml'}: defaults: data.site.metallb.version: "
            f"{site.metallb.version} is read from the ConfigMap; the switch needs the version "
            f"to move to (0.13 or later) and its manifests"
        )
    return None


def check_inputs(site: Site, env: Mapping[str, str]) -> None:
    """InputError for what makes the switch impossible before anything is contacted: an
    inventory still naming a ConfigMap version, an unset secret variable."""
    problem = _target_problem(site)
    if problem:
        raise InputError(problem)
    render_crds(site, env)


def _timers(spec: Mapping[str, Any], frr_mode: bool) -> tuple[int, int]:
    """(hold, keepalive) a BGPPeer's speaker asks for (config.go parseTimers, native.go)."""
    hold_text, ka_text = spec.get("holdTime"), spec.get("keepaliveTime")
    hold = int(parse_go_duration(hold_text)) if hold_text else None
    keepalive = int(parse_go_duration(ka_text)) if ka_text else None
    if hold is None and keepalive is None:
        hold = FRR_HOLD_S if frr_mode else NATIVE_HOLD_S
    if hold is None:
        hold = 3 * (keepalive or 0)
    if keepalive is None:
        keepalive = hold // 3
    return hold, keepalive


def _password(spec: Mapping[str, Any], secrets: Mapping[str, str]) -> str | None:
    if spec.get("password"):
        return str(spec["password"])
    ref = spec.get("passwordSecret") or {}
    return secrets.get(str(ref.get("name"))) if ref.get("name") else None


@dataclass(frozen=True)
class Session:
    peer: str
    peer_asn: int
    my_asn: int


@dataclass(frozen=True)
class NodeBehaviour:
    sessions: Mapping[Session, tuple[tuple[int, int], str | None]]  # -> (timers, password)
    pools: frozenset[str]  # pools it advertises


def behaviour(
    docs: Sequence[Doc], labels: Mapping[str, Mapping[str, str]], frr_mode: bool
) -> dict[str, NodeBehaviour]:
    """What MetalLB's custom resources make each node do."""

    def items(kind: str) -> dict[str, list[Doc]]:
        return {"items": [d for d in docs if d["kind"] == kind]}

    cfg: MetallbConfig = parse_crd_config(
        items("IPAddressPool"), items("BGPAdvertisement"), items("BGPPeer")
    )
    secrets = {
        d["metadata"]["name"]: str((d.get("stringData") or {}).get("password", ""))
        for d in docs
        if d["kind"] == "Secret"
    }
    specs = {d["metadata"]["name"]: d.get("spec") or {} for d in docs if d["kind"] == "BGPPeer"}
    out: dict[str, NodeBehaviour] = {}
    for node, node_labels in labels.items():
        sessions = {
            Session(str(p.peer_address), p.peer_asn, p.my_asn): (
                _timers(specs[p.name], frr_mode),
                _password(specs[p.name], secrets),
            )
            for p in cfg.peers
            if any_selector_matches(p.node_selectors, node_labels)
        }
        pools = frozenset(
            pool.name
            for pool in cfg.pools
            if sessions
            and any(_advertises(a, pool.name, pool.labels, node_labels) for a in cfg.advertisements)
        )
        out[node] = NodeBehaviour(sessions, pools)
    return out


def _advertises(
    adv: BgpAdvertisement, pool: str, pool_labels: Mapping[str, str], labels: Mapping[str, str]
) -> bool:
    everything = not adv.pools and not adv.pool_selectors
    chosen = bool(adv.pool_selectors) and any_selector_matches(adv.pool_selectors, pool_labels)
    covers = everything or pool in adv.pools or chosen
    return covers and any_selector_matches(adv.node_selectors, labels)


def compare(
    running: Mapping[str, NodeBehaviour], target: Mapping[str, NodeBehaviour]
) -> tuple[Difference, ...]:
    """Per node: sessions and pools that differ (errors), timers that differ (warnings);
    passwords are compared, never shown."""
    out: list[Difference] = []
    for node in sorted(running.keys() | target.keys()):
        was, will = running.get(node), target.get(node)
        if was is None or will is None:
            continue
        for s in sorted(was.sessions.keys() ^ will.sessions.keys(), key=str):
            side = "only in the running config" if s in was.sessions else "only in the inventory"
            out.append(
                Difference(
                    "error", node, f"session to {s.peer} AS{s.peer_asn} (my AS{s.my_asn}) {side}"
                )
            )
        for s in sorted(was.sessions.keys() & will.sessions.keys(), key=str):
            (t_was, pw_was), (t_will, pw_will) = was.sessions[s], will.sessions[s]
            if pw_was != pw_will:
                out.append(
                    Difference("error", node, f"session to {s.peer}: the BGP password differs")
                )
            if t_was != t_will:
                out.append(
                    Difference(
                        "warning",
                        node,
                        f"session to {s.peer}: hold/keepalive {t_was[0]}/{t_was[1]} s "
                        f"becomes {t_will[0]}/{t_will[1]} s",
                    )
                )
        for pool in sorted(was.pools ^ will.pools):
            verb = "stops advertising" if pool in was.pools else "starts advertising"
            out.append(Difference("error", node, f"{verb} pool {pool}"))
    return tuple(out)


def _manifests(docs: Sequence[Doc]) -> tuple[Doc, ...]:
    out = []
    for d in docs:
        d = copy.deepcopy(d)  # noqa: PLW2901
        if d["kind"] == "DaemonSet" and d["metadata"].get("namespace") == NAMESPACE:
            d["spec"]["updateStrategy"] = copy.deepcopy(ON_DELETE)
        out.append(d)
    crds = [d for d in out if d["kind"] == "CustomResourceDefinition"]
    return (*crds, *(d for d in out if d["kind"] != "CustomResourceDefinition"))


def plan_switch(
    site: Site,
    live: LiveMetallb,
    manifests: Sequence[Doc],
    env: Mapping[str, str],
    force: bool = False,
) -> SwitchPlan:
    """The switch for this site. InputError: an inventory that names no CRD version, or a
    ConfigMap that is not MetalLB's. Refusals (nothing is changed): a cluster with nothing to
    switch, a configuration the inventory does not reproduce, an LB IP with one next hop."""
    problem = _target_problem(site)
    if problem:
        raise InputError(problem)
    old = {n: v for n, v in live.speakers.items() if v < CRDS_FROM}
    refusals: list[str] = []
    if live.configmap is None:
        converted: list[Doc] = []
        if old:
            refusals.append(
                "ConfigMap metallb-system/config is missing while speakers of "
                f"{', '.join(sorted({_version_str(v) for v in old.values()}))} run"
            )
    else:
        try:
            converted = configmap_to_crs(live.configmap, NAMESPACE)
        except InputError as exc:
            raise InputError(
                f"cluster: ConfigMap metallb-system/config: key config: {exc}"
            ) from None
    if not old:
        refusals.append(
            "no speaker reads the ConfigMap (versions "
            f"{', '.join(sorted({_version_str(v) for v in live.speakers.values()})) or 'none'}): "
            "nothing to switch; run the deploy's metallb phase"
        )
    resources = render_crds(site, env)
    patches = node_label_patches(site)
    labels = {n: _patched(live.node_labels.get(n, {}), patches.get(n)) for n in live.node_labels}
    frr_mode = site.metallb.implementation == "frr"
    differences: tuple[Difference, ...] = ()
    if converted:
        differences = compare(
            behaviour(converted, labels, False), behaviour(resources, labels, frr_mode)
        )
    refusals += [
        f"node {d.node}: {d.what}: the inventory's MetalLB config would move routes"
        for d in differences
        if d.severity == "error"
    ]
    by_name = {n.name: n for n in site.nodes}
    order = tuple(
        n
        for n in sorted(old, key=lambda n: (n == site.control_plane.name, _index(site, n)))
        if n in by_name
    )
    carried = {
        node: tuple(sorted(ip for ip, hops in live.routes.items() if by_name[node].address in hops))
        for node in order
    }
    if not force:
        for node in order:
            for ip in carried[node]:
                if live.routes[ip] == {by_name[node].address}:
                    refusals.append(
                        f"LB IP {ip}: node {node} is its only next hop; replacing its speaker "
                        "withdraws the route (--force to accept)"
                    )
    passwords = tuple(
        str(d["spec"]["password"]) for d in converted if (d.get("spec") or {}).get("password")
    )
    return SwitchPlan(
        source=", ".join(sorted({_version_str(v) for v in old.values()})) or "-",
        target=site.metallb.version,
        converted=tuple(converted),
        resources=tuple(resources),
        label_patches=patches,
        manifests=_manifests(manifests),
        order=order,
        carried=carried,
        differences=differences,
        refusals=tuple(refusals),
        passwords=passwords,
    )


def _index(site: Site, node: str) -> int:
    return next(i for i, n in enumerate(site.nodes) if n.name == node)


def _patched(labels: Mapping[str, str], patch: Doc | None) -> dict[str, str]:
    out = dict(labels)
    for key, value in ((patch or {}).get("metadata", {}).get("labels") or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def redacted(doc: Doc) -> Doc:
    """A resource as shown: BGPPeer passwords and Secret values masked, whatever they are."""
    out = copy.deepcopy(doc)
    spec = out.get("spec") or {}
    if "password" in spec:
        spec["password"] = MASK
    for key in ("stringData", "data"):
        if out["kind"] == "Secret" and isinstance(out.get(key), dict):
            out[key] = dict.fromkeys(out[key], MASK)
    return out


def pending_nodes(
    carried: Sequence[IPv4Address],
    node: IPv4Address,
    routes: Mapping[IPv4Address, frozenset[IPv4Address]],
) -> list[IPv4Address]:
    """The LB IPs among `carried` the router does not route through `node` yet."""
    return [ip for ip in carried if node not in routes.get(ip, frozenset())]


def lonely(
    carried: Sequence[IPv4Address],
    node: IPv4Address,
    routes: Mapping[IPv4Address, frozenset[IPv4Address]],
) -> list[IPv4Address]:
    """The LB IPs among `carried` that have no next hop but `node` right now."""
    return [ip for ip in carried if not (routes.get(ip, frozenset()) - {node})]
