"""Inventory problems: each names the file, the host or group, and the key."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bgplb.errors import InputError


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str  # path of the inventory file, as given
    obj: str  # "host vyos", "group k8s_nodes", "defaults", or "" for the file itself
    key: str  # dotted key inside the object, e.g. "data.bgp.asn"
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.obj, self.key) if part)
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{prefix}{where}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity.value,
            "file": self.file,
            "object": self.obj,
            "key": self.key,
            "message": self.message,
        }


class InventoryProblems(InputError):
    """All the problems found in one inventory, reported together."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR]
        super().__init__(
            f"{len(errors)} problem(s) in the inventory:\n" + "\n".join(f"  {p}" for p in errors)
        )
