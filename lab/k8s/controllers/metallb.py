"""Emulated MetalLB: it runs only as its applied manifests say, in the dialect of its version.

controller: assigns LoadBalancer addresses from the pools (honouring spec.loadBalancerIP, and
  from 0.13 the annotation metallb.universe.tf/loadBalancerIPs), creates the memberlist secret
  from 0.10.
speakers: one per running speaker pod, each in the dialect of its own image's version (an
  upgrade replaces them node by node, as the DaemonSet's updateStrategy says); peer with the
  configured peers whose nodeSelectors pick the node; announce a service's address when its
  pool is advertised on the node, the node is not excluded (label
  node.kubernetes.io/exclude-from-external-load-balancers, from 0.14.2, unless
  --ignore-exclude-lb), and it has a ready endpoint (on this node for externalTrafficPolicy
  Local, anywhere for Cluster). A pod's sessions are its own: they close when it goes.
  Differences go to the Announcer.
  On v0.14.9 only, a cordoned node (spec.unschedulable) announces nothing (upstream commit
  cbb36c74, 2024-08-29, reverted by 7fa9ecb7 before v0.15.0); its session stays up.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

from bgplb.errors import BgplbError
from lab.frr_config import BfdProfile
from lab.k8s.controllers.base import (
    DAEMONSETS,
    DEPLOYMENTS,
    ENDPOINTS,
    NODES,
    PODS,
    SECRETS,
    SERVICES,
    World,
    create,
    owned_by,
    record_event,
    replace_field,
)
from lab.k8s.controllers.workloads import pod_ready
from lab.k8s.kubelets import read_kubelets
from lab.k8s.metallb_config import NAMESPACE, MetallbConfig, Peer, asked_timers, read_config
from lab.k8s.store import JsonObj, meta

log = logging.getLogger("lab.k8s.metallb")
IPS_ANNOTATION = "metallb.universe.tf/loadBalancerIPs"
POOL_ANNOTATION = "metallb.universe.tf/address-pool"
ALLOCATED_ANNOTATION = "metallb.universe.tf/ip-allocated-from-pool"
EXCLUDE_LB = "node.kubernetes.io/exclude-from-external-load-balancers"
CORDON_WITHDRAWS = frozenset({(0, 14, 9)})  # cbb36c74, reverted by 7fa9ecb7
STATE_FILE = "metallb-speakers.json"
_TAG = re.compile(r":v?(\d+)\.(\d+)\.(\d+)")
Version = tuple[int, int, int]


def _image_version(containers: list[JsonObj]) -> Version | None:
    for c in containers:
        m = _TAG.search(str(c.get("image", "")))
        if m and "metallb" in str(c.get("image", "")):
            return (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def image_version(workload: JsonObj | None) -> Version | None:
    if workload is None:
        return None
    return _image_version(workload["spec"]["template"]["spec"].get("containers") or [])


def _running_pods(world: World, owner: JsonObj) -> list[JsonObj]:
    return [
        p
        for p in world.store.list(PODS, NAMESPACE)
        if owned_by(p, meta(owner)["uid"]) and pod_ready(p)
    ]


def _speaker_pods(world: World, ds: JsonObj) -> list[JsonObj]:
    """The speaker pods whose process runs: started (phase Running) on a node whose kubelet
    runs. Not their Ready condition: a node cut from the API server turns Unknown and its pods
    not Ready, yet its speaker keeps running with the sessions it has (a DaemonSet's pods
    tolerate the unreachable taint, so nothing evicts them)."""
    kubelets = read_kubelets(world.state_dir)
    return [
        p
        for p in world.store.list(PODS, NAMESPACE)
        if owned_by(p, meta(ds)["uid"])
        and (p.get("status") or {}).get("phase") == "Running"
        and (k := kubelets.get(str(p["spec"].get("nodeName")))) is not None
        and k.running
    ]


def _controller_pods(world: World, dep: JsonObj) -> list[JsonObj]:
    out = []
    for rs in world.store.list(("apps", "replicasets"), NAMESPACE):
        if owned_by(rs, meta(dep)["uid"]):
            out += _running_pods(world, rs)
    return out


# ---- controller --------------------------------------------------------------------------


def _ensure_memberlist(world: World) -> None:
    if world.store.get(SECRETS, NAMESPACE, "memberlist") is None:
        key = base64.b64encode(base64.b64encode(secrets.token_bytes(128))).decode()
        create(
            world,
            "",
            "Secret",
            {
                "metadata": {"name": "memberlist", "namespace": NAMESPACE},
                "data": {"secretkey": key},
            },
            "controller",
        )


def _requested(svc: JsonObj, version: Version) -> list[IPv4Address] | str:
    """Requested addresses, or the text of why the request is unusable."""
    ann = (meta(svc).get("annotations") or {}).get(IPS_ANNOTATION)
    texts = []
    if ann and version >= (0, 13, 0):
        texts = [t.strip() for t in ann.split(",") if t.strip()]
    elif svc["spec"].get("loadBalancerIP"):
        texts = [svc["spec"]["loadBalancerIP"]]
    try:
        return [IPv4Address(t) for t in texts]
    except ValueError:
        return f"invalid IP in {texts}"


def _current_ip(svc: JsonObj) -> IPv4Address | None:
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    try:
        return IPv4Address(ingress[0]["ip"]) if ingress else None
    except (KeyError, ValueError):
        return None


def _allocate(
    svc: JsonObj, cfg: MetallbConfig, used: dict[IPv4Address, str], version: Version
) -> tuple[IPv4Address | None, str]:
    key = f"{meta(svc)['namespace']}/{meta(svc)['name']}"
    wanted_pool = (meta(svc).get("annotations") or {}).get(POOL_ANNOTATION)
    req = _requested(svc, version)
    if isinstance(req, str):
        return None, req
    current = _current_ip(svc)
    if req:
        ip = req[0]
        pool = cfg.pool_of(ip)
        if pool is None:
            return None, f'["{ip}"] is not allowed in config'
        if wanted_pool and pool.name != wanted_pool:
            return None, f'["{ip}"] is not allowed in pool "{wanted_pool}"'
        if used.get(ip, key) != key:
            return None, f'["{ip}"] is already in use by {used[ip]}'
        return ip, pool.name
    if current is not None and used.get(current, key) == key:
        pool = cfg.pool_of(current)
        if pool is not None and (not wanted_pool or pool.name == wanted_pool):
            return current, pool.name
    pools = [cfg.pool(wanted_pool)] if wanted_pool else [p for p in cfg.pools if p.auto_assign]
    if wanted_pool and pools[0] is None:
        return None, f'unknown pool "{wanted_pool}"'
    for pool in pools:
        assert pool is not None
        for ip in pool.addresses():
            if ip not in used:
                return ip, pool.name
    return None, "no available IPs"


def run_controller(world: World, version: Version, cfg: MetallbConfig) -> None:
    if version >= (0, 10, 0):
        _ensure_memberlist(world)
    services = sorted(
        (s for s in world.store.list(SERVICES) if s["spec"].get("type") == "LoadBalancer"),
        key=lambda s: (meta(s).get("creationTimestamp", ""), meta(s)["namespace"], meta(s)["name"]),
    )
    used: dict[IPv4Address, str] = {}
    for svc in services:
        ip = _current_ip(svc)
        if ip is not None and cfg.pool_of(ip) is not None:
            used.setdefault(ip, f"{meta(svc)['namespace']}/{meta(svc)['name']}")
    for svc in services:
        key = f"{meta(svc)['namespace']}/{meta(svc)['name']}"
        if used.get(_current_ip(svc) or IPv4Address(0)) == key:
            del used[_current_ip(svc)]  # type: ignore[arg-type]
        ip, detail = _allocate(svc, cfg, used, version)
        ingress = [{"ip": str(ip)}] if ip else []
        new_status = {
            **(svc.get("status") or {}),
            "loadBalancer": {"ingress": ingress} if ingress else {},
        }
        if ip is None:
            record_event(
                world,
                {**svc, "apiVersion": "v1", "kind": "Service"},
                "Warning",
                "AllocationFailed",
                f'Failed to allocate IP for "{key}": {detail}',
                "metallb-controller",
            )
        else:
            used[ip] = key
        if new_status != svc.get("status"):
            svc = replace_field(world, SERVICES, svc, "status", new_status)  # noqa: PLW2901
            if ip is not None:
                record_event(
                    world,
                    {**svc, "apiVersion": "v1", "kind": "Service"},
                    "Normal",
                    "IPAllocated",
                    f'Assigned IP ["{ip}"]',
                    "metallb-controller",
                )
        if version >= (0, 13, 0):
            ann = dict(meta(svc).get("annotations") or {})
            if ip is not None and ann.get(ALLOCATED_ANNOTATION) != detail:
                ann[ALLOCATED_ANNOTATION] = detail
            elif ip is None:
                ann.pop(ALLOCATED_ANNOTATION, None)
            if ann != (meta(svc).get("annotations") or {}):
                world.store.update(SERVICES, {**svc, "metadata": {**meta(svc), "annotations": ann}})
    for svc in world.store.list(SERVICES):
        if svc["spec"].get("type") != "LoadBalancer" and _current_ip(svc) is not None:
            replace_field(world, SERVICES, svc, "status", {**svc["status"], "loadBalancer": {}})


# ---- speakers ----------------------------------------------------------------------------


# node, peer address, peer ASN, my ASN, uid of the speaker pod that holds the session, and for
# a native speaker a digest of the peer's whole configuration (a change is a new session)
PeerKey = tuple[str, str, int, int, str, str]
Announcement = tuple[str, str, str]  # node, address, uid of the speaker pod announcing it
Timers = tuple[int, int] | None
Session = tuple[Timers, BfdProfile | None]  # what a session is configured with


def _key_text(key: PeerKey) -> str:
    return "|".join(str(k) for k in key)


@dataclass
class SpeakerState:
    path: Path
    peers: set[PeerKey]
    announced: set[Announcement]
    settings: dict[str, str] = dataclasses.field(default_factory=dict)  # _key_text -> settings

    @classmethod
    def load(cls, path: Path) -> SpeakerState:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        return cls(
            path,
            {
                (str(r[0]), str(r[1]), int(r[2]), int(r[3]), str(r[4]), str(r[5]))
                for r in data.get("peers", [])
                if len(r) == 6
            },
            {(str(r[0]), str(r[1]), str(r[2])) for r in data.get("announced", []) if len(r) == 3},
            {str(k): str(v) for k, v in (data.get("settings") or {}).items()},
        )

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {
                    "peers": sorted(self.peers),
                    "announced": sorted(self.announced),
                    "settings": self.settings,
                }
            )
        )
        tmp.replace(self.path)


def _ready_endpoint_nodes(world: World, svc: JsonObj) -> set[str]:
    ep = world.store.get(ENDPOINTS, meta(svc)["namespace"], meta(svc)["name"])
    return {
        str(a.get("nodeName"))
        for s in (ep or {}).get("subsets") or []
        for a in s.get("addresses") or []
    }


def _frr_containers(containers: list[JsonObj]) -> bool:
    return any(c.get("name") == "frr" for c in containers)


def frr_mode_of(ds: JsonObj) -> bool:
    """MetalLB's FRR mode: the speaker DaemonSet runs an `frr` container (metallb-frr.yaml)."""
    return _frr_containers(ds["spec"]["template"]["spec"].get("containers") or [])


