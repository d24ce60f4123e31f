"""Schemas of the inventory's data, one per role and one for the site-wide section."""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from bgplb.model.types import (
    Asn,
    Bool,
    CommandPath,
    DNS1035Label,
    DNS1123Label,
    EnvName,
    ImageRef,
    Int,
    LabelKey,
    LabelValue,
    Name,
    PeerGroupName,
    Sha256,
    Strict,
)


class Credentials(Strict):
    """Secrets are references only: an environment variable's name or an SSH key's path."""

    password_env: EnvName | None = None
    ssh_key: Path | None = None


class InterfaceSpec(Strict):
    name: Name
    address: IPv4Interface
    segment: Name


class MaximumPaths(Strict):
    ebgp: Int = Field(ge=1, le=256)
    ibgp: Int = Field(ge=1, le=256)


class BgpTimers(Strict):
    """BGP keepalive and hold time, seconds. Hold 0 turns keepalives off (RFC 4271 4.2: a
    hold time is 0 or at least 3 s); a keepalive at most a third of the hold time
    (RFC 4271 10, as MetalLB's parseTimers and FRR's defaults keep it)."""

    keepalive: Int = Field(ge=1, le=65535)
    holdtime: Int = Field(ge=0, le=65535)

    @model_validator(mode="after")
    def _rfc4271(self) -> BgpTimers:
        if 0 < self.holdtime < 3:
            raise ValueError(
                f"holdtime {self.holdtime}: must be 0 (keepalives off) or at least 3 s"
            )
        if self.holdtime and self.keepalive * 3 > self.holdtime:
            raise ValueError(
                f"keepalive {self.keepalive} is more than a third of holdtime {self.holdtime}"
            )
        return self


class PeerGroupSpec(Strict):
    name: PeerGroupName
    remote_as: Asn
    update_source: IPv4Address | None = None
    soft_reconfiguration_inbound: Bool = False
    password_env: EnvName | None = None
    timers: BgpTimers | None = None  # rendered on each neighbor of the group


class NeighborSpec(Strict):
    address: IPv4Address
    peer_group: PeerGroupName | None = None
    remote_as: Asn | None = None
    update_source: IPv4Address | None = None
    soft_reconfiguration_inbound: Bool = False
    password_env: EnvName | None = None
    description: str | None = None
    timers: BgpTimers | None = None  # overrides its peer group's


class RouterBgpSpec(Strict):
    asn: Asn
    router_id: IPv4Address | None = None
    maximum_paths: MaximumPaths
    layer4_hashing: Bool = True
    networks: list[IPv4Network] = []
    peer_groups: list[PeerGroupSpec] = []
    neighbors: list[NeighborSpec] = []
    timers: BgpTimers | None = None


class RouterData(Strict):
    vyos_version: str
    interfaces: list[InterfaceSpec] = Field(min_length=1)
    bgp: RouterBgpSpec
    credentials: Credentials = Credentials()


class NodeData(Strict):
    os: str = Field(min_length=1, max_length=64)  # checked against bgplb/model/support.py
    container_runtime: str = Field(min_length=1, max_length=64)  # likewise
    bgp_asn: Asn
    credentials: Credentials = Credentials()
    mac: str | None = Field(default=None, pattern=r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
    labels: dict[LabelKey, LabelValue] = {}


class StaticRoute(Strict):
    prefix: IPv4Network
    via: IPv4Address


class ClientData(Strict):
    routes: list[StaticRoute] = []
    credentials: Credentials = Credentials()


class VmSpec(Strict):
    name: Name
    template: CommandPath
    cpu: Int = Field(ge=1, le=256)
    memory_mib: Int = Field(ge=256)
    disk_gib: Int = Field(ge=1)
    run_script_once: CommandPath | None = None


class HypervisorData(Strict):
    interfaces: list[InterfaceSpec] = []
    vms: list[VmSpec] = []
    credentials: Credentials = Credentials()


class Manifest(Strict):
    """A manifest to apply: an https:// URL, a file:// URL or a path (absolute, or relative to
    the inventory directory); `sha256` pins its content (checked where it is read). Written
    as a plain string, or as a mapping `{source: ..., sha256: ...}`."""

    source: str = Field(min_length=1, max_length=2048)
    sha256: Sha256 | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: object) -> object:
        return {"source": value} if isinstance(value, str) else value

    def __str__(self) -> str:
        return self.source


