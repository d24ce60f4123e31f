"""What a check concludes: one Finding per object checked, pass or not."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # fails the audit (exit 1)
    WARNING = "warning"  # worth a look, does not fail the audit
    SKIPPED = "skipped"  # the source was deliberately not gathered (--limit, --no-probe)
    PASS = "pass"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    check: str  # "session", "announcers", "fib", ...
    object: str  # what it concerns: "198.18.100.10", "peer 198.18.30.60 (worker02)"
    expected: str
    actual: str
    hint: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity.value,
            "check": self.check,
            "object": self.object,
            "expected": self.expected,
            "actual": self.actual,
            "hint": self.hint,
        }


def passed(check: str, obj: str, expected: str, actual: str = "") -> Finding:
    return Finding(Severity.PASS, check, obj, expected, actual or expected)


def error(check: str, obj: str, expected: str, actual: str, hint: str = "") -> Finding:
    return Finding(Severity.ERROR, check, obj, expected, actual, hint)


def warning(check: str, obj: str, expected: str, actual: str, hint: str = "") -> Finding:
    return Finding(Severity.WARNING, check, obj, expected, actual, hint)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Number of findings per severity, every severity present (0 when none)."""
    found = Counter(f.severity for f in findings)
    return {s.value: found.get(s, 0) for s in Severity}


def audit_ok(findings: Iterable[Finding]) -> bool:
    return not any(f.severity is Severity.ERROR for f in findings)
