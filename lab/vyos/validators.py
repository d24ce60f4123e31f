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
    explain: Callable[[str], str] | None = None  # the error text when it names the value

    def __call__(self, value: str) -> bool:
        return self.check(value)

    def message(self, value: str) -> str:
        """What VyOS prints above `Value validation failed` for a refused value."""
        return self.explain(value) if self.explain is not None else self.error


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
_PEER_GROUP = re.compile(r"^[-_a-zA-Z0-9]+$")  # include/bgp/protocol-common-config.xml.i


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
PEER_GROUP = Validator("peer-group", lambda v: bool(_PEER_GROUP.match(v)))
# include/generic-description.xml.i (1.4.0, 2024-10-21)
DESCRIPTION_255 = Validator(
    "description", lambda v: len(v) <= 255, "Description too long (limit 255 characters)"
)


# --- 1.3 (vyatta-cfg-quagga node.def) ------------------------------------------------------
# A node.def value is checked by its `type:` first (vyatta-cfg cli_new.c char2val:
# `"<value>" is not a valid value of type "<type>"`), then by each `syntax:expression:`
# (its quoted message, or the output of the `exec` it runs).

_U32_MAX = 4294967295


def _type_error(type_name: str) -> Callable[[str], str]:
    return lambda value: f'"{value}" is not a valid value of type "{type_name}"'


def u32(lo: int, hi: int, error: str, *, zero: bool = False) -> Validator:
    """`type: u32` + `syntax:expression: $VAR(@) >= lo && $VAR(@) <= hi ; "error"`."""

    def is_u32(v: str) -> bool:
        return v.isdigit() and int(v) <= _U32_MAX

    def check(v: str) -> bool:
        return is_u32(v) and ((zero and int(v) == 0) or lo <= int(v) <= hi)

    def explain(v: str) -> str:
        return error if is_u32(v) else _type_error("u32")(v)

    return Validator(f"u32 {lo}-{hi}", check, error, explain)


def typed(type_name: str, inner: Validator) -> Validator:
    """`type: ipv4|ipv4net` with no further expression."""
    return Validator(type_name, inner.check, INVALID_VALUE, _type_error(type_name))


def _remote_as_13(v: str) -> bool:
    return v in ("external", "internal") or (v.isdigit() and 1 <= int(v) <= 4294967294)


def _remote_as_13_error(v: str) -> str:
    # vyatta-bgp.pl check_remote_as: `die` without "\n", so perl appends the script line
    line = 1347 if re.fullmatch(r"\d+", v) else 1353
    return (
        "remote-as must be between 1 and 4294967294 or external or internal "
        f"at /opt/vyatta/sbin/vyatta-bgp.pl line {line}."
    )


REMOTE_AS_13 = Validator("remote-as (1.3)", _remote_as_13, INVALID_VALUE, _remote_as_13_error)


def _peer_group_13(v: str) -> bool:
    """vyatta-bgp.pl check_peergroup_name: no IP address, only word characters, and not
    1-4 hex letters (Quagga would read them as an IPv6 address)."""
    if _ipv4(v) or _ipv6(v):
        return False
    return not re.search(r"[\s\W]", v) and not re.fullmatch(r"[A-Fa-f]{1,4}", v)


PEER_GROUP_13 = Validator(
    "peer-group (1.3)",
    _peer_group_13,
    INVALID_VALUE,
    lambda v: f"malformed peer-group name {v}",
)
# neighbor/node.tag/password/node.def: `echo -n '$VAR(@)' | wc -c` -gt 80
PASSWORD_13 = Validator(
    "password (1.3)", lambda v: len(v.encode()) <= 80, "Password must be 80 characters or less"
)