def _timers(cfg: MetallbConfig, key: PeerKey, frr_mode: bool) -> Timers:
    """The timers the speaker asks for on this session (metallb_config.asked_timers)."""
    peer = _peer_of(cfg, key)
    return asked_timers(peer, frr_mode) if peer is not None else None


def _peer_of(cfg: MetallbConfig, key: PeerKey) -> Peer | None:
    return next(
        (p for p in cfg.peers if (str(p.address), p.asn, p.my_asn) == (key[1], key[2], key[3])),
        None,
    )


def _bfd(cfg: MetallbConfig, key: PeerKey, frr_mode: bool) -> BfdProfile | None:
    """The session's BFD profile: FRR mode only (native mode has no BFD; the deploy refuses
    it there, and the native speaker has nothing to configure)."""
    peer = _peer_of(cfg, key)
    if not frr_mode or peer is None or peer.bfd_profile is None:
        return None
    return cfg.bfd_profiles.get(peer.bfd_profile)


def _session_identity(peer: Peer, frr_mode: bool) -> str:
    """A native speaker keeps a session only while its peer's configuration is exactly the same
    (speaker/bgp_controller.go SetConfig: `reflect.DeepEqual(p, ep.cfg)`, else the old session
    is closed and a new one opened; v0.9.6 at metallb 2233271f, through v0.14.9). The peer's
    node selectors are part of it, so editing them resets the session on every node the peer
    selects. FRR mode re-renders FRR's configuration and reloads it: the session stays."""
    if frr_mode:
        return ""
    return hashlib.sha256(peer.config.encode()).hexdigest()[:12]


