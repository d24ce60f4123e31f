"""Value validators for config leaves and tag values, as VyOS's XML constraints define them.

A validator returns True when the value is acceptable. The error text is the node's
`constraintErrorMessage`, or `Invalid value` when the XML has none (vyos-1x
scripts/build-command-templates: `default_constraint_err_msg`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

INVALID_VALUE = "Invalid value"


@dataclass(frozen=True)
class Validator:
    name: str
    check: Callable[[str], bool]
    error: str = INVALID_VALUE

    def __call__(self, value: str) -> bool:
        return self.check(value)


def _ipv4(v: str) -> bool:
    try:
        ipaddress.IPv4Address(v)
    except ValueError:
        return False
    return True


def _ipv6(v: str) -> bool:
    try:
        ipaddress.IPv6Address(v)
    except ValueError:
        return False
    return True


def _ipv4_prefix(v: str) -> bool:
    """A network address with its length (host bits zero), as VyOS's `ipv4-prefix`."""
    if "/" not in v:
        return False
    try:
        ipaddress.IPv4Network(v, strict=True)
    except ValueError:
        return False
    return True


def _host_with_len(v: str) -> bool:
    if "/" not in v:
        return False
    try:
        ipaddress.ip_interface(v)
    except ValueError:
        return False
    return True


_IFNAME = re.compile(r"^(eth|lo|dum|br|bond|wg|vtun|tun|pppoe|veth)[0-9]*(\.[0-9]+)?$")
_HOSTNAME = re.compile(r"^[A-Za-z0-9][-.A-Za-z0-9]{0,62}$")
_MAC = re.compile(r"^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$")
_NAME = re.compile(r"^[-_A-Za-z0-9.]+$")


def numeric(lo: int, hi: int, error: str = INVALID_VALUE, *extra: str) -> Validator:
    def check(v: str) -> bool:
        return v in extra or (v.isdigit() and lo <= int(v) <= hi)

    return Validator(f"numeric {lo}-{hi}", check, error)


def one_of(*choices: str, error: str = INVALID_VALUE) -> Validator:
    return Validator("enum " + "|".join(choices), lambda v: v in choices, error)


def any_of(*validators: Validator, error: str = INVALID_VALUE) -> Validator:
    return Validator(
        " or ".join(v.name for v in validators), lambda x: any(v(x) for v in validators), error
    )


IPV4 = Validator("ipv4", _ipv4)
IPV6 = Validator("ipv6", _ipv6)
IPV4_PREFIX = Validator("ipv4-prefix", _ipv4_prefix)
IFNAME = Validator("interface", lambda v: bool(_IFNAME.match(v)))
ETHERNET = Validator("ethernet", lambda v: bool(re.match(r"^eth[0-9]+$", v)))
MAC = Validator("mac-address", lambda v: bool(_MAC.match(v)))
NAME = Validator("name", lambda v: bool(_NAME.match(v)))
TEXT = Validator("txt", lambda _: True)
ASN = numeric(1, 4294967294)
REMOTE_AS = numeric(1, 4294967294, "Invalid AS number", "external", "internal")
PORT = numeric(1, 65535)
HOSTNAME = Validator(
    "hostname",
    lambda v: bool(_HOSTNAME.match(v)),
    "Host-name must be alphanumeric and can contain hyphens",
)
NEIGHBOR = any_of(IPV4, IPV6, IFNAME)
IF_ADDRESS = any_of(
    one_of("dhcp", "dhcpv6"), Validator("ip-host", _host_with_len), error="Invalid value"
)
ENABLE_DISABLE = one_of("enable", "disable")
