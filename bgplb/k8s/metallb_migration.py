"""MetalLB's ConfigMap (0.9 to 0.12) converted to its custom resources (0.13+), as MetalLB's
own migration tool does it (metallb/metallb `configmaptocrs/main.go`, `resourcesFor`):

- each peer -> BGPPeer metallb.io/v1beta2 named `peer<N>` (1-based, in order): myASN, peerASN,
  peerAddress, sourceAddress, peerPort, routerID, password, bfdProfile, ebgpMultiHop; holdTime
  90s when unset, whole seconds, 0 or at least 3s; keepaliveTime a third of holdTime when
  unset; each node selector -> a LabelSelector (matchLabels, matchExpressions);
- each address pool -> IPAddressPool (addresses, avoidBuggyIPs, autoAssign when given);
- each pool's bgp-advertisements -> BGPAdvertisement `bgpadvertisement<N>` (numbered across
  pools) for that pool (aggregationLength[V6], localPref, communities); a BGP pool without any
  -> one empty BGPAdvertisement for it; a `layer2` pool -> L2Advertisement `l2advertisement<N>`;
- bfd-profiles -> BFDProfile; bgp-communities -> one Community `communities`.

The text is read as the tool's Go structs read it: every scalar as the type of its field
(`64512:1` stays a community string, not YAML 1.1's base-60 integer).
Objects come in the tool's order: peers, pools, BGP advertisements, L2 advertisements, BFD
profiles, communities; in the ConfigMap's namespace. Pure: text in, documents out.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bgplb.errors import InputError

Doc = dict[str, Any]
V1BETA1 = "metallb.io/v1beta1"
V1BETA2 = "metallb.io/v1beta2"
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|us|µs|ns|m|s)")


def parse_go_duration(text: str) -> float:
    """Seconds of a Go duration string (`90s`, `1m30s`, `1.5h`); InputError otherwise."""
    s = text.strip()
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if s == "0":
        return 0.0
    pos, total = 0, 0.0
    for m in _DURATION.finditer(s):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(s) or not s:
        raise InputError(f"invalid duration {text!r}")
    return sign * total


def go_duration(seconds: int) -> str:
    """Go's time.Duration.String() for whole seconds: 90 -> `1m30s`, 0 -> `0s`."""
    if seconds == 0:
        return "0s"
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h{m}m{s}s"
    if m:
        return f"{m}m{s}s"
    return f"{s}s"


def _hold_time(text: str | None) -> int:
    if not text:
        return 90
    rounded = int(parse_go_duration(text))
    if rounded != 0 and rounded < 3:
        raise InputError(f"invalid hold time {text!r}: must be 0 or >=3s")
    return rounded


def _keepalive(hold: int, text: str | None) -> int:
    if not text:
        return hold // 3
    return int(parse_go_duration(text))


def _int(value: Any, key: str) -> int:
    try:
        return int(str(value), 10)
    except ValueError:
        raise InputError(f"MetalLB ConfigMap: {key} {value!r} is not an integer") from None


def _bool(value: Any, key: str) -> bool:
    text = str(value).lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0", ""):
        return False
    raise InputError(f"MetalLB ConfigMap: {key} {value!r} is not a boolean")


def _meta(name: str, namespace: str) -> Doc:
    return {"name": name, "namespace": namespace}


def _selector(sel: Doc) -> Doc:
    out: Doc = {}
    if sel.get("match-labels"):
        out["matchLabels"] = dict(sel["match-labels"])
    out["matchExpressions"] = [
        {"key": e["key"], "operator": e["operator"], "values": list(e.get("values") or [])}
        for e in sel.get("match-expressions") or []
    ]
    return out


def _peer(i: int, p: Doc, namespace: str) -> Doc:
    hold = _hold_time(p.get("hold-time"))
    spec: Doc = {
        "myASN": _int(p.get("my-asn", 0), "my-asn"),
        "peerASN": _int(p.get("peer-asn", 0), "peer-asn"),
        "peerAddress": p.get("peer-address", ""),
        "holdTime": go_duration(hold),
        "keepaliveTime": go_duration(_keepalive(hold, p.get("keepalive-time"))),
    }
    optional = (
        ("source-address", "sourceAddress"),
        ("peer-port", "peerPort"),
        ("router-id", "routerID"),
        ("password", "password"),
        ("bfd-profile", "bfdProfile"),
        ("ebgp-multihop", "ebgpMultiHop"),
    )
    for key, field in optional:
        if key == "peer-port" and p.get(key):
            spec[field] = _int(p[key], key)
        elif key == "ebgp-multihop" and p.get(key) is not None:
            if _bool(p[key], key):
                spec[field] = True
        elif p.get(key):
            spec[field] = p[key]
    if p.get("node-selectors"):
        spec["nodeSelectors"] = [_selector(s) for s in p["node-selectors"]]
    return {
        "apiVersion": V1BETA2,
        "kind": "BGPPeer",
        "metadata": _meta(f"peer{i}", namespace),
        "spec": spec,
    }


