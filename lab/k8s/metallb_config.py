"""MetalLB's configuration read from the store, in either dialect, as one typed model.

0.9-0.12: ConfigMap `metallb-system/config`, key `config` (peers, address-pools, avoid-buggy-ips).
0.13+:    IPAddressPool, BGPAdvertisement and BGPPeer (v1beta1 or v1beta2) objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import yaml

from lab.frr_config import BfdProfile
from lab.k8s.selectors import Matcher, selector_object_matcher
from lab.k8s.store import Store

NAMESPACE = "metallb-system"
Range = tuple[IPv4Address, IPv4Address]


def parse_address_range(text: str) -> Range | None:
    text = text.strip()
    try:
        if "-" in text:
            lo, hi = (IPv4Address(p.strip()) for p in text.split("-", 1))
            return (lo, hi) if lo <= hi else None
        net = IPv4Network(text, strict=False)
    except ValueError:
        return None
    return (net.network_address, net.broadcast_address)


@dataclass(frozen=True)
class Pool:
    name: str
    ranges: tuple[Range, ...]
    avoid_buggy_ips: bool = False
    auto_assign: bool = True
    protocol: str = "bgp"

    def contains(self, ip: IPv4Address) -> bool:
        return any(lo <= ip <= hi for lo, hi in self.ranges) and not (
            self.avoid_buggy_ips and ip.packed[-1] in (0, 255)
        )

    def addresses(self) -> Iterator[IPv4Address]:
        for lo, hi in self.ranges:
            for n in range(int(lo), int(hi) + 1):
                ip = IPv4Address(n)
                if self.contains(ip):
                    yield ip


@dataclass(frozen=True)
class Peer:
    name: str
    address: IPv4Address
    asn: int
    my_asn: int
    node_selectors: tuple[Matcher, ...] = ()
    hold_s: int | None = None  # ConfigMap `hold-time`, BGPPeer `holdTime`
    keepalive_s: int | None = None  # BGPPeer `keepaliveTime`
    bfd_profile: str | None = None  # BGPPeer `bfdProfile` (CRDs)
    # the whole entry (ConfigMap peer, BGPPeer spec) as canonical JSON: what a native speaker
    # compares to decide whether a session is still the same one (speaker/bgp_controller.go
    # SetConfig, reflect.DeepEqual on config.Peer, v0.9.6 to v0.14.9); selectors are in it
    config: str = ""

    def selects(self, labels: Mapping[str, str]) -> bool:
        return not self.node_selectors or any(m(labels) for m in self.node_selectors)


@dataclass(frozen=True)
class Advertisement:
    name: str
    pools: tuple[str, ...] = ()
    pool_selectors: tuple[Matcher, ...] = ()
    node_selectors: tuple[Matcher, ...] = ()

    def covers(self, pool: str, pool_labels: Mapping[str, str]) -> bool:
        if not self.pools and not self.pool_selectors:
            return True
        return pool in self.pools or any(m(pool_labels) for m in self.pool_selectors)

    def selects(self, labels: Mapping[str, str]) -> bool:
        return not self.node_selectors or any(m(labels) for m in self.node_selectors)


@dataclass(frozen=True)
class MetallbConfig:
    pools: tuple[Pool, ...] = ()
    peers: tuple[Peer, ...] = ()
    # None: 0.9 dialect, every bgp pool is advertised by every peering node
    advertisements: tuple[Advertisement, ...] | None = None
    pool_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    bfd_profiles: dict[str, BfdProfile] = field(default_factory=dict)
    # the whole configuration was refused (MetalLB keeps running on the last good one)
    fatal: bool = False

    def pool(self, name: str) -> Pool | None:
        return next((p for p in self.pools if p.name == name), None)

    def pool_of(self, ip: IPv4Address) -> Pool | None:
        return next((p for p in self.pools if p.contains(ip)), None)

    def advertised_on(self, pool: str, node_labels: Mapping[str, str]) -> bool:
        if self.advertisements is None:
            p = self.pool(pool)
            return p is not None and p.protocol == "bgp"
        labels = self.pool_labels.get(pool, {})
        return any(a.covers(pool, labels) and a.selects(node_labels) for a in self.advertisements)


def _canonical(entry: Any) -> str:
    return json.dumps(entry, sort_keys=True, default=str)


def _kebab_selector(sel: Mapping[str, Any]) -> Matcher:
    return selector_object_matcher(
        {"matchLabels": sel.get("match-labels"), "matchExpressions": sel.get("match-expressions")}
    )


def from_configmap(store: Store) -> MetallbConfig:
    cm = store.get(("", "configmaps"), NAMESPACE, "config")
    if cm is None:
        return MetallbConfig(errors=("configmap metallb-system/config not found",))
    try:
        data = yaml.safe_load((cm.get("data") or {}).get("config", "")) or {}
        pools = []
        for p in data.get("address-pools") or []:
            ranges = [parse_address_range(str(a)) for a in p.get("addresses") or []]
            if any(r is None for r in ranges):
                raise ValueError(f"invalid address in pool {p.get('name')!r}")
            pools.append(
                Pool(
                    name=str(p["name"]),
                    ranges=tuple(r for r in ranges if r),
                    avoid_buggy_ips=bool(p.get("avoid-buggy-ips", False)),
                    auto_assign=bool(p.get("auto-assign", True)),
                    protocol=str(p.get("protocol", "")),
                )
            )
        peers = [
            Peer(
                name=f"peer{i}",
                address=IPv4Address(str(p["peer-address"])),
                asn=int(p["peer-asn"]),
                my_asn=int(p["my-asn"]),
                node_selectors=tuple(_kebab_selector(s) for s in p.get("node-selectors") or []),
                hold_s=go_duration_s(p.get("hold-time")),
                config=_canonical(p),
            )
            for i, p in enumerate(data.get("peers") or [])
        ]
    except (KeyError, TypeError, ValueError, yaml.YAMLError, AttributeError) as exc:
        return MetallbConfig(errors=(f"could not parse config: {exc}",))
    return MetallbConfig(pools=tuple(pools), peers=tuple(peers))


_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def go_duration_s(value: Any) -> int | None:
    """A Go duration as MetalLB writes timers ("90s", "1m30s"), whole seconds; None when unset.
    Anything else raises ValueError (the speaker refuses such a config)."""
    if value is None or value == "":
        return None
    m = _DURATION.match(str(value).strip())
    if not m or not any(m.groups()):
        raise ValueError(f"invalid duration {value!r}")
    h, mi, s = (int(g) if g else 0 for g in m.groups())
    return h * 3600 + mi * 60 + s


NATIVE_DEFAULT_HOLD_S = 90  # internal/bgp/native/native.go: 90 s when HoldTime is nil


def asked_timers(peer: Peer, frr_mode: bool) -> tuple[int, int] | None:
    """(keepalive, hold) a MetalLB speaker asks for, None: FRR's defaults (60/180).

    config.go parseTimers: only hold -> keepalive hold/3; only keepalive -> hold 3 x keepalive.
    FRR mode renders `neighbor X timers KA HOLD` only when both are known
    (frr-templates/neighborsession.tmpl), else nothing; native mode asks for a 90 s hold when
    none is set (native.go) and sends keepalives every hold/3."""
    hold, keepalive = peer.hold_s, peer.keepalive_s
    if hold is None and keepalive is None:
        return None if frr_mode else (NATIVE_DEFAULT_HOLD_S // 3, NATIVE_DEFAULT_HOLD_S)
    if hold is None:
        hold = 3 * (keepalive or 0)
    if keepalive is None:
        keepalive = hold // 3
    return (keepalive, hold)


def _selectors(items: Any) -> tuple[Matcher, ...]:
    return tuple(selector_object_matcher(s) for s in items or [] if isinstance(s, Mapping))


def _bfd_int(spec: Mapping[str, Any], key: str, lo: int, hi: int, what: str) -> int | None:
    """config.go bfdIntFromConfig: unset stays unset; out of range is an error."""
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"invalid value {value}, must be in range {lo}-{hi}: invalid {what} value")
    return value


def bfd_profile_from_cr(obj: Mapping[str, Any]) -> BfdProfile:
    """metallb-v0.16.1 internal/config/config.go bfdProfileFromCR."""
    name = str((obj.get("metadata") or {}).get("name") or "")
    if not name:
        raise ValueError("missing bfd profile name")
    spec = obj.get("spec") or {}
    return BfdProfile(
        name=name,
        detect_multiplier=_bfd_int(spec, "detectMultiplier", 2, 255, "detect multiplier"),
        receive_interval=_bfd_int(spec, "receiveInterval", 10, 60000, "receive interval"),
        transmit_interval=_bfd_int(spec, "transmitInterval", 10, 60000, "transmit interval"),
        minimum_ttl=_bfd_int(spec, "minimumTtl", 1, 254, "minimum ttl"),
        echo_interval=_bfd_int(spec, "echoInterval", 10, 60000, "echo interval"),
        echo_mode=bool(spec.get("echoMode", False)),
        passive_mode=bool(spec.get("passiveMode", False)),
    )


def _bfd_profiles(store: Store) -> dict[str, BfdProfile]:
    """config.go bfdProfilesFor: any bad or duplicate profile fails the whole config."""
    out: dict[str, BfdProfile] = {}
    for i, obj in enumerate(store.list(("metallb.io", "bfdprofiles"), NAMESPACE)):
        try:
            parsed = bfd_profile_from_cr(obj)
        except ValueError as exc:
            raise ValueError(f"parsing bfd profile #{i + 1}: {exc}") from None
        if parsed.name in out:
            raise ValueError(f"found duplicate bfd profile name {parsed.name}")
        out[parsed.name] = parsed
    return out


def from_crds(store: Store) -> MetallbConfig:
    pools, labels, errors = [], {}, []
    for obj in store.list(("metallb.io", "ipaddresspools"), NAMESPACE):
        spec, name = obj.get("spec") or {}, obj["metadata"]["name"]
        ranges = [parse_address_range(str(a)) for a in spec.get("addresses") or []]
        if any(r is None for r in ranges):
            errors.append(f"pool {name}: invalid address")
            continue
        pools.append(
            Pool(
                name=name,
                ranges=tuple(r for r in ranges if r),
                avoid_buggy_ips=bool(spec.get("avoidBuggyIPs", False)),
                auto_assign=bool(spec.get("autoAssign", True)),
            )
        )
        labels[name] = dict(obj["metadata"].get("labels") or {})
    peers = []
    for obj in store.list(("metallb.io", "bgppeers"), NAMESPACE):
        spec = obj.get("spec") or {}
        try:
            peers.append(
                Peer(
                    name=obj["metadata"]["name"],
                    address=IPv4Address(str(spec["peerAddress"])),
                    asn=int(spec["peerASN"]),
                    my_asn=int(spec["myASN"]),
                    node_selectors=_selectors(spec.get("nodeSelectors")),
                    hold_s=go_duration_s(spec.get("holdTime")),
                    keepalive_s=go_duration_s(spec.get("keepaliveTime")),
                    bfd_profile=str(spec["bfdProfile"]) if spec.get("bfdProfile") else None,
                    config=_canonical(spec),
                )
            )
        except (KeyError, ValueError) as exc:
            errors.append(f"peer {obj['metadata']['name']}: {exc}")
    try:
        bfd_profiles = _bfd_profiles(store)
    except ValueError as exc:
        return MetallbConfig(errors=(str(exc),), fatal=True)
    for p in peers:
        if p.bfd_profile and p.bfd_profile not in bfd_profiles:
            # config.go peersFor: a TransientError, the whole configuration is not loaded
            return MetallbConfig(
                errors=(f"peer {p.name} referencing non existing bfd profile {p.bfd_profile}",),
                fatal=True,
            )
    ads = tuple(
        Advertisement(
            name=obj["metadata"]["name"],
            pools=tuple(str(p) for p in (obj.get("spec") or {}).get("ipAddressPools") or []),
            pool_selectors=_selectors((obj.get("spec") or {}).get("ipAddressPoolSelectors")),
            node_selectors=_selectors((obj.get("spec") or {}).get("nodeSelectors")),
        )
        for obj in store.list(("metallb.io", "bgpadvertisements"), NAMESPACE)
    )
    return MetallbConfig(
        pools=tuple(pools),
        peers=tuple(peers),
        advertisements=ads,
        pool_labels=labels,
        errors=tuple(errors),
        bfd_profiles=bfd_profiles,
    )


def read_config(store: Store, version: tuple[int, int, int]) -> MetallbConfig:
    """The configuration a MetalLB of `version` reads (the other dialect is ignored)."""
    return from_configmap(store) if version < (0, 13, 0) else from_crds(store)
