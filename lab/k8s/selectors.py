"""Label and field selectors: the query-string forms and the LabelSelector object form."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lab.k8s.status import ApiError, bad_request

Labels = Mapping[str, str]
Matcher = Callable[[Labels], bool]

_KEY = r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET_RE = re.compile(rf"^\s*(!?)\s*({_KEY})\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_CMP_RE = re.compile(rf"^\s*({_KEY})\s*(==|=|!=)\s*({_VALUE})\s*$")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # in, notin, exists, !, =, !=
    values: tuple[str, ...] = ()

    def matches(self, labels: Labels) -> bool:
        has = self.key in labels
        val = labels.get(self.key)
        match self.op:
            case "exists":
                return has
            case "!":
                return not has
            case "=" | "in":
                return has and val in self.values
            case "!=" | "notin":
                return not has or val not in self.values
        return False


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def parse_label_selector(text: str) -> list[Requirement]:
    reqs: list[Requirement] = []
    if not text.strip():
        return reqs
    for part in _split(text):
        m = _CMP_RE.match(part)
        if m:
            op = "!=" if m.group(2) == "!=" else "="
            reqs.append(Requirement(m.group(1), op, (m.group(3),)))
            continue
        m = _SET_RE.match(part)
        if m and not (m.group(1) and m.group(3)):
            if m.group(3):
                values = tuple(v.strip() for v in m.group(4).split(",") if v.strip())
                reqs.append(Requirement(m.group(2), m.group(3), values))
            else:
                reqs.append(Requirement(m.group(2), "!" if m.group(1) else "exists"))
            continue
        raise bad_request(f"unable to parse requirement: {part.strip()!r}: invalid label selector")
    return reqs


def label_matcher(text: str) -> Matcher:
    reqs = parse_label_selector(text)
    return lambda labels: all(r.matches(labels) for r in reqs)


def selector_object_matcher(selector: Mapping[str, Any] | None) -> Matcher:
    """A metav1.LabelSelector (matchLabels + matchExpressions). None/empty matches everything."""
    if not selector:
        return lambda _labels: True
    reqs = [Requirement(k, "=", (str(v),)) for k, v in (selector.get("matchLabels") or {}).items()]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in selector.get("matchExpressions") or []:
        op = ops.get(str(expr.get("operator")))
        if op is None:
            raise ApiError(
                422, "Invalid", f"{expr.get('operator')!r} is not a valid label selector operator"
            )
        reqs.append(
            Requirement(str(expr["key"]), op, tuple(str(v) for v in expr.get("values") or []))
        )
    return lambda labels: all(r.matches(labels) for r in reqs)


def map_matcher(selector: Mapping[str, str] | None) -> Matcher:
    """A Service's or nodeSelector's plain map: every pair must be present. Empty matches all."""
    pairs = dict(selector or {})
    return lambda labels: all(labels.get(k) == v for k, v in pairs.items())


# ---- field selectors ---------------------------------------------------------------------

FieldMatcher = Callable[[Mapping[str, Any]], bool]


def field_value(obj: Mapping[str, Any], path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, Mapping) else None
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    if isinstance(cur, list):
        return ",".join(str(x.get("ip", x)) if isinstance(x, Mapping) else str(x) for x in cur)
    return str(cur)


def field_matcher(text: str, supported: tuple[str, ...]) -> FieldMatcher:
    """Parse `a=b,c!=d`; a field the resource does not index is a 400, as on a real server."""
    terms: list[tuple[str, bool, str]] = []
    allowed = {"metadata.name", "metadata.namespace", *supported}
    for raw in (p for p in text.split(",") if p.strip()):
        m = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$", raw)
        if not m:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{raw}'")
        field, op, value = m.groups()
        if field not in allowed:
            raise bad_request(f"field label not supported: {field}")
        terms.append((field, op != "!=", value))

    def match(obj: Mapping[str, Any]) -> bool:
        return all((field_value(obj, f) == v) == eq for f, eq, v in terms)

    return match