def _settings(timers: Timers, bfd: BfdProfile | None) -> str:
    """What the session was configured with (re-applied when it changes, as MetalLB
    re-renders FRR's configuration)."""
    return json.dumps([timers, dataclasses.asdict(bfd) if bfd else None])


def desired(
    world: World, ds: JsonObj
) -> tuple[dict[PeerKey, Session], set[Announcement], set[str]]:
    """What each running speaker pod of the DaemonSet does, each by its own image's version:
    during an upgrade a node's old pod (say 0.9.6) still reads the ConfigMap while a replaced
    node's new pod (0.13+) reads the CRDs. A pod's sessions are its own: when it goes, they
    close (the router drops its paths) and its successor opens new ones. A pod whose
    configuration is refused keeps the last one it loaded: its uid is in the third set."""
    nodes = {n["metadata"]["name"]: n for n in world.store.list(NODES)}
    peers: dict[PeerKey, Session] = {}
    kept: set[str] = set()
    announced: set[Announcement] = set()
    lb_services = [s for s in world.store.list(SERVICES) if s["spec"].get("type") == "LoadBalancer"]
    configs: dict[bool, MetallbConfig] = {}
    for pod in sorted(_speaker_pods(world, ds), key=lambda p: str(p["spec"].get("nodeName"))):
        name, uid = str(pod["spec"].get("nodeName")), str(meta(pod)["uid"])
        containers = pod["spec"].get("containers") or []
        version = _image_version(containers)
        if name not in nodes or version is None:
            continue
        crds = version >= (0, 13, 0)
        if crds not in configs:
            configs[crds] = read_config(world.store, version)
        cfg = configs[crds]
        if cfg.fatal:  # the speaker keeps the last configuration it loaded
            log.warning("speaker %s configuration refused: %s", name, "; ".join(cfg.errors))
            kept.add(uid)
            continue
        args = [a for c in containers for a in c.get("args") or []]
        honour_exclude = version >= (0, 14, 2) and "--ignore-exclude-lb" not in args
        labels = nodes[name]["metadata"].get("labels") or {}
        frr_mode = _frr_containers(containers)
        mine = [
            (name, str(p.address), p.asn, p.my_asn, uid, _session_identity(p, frr_mode))
            for p in cfg.peers
            if p.selects(labels)
        ]
        peers.update({k: (_timers(cfg, k, frr_mode), _bfd(cfg, k, frr_mode)) for k in mine})
        if not mine or (honour_exclude and EXCLUDE_LB in labels):
            continue
        if version in CORDON_WITHDRAWS and (nodes[name].get("spec") or {}).get("unschedulable"):
            continue
        for svc in lb_services:
            ip = _current_ip(svc)
            pool = cfg.pool_of(ip) if ip else None
            if ip is None or pool is None or not cfg.advertised_on(pool.name, labels):
                continue
            ready_nodes = _ready_endpoint_nodes(world, svc)
            local = svc["spec"].get("externalTrafficPolicy") == "Local"
            if (local and name in ready_nodes) or (not local and ready_nodes):
                announced.add((name, str(ip), uid))
    return peers, announced, kept