class CniSpec(Strict):
    name: Literal["calico"]
    version: str = Field(pattern=r"^v\d+\.\d+\.\d+$")
    encapsulation: Literal["ipip", "vxlan", "none"]
    manifest: Manifest


class KubernetesSpec(Strict):
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    pod_cidr: IPv4Network
    service_cidr: IPv4Network
    control_plane_endpoint: str = Field(pattern=r"^[A-Za-z0-9.-]+$")
    cri_socket: CommandPath
    kubeconfig: Path
    api_server_override: str | None = None
    # "legacy": apt.kubernetes.io and CRI-O's kubic repositories (gone upstream since 2024;
    # needs a mirror). Which versions each has: bgplb/model/support.py.
    package_repos: Literal["current", "legacy"] = "current"
    # A site mirror of the package repositories, laid out as <mirror>/<upstream host>/<path>
    # (for example https://mirror.example.net/apt/pkgs.k8s.io/core:/stable:/v1.30/deb/); the
    # bootstrap's sources and key URLs then point there. None: upstream itself.
    package_mirror: str | None = Field(
        default=None, pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*/?$"
    )
    cni: CniSpec

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])

    @property
    def minor_tuple(self) -> tuple[int, int]:
        major, minor = self.version.split(".")[:2]
        return (int(major), int(minor))


class PoolSpec(Strict):
    name: DNS1123Label  # an IPAddressPool's metadata.name from MetalLB 0.13
    addresses: list[IPv4Network] = Field(min_length=1)
    avoid_buggy_ips: Bool = False
    auto_assign: Bool = True


MetallbDialect = Literal["configmap", "crds"]
SpeakerMode = Literal["native", "frr"]  # MetalLB's BGP implementation (FRR mode from 0.13)


class MetallbTimers(Strict):
    """What MetalLB's speakers ask the router for: ConfigMap `hold-time` (0.9: hold only),
    BGPPeer `holdTime`/`keepaliveTime` (CRDs). Unset: native mode asks for 90 s, FRR mode for
    FRR's 180 s (../shared/upstream/README.md)."""

    hold_time: Int = Field(ge=0, le=65535)
    keepalive_time: Int | None = Field(default=None, ge=1, le=65535)

    @model_validator(mode="after")
    def _rfc4271(self) -> MetallbTimers:
        if 0 < self.hold_time < 3:  # config.go parseHoldTime / parseTimers
            raise ValueError(f"hold_time {self.hold_time}: must be 0 or at least 3 s")
        if self.hold_time and self.keepalive_time and self.keepalive_time * 3 > self.hold_time:
            raise ValueError(
                f"keepalive_time {self.keepalive_time} is more than a third of "
                f"hold_time {self.hold_time}"
            )
        return self


class BfdSpec(Strict):
    """A BFD profile (MetalLB BFDProfile, VyOS `protocols bfd peer`), milliseconds."""

    receive_interval_ms: Int = Field(default=300, ge=10, le=60000)
    transmit_interval_ms: Int = Field(default=300, ge=10, le=60000)
    detect_multiplier: Int = Field(default=3, ge=2, le=255)