def _pool(pool: Doc, namespace: str) -> Doc:
    spec: Doc = {"addresses": list(pool.get("addresses") or [])}
    if pool.get("avoid-buggy-ips") is not None and _bool(
        pool["avoid-buggy-ips"], "avoid-buggy-ips"
    ):
        spec["avoidBuggyIPs"] = True
    if pool.get("auto-assign") is not None:
        spec["autoAssign"] = _bool(pool["auto-assign"], "auto-assign")
    return {
        "apiVersion": V1BETA1,
        "kind": "IPAddressPool",
        "metadata": _meta(pool["name"], namespace),
        "spec": spec,
    }


def _bgp_advertisements(pools: list[Doc], namespace: str) -> list[Doc]:
    out: list[Doc] = []
    for pool in pools:
        advs = pool.get("bgp-advertisements") or []
        for adv in advs:
            spec: Doc = {}
            for key, field in (
                ("aggregation-length", "aggregationLength"),
                ("aggregation-length-v6", "aggregationLengthV6"),
                ("localpref", "localPref"),
            ):
                if adv.get(key) is not None:
                    spec[field] = _int(adv[key], key)
            if adv.get("communities"):
                spec["communities"] = [str(c) for c in adv["communities"]]
            spec["ipAddressPools"] = [pool["name"]]
            out.append(_adv("BGPAdvertisement", len(out) + 1, spec, namespace))
        if not advs and pool.get("protocol") == "bgp":
            out.append(
                _adv(
                    "BGPAdvertisement", len(out) + 1, {"ipAddressPools": [pool["name"]]}, namespace
                )
            )
    return out


def _adv(kind: str, n: int, spec: Doc, namespace: str) -> Doc:
    prefix = "bgpadvertisement" if kind == "BGPAdvertisement" else "l2advertisement"
    return {
        "apiVersion": V1BETA1,
        "kind": kind,
        "metadata": _meta(f"{prefix}{n}", namespace),
        "spec": spec,
    }


def _bfd(profile: Doc, namespace: str) -> Doc:
    fields = (
        ("receive-interval", "receiveInterval"),
        ("transmit-interval", "transmitInterval"),
        ("detect-multiplier", "detectMultiplier"),
        ("echo-interval", "echoInterval"),
        ("minimum-ttl", "minimumTtl"),
    )
    spec: Doc = {f: _int(profile[k], k) for k, f in fields if profile.get(k) is not None}
    spec["echoMode"] = _bool(profile.get("echo-mode", "false"), "echo-mode")
    spec["passiveMode"] = _bool(profile.get("passive-mode", "false"), "passive-mode")
    return {
        "apiVersion": V1BETA1,
        "kind": "BFDProfile",
        "metadata": _meta(profile["name"], namespace),
        "spec": spec,
    }


def configmap_to_crs(config_text: str, namespace: str = "metallb-system") -> list[Doc]:
    """The custom resources for the `config` key of MetalLB's ConfigMap (its YAML text)."""
    try:
        # every scalar a string: converted below to its field's type, as the tool's structs do
        cf = yaml.load(config_text, Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"MetalLB ConfigMap: not YAML: {exc}") from None
    if not isinstance(cf, dict):
        raise InputError("MetalLB ConfigMap: `config` is not a mapping")
    pools: list[Doc] = list(cf.get("address-pools") or [])
    docs = [_peer(i, p, namespace) for i, p in enumerate(cf.get("peers") or [], start=1)]
    docs += [_pool(p, namespace) for p in pools]
    docs += _bgp_advertisements(pools, namespace)
    layer2 = [p for p in pools if p.get("protocol") == "layer2"]
    docs += [
        _adv("L2Advertisement", n, {"ipAddressPools": [p["name"]]}, namespace)
        for n, p in enumerate(layer2, start=1)
    ]
    docs += [_bfd(b, namespace) for b in cf.get("bfd-profiles") or []]
    communities = cf.get("bgp-communities") or {}
    if communities:
        docs.append(
            {
                "apiVersion": V1BETA1,
                "kind": "Community",
                "metadata": _meta("communities", namespace),
                "spec": {
                    "communities": [{"name": k, "value": str(v)} for k, v in communities.items()]
                },
            }
        )
    return docs
