"""Constrained scalar types shared by the inventory schemas.

Numbers and booleans are strict: YAML's `true` is not AS 1, `"8"` is not 8 and `yes` is not a
boolean here. Names are checked against the grammar of the system they reach (VyOS,
Kubernetes, a shell), so that no inventory string can carry a quote, a newline or markup into
a command line or a terminal.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt

# VyOS accepts ASNs 1..4294967294 (4294967295 is reserved, RFC 7300): the `local-as` and
# `remote-as` leaves of vyos-1x (2021-05-21) interface-definitions/include/bgp/
# protocol-common-config.xml.i and remote-as.xml.i: `<validator name="numeric"
# argument="--range 1-4294967294"/>`; the same range in 1.4.0 and 2024-10-21.
ASN_MAX = 4294967294
Asn = Annotated[StrictInt, Field(ge=1, le=ASN_MAX, description="BGP AS number, 1..4294967294")]
Int = StrictInt
Bool = StrictBool

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        # The value is never echoed: it may be the secret itself, pasted by mistake.
        raise ValueError("must be the NAME of an environment variable (A-Z, 0-9, _), not a value")
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]

# A name that reaches a command line (interface, VM, pool): letters, digits, `_.-`.
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=63)]

# VyOS peer-group names: vyos-1x (2021-05-21) interface-definitions/include/bgp/
# protocol-common-config.xml.i, `<tagNode name="peer-group">`: `<regex>^[-_a-zA-Z0-9]+$</regex>`.
PeerGroupName = Annotated[str, Field(pattern=r"^[-_a-zA-Z0-9]+$", max_length=63)]

# Inventory host names become Kubernetes node names, BGP descriptions, SSH targets in logs and
# shell arguments: an RFC 1123 label (lower case, as Kubernetes requires of node names).
HOST_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# Group names never leave the inventory, but are printed: Nornir's usual `k8s_nodes` style.
GROUP_NAME = re.compile(r"^[A-Za-z0-9_][-A-Za-z0-9_]{0,62}$")

# Kubernetes object names (k8s.io/apimachinery/pkg/util/validation): Services are RFC 1035
# labels, namespaces RFC 1123 labels, most other objects RFC 1123 subdomains.
DNS1035Label = Annotated[str, Field(pattern=r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")]
DNS1123Label = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
DNS1123Subdomain = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        max_length=253,
    ),
]
# Label values: empty, or up to 63 of [A-Za-z0-9_.-] beginning and ending alphanumeric.
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")
LabelValue = Annotated[str, Field(pattern=LABEL_VALUE.pattern)]
# Label keys: an optional DNS subdomain prefix and `/`, then a name like a label value.
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _label_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if not _LABEL_NAME.match(name) or (
        prefix and (len(prefix) > 253 or not _SUBDOMAIN.match(prefix))
    ):
        raise ValueError("not a Kubernetes label key ([prefix/]name, name: 1-63 of A-Za-z0-9_.-)")
    return value


LabelKey = Annotated[str, AfterValidator(_label_key)]

# A container image reference: [registry[:port]/]path[:tag][@sha256:digest], lower-case path.
ImageRef = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*"
        r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$",
        max_length=255,
    ),
]

# A file path or socket address that reaches a command line: no spaces, quotes or shell
# metacharacters (`unix:///run/crio/crio.sock`, `./uvtool-templates/master01.xml`).
CommandPath = Annotated[str, Field(pattern=r"^[A-Za-z0-9_./~+@:-]+$", max_length=1024)]

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Strict(BaseModel):
    """Every schema rejects unknown keys (typos) and is immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)