def run_speakers(world: World, ds: JsonObj | None) -> None:
    state = SpeakerState.load(world.state_dir / STATE_FILE)
    want_peers, want, kept = desired(world, ds) if ds is not None else ({}, set(), set())
    a = world.announcer
    try:
        for node, ip, uid in sorted(state.announced - want):
            if uid in kept:
                continue
            a.withdraw(node, IPv4Address(ip))
            state.announced.discard((node, ip, uid))
        for key in sorted(state.peers - want_peers.keys()):
            if key[4] in kept:
                continue
            a.unpeer(key[0], IPv4Address(key[1]))
            state.peers.discard(key)
            state.settings.pop(_key_text(key), None)
        for key, (timers, bfd) in sorted(want_peers.items()):
            settings = _settings(timers, bfd)
            if key in state.peers and state.settings.get(_key_text(key)) == settings:
                continue
            a.peer(key[0], IPv4Address(key[1]), key[2], key[3], timers=timers, bfd=bfd)
            state.peers.add(key)
            state.settings[_key_text(key)] = settings
        for node, ip, uid in sorted(want - state.announced):
            a.announce(node, IPv4Address(ip))
            state.announced.add((node, ip, uid))
    except (BgplbError, OSError) as exc:
        log.warning("speaker update failed (retried on the next pass): %s", exc)
    finally:
        state.save()


def metallb(world: World) -> None:
    dep = world.store.get(DEPLOYMENTS, NAMESPACE, "controller")
    ds = world.store.get(DAEMONSETS, NAMESPACE, "speaker")
    c_version = image_version(dep)
    if dep is not None and c_version is not None and _controller_pods(world, dep):
        run_controller(world, c_version, read_config(world.store, c_version))
    run_speakers(world, ds)
