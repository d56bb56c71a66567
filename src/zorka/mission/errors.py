"""Problems found in a mission file, each with the field path and, where known, the line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["MissionError", "MissionIssue"]


@dataclass(frozen=True)
class MissionIssue:
    """One problem in a mission: where it is (``satellites[1].sensor.gsd_m``) and what is wrong.

    ``line`` is 1-based in ``source`` (the mission file) when the mission came from YAML.
    Warnings do not stop a mission from loading; errors do.
    """

    path: str
    message: str
    line: int | None = None
    source: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.source or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        head = f"{where}: " if where else ""
        label = "warning: " if self.severity == "warning" else ""
        path = f"{self.path}: " if self.path else ""
        return f"{head}{label}{path}{self.message}"


class MissionError(ValueError):
    """A mission that cannot be used; ``issues`` holds every problem found, not just the first."""

    def __init__(self, issues: Sequence[MissionIssue]) -> None:
        self.issues = list(issues)
        count = len(self.issues)
        head = f"{count} problem{'s' if count != 1 else ''} in the mission"
        super().__init__("\n".join([head, *(f"  {issue}" for issue in self.issues)]))