class MetallbSpec(Strict):
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    mode: Literal["bgp"]
    # the BGP speaker: MetalLB's own ("native") or FRR ("frr", metallb-frr.yaml, from 0.13)
    implementation: SpeakerMode = "native"
    config_dialect: MetallbDialect | None = None
    control_plane_announces: Bool = False
    manifests: list[Manifest] = Field(min_length=1)
    memberlist_secret_env: EnvName | None = None
    password_env: EnvName | None = None
    pools: list[PoolSpec] = Field(min_length=1)
    timers: MetallbTimers | None = None
    bfd: BfdSpec | None = None  # FRR mode only

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        major, minor, patch = (int(x) for x in self.version.split("."))
        return (major, minor, patch)

    @property
    def dialect(self) -> MetallbDialect:
        """ConfigMap up to 0.12, CRDs from 0.13 (config_dialect, when given, must agree)."""
        return "configmap" if self.version_tuple < (0, 13, 0) else "crds"

    @property
    def honours_exclude_label(self) -> bool:
        """Speakers skip nodes labelled exclude-from-external-load-balancers from 0.14.2."""
        return self.version_tuple >= (0, 14, 2)


class ServiceSpec(Strict):
    name: DNS1035Label  # Service names are RFC 1035 labels
    namespace: DNS1123Label = "default"
    app: LabelValue = Field(min_length=1)  # the `app` label and selector
    image: ImageRef
    replicas: Int = Field(ge=0, le=1000)
    port: Int = Field(ge=1, le=65535)
    lb_ip: IPv4Address | None = None
    pool: DNS1123Label | None = None
    external_traffic_policy: Literal["Cluster", "Local"] = "Cluster"
    # seconds a pod asked to stop keeps serving (a preStop `sleep`) so that every node's
    # kube-proxy has dropped it before it stops: a drain or a rollout then fails no request
    stop_delay_seconds: Int = Field(default=5, ge=0, le=300)


class LabSpec(Strict):
    """Present only in inventories of the local twin."""

    state_dir: Path
    known_hosts: Path


class UnsafeConnectionOption(Strict):
    """One host allowed one connection option that weakens safety (bgplb/model/connections.py);
    reported as an UNSAFE warning on every run."""

    host: Name
    option: Literal["host_key_policy", "ssh_config_file", "session_log"]
    reason: str = Field(min_length=1, max_length=200)


class SiteSpec(Strict):
    name: Name
    kubernetes: KubernetesSpec
    metallb: MetallbSpec
    services: list[ServiceSpec] = []
    lab: LabSpec | None = None
    unsafe_connection_options: list[UnsafeConnectionOption] = []


# A login name for SSH: POSIX-portable user names.
UserName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$")]

# Keys that hold secrets when given inline (anywhere in the YAML, Nornir fields and
# connection_options included). Only NAME_env references and key paths are allowed.
SECRET_KEY = re.compile(
    r"(^|_)(password|passwd|passphrase|pass|pkey|psk|private_?key|secret|secret_?key|token"
    r"|api_?key|community|auth_?key|bearer|credential)$",
    re.I,
)
# Keys that name a key: a path is fine (`ssh_key: ~/.ssh/id_ed25519`), key material is not.
KEY_KEY = re.compile(r"(^|_)key(_?file)?$", re.I)
# What inline key material looks like: a PEM block, or a long run of base64 with no path in it.
INLINE_KEY = re.compile(r"-----BEGIN|PRIVATE KEY|^[A-Za-z0-9+=]{32,}$|\n")


class RawEntry(Strict):
    """A host or group entry of Nornir's SimpleInventory, before role-specific validation."""

    hostname: str | None = None
    port: Int | None = Field(default=None, ge=1, le=65535)
    username: UserName | None = None
    platform: Name | None = None
    groups: list[str] = []
    data: dict[str, object] = {}
    connection_options: dict[str, dict[str, object]] = {}

    @field_validator("groups", mode="before")
    @classmethod
    def _groups_list(cls, value: object) -> object:
        return [] if value is None else value


class RawDefaults(Strict):
    port: Int | None = Field(default=None, ge=1, le=65535)
    username: UserName | None = None
    platform: Name | None = None
    data: dict[str, object] = {}
    connection_options: dict[str, dict[str, object]] = {}
