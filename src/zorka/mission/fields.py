"""What every mission-file field shares: strict models, and numbers with an allowed range.

Pydantic's own ``ge``/``le`` errors name one bound at a time ("should be less than or equal to
90"); a user who typed latitude 95 is better served by "allowed -90 to 90 degrees". :class:`Range`
carries both bounds and the unit, checks them, and writes them into the JSON Schema.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from zorka.time import parse_utc

__all__ = ["SPEC_CONFIG", "Range", "UtcTime"]

#: Model settings of every mission-file section: a misspelt key is an error, never ignored.
SPEC_CONFIG = ConfigDict(extra="forbid", validate_default=True)


def _num(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Range:
    """Annotation metadata: the value must lie between ``lo`` and ``hi`` (either may be open).

    Use as ``Annotated[float, Range(-90, 90, "degrees")]``.
    """

    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    lo_open: bool = False
    hi_open: bool = False

    @property
    def allowed(self) -> str:
        """The allowed range in words, e.g. ``at least -5 and less than 90 degrees``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.lo is not None and self.hi is not None and not self.lo_open and not self.hi_open:
            return f"{_num(self.lo)} to {_num(self.hi)}{unit}"
        parts = []
        if self.lo is not None:
            parts.append(f"{'more than' if self.lo_open else 'at least'} {_num(self.lo)}")
        if self.hi is not None:
            parts.append(f"{'less than' if self.hi_open else 'at most'} {_num(self.hi)}")
        return " and ".join(parts) + unit

    def contains(self, value: float) -> bool:
        """True when ``value`` is inside the range."""
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            return False
        return not (self.hi is not None and (value >= self.hi if self.hi_open else value > self.hi))

    def _check(self, value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value} is not a number; allowed {self.allowed}")
        if not self.contains(value):
            raise ValueError(f"{_num(value)} is out of range; allowed {self.allowed}")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if self.lo is not None:
            json_schema["exclusiveMinimum" if self.lo_open else "minimum"] = self.lo
        if self.hi is not None:
            json_schema["exclusiveMaximum" if self.hi_open else "maximum"] = self.hi
        return json_schema


def _utc(value: Any) -> Any:
    if isinstance(value, str | datetime | date):
        try:
            return parse_utc(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an ISO-8601 UTC time; write e.g. 2024-09-05T00:00:00Z"
            ) from None
    return value


#: An instant in UTC, written in ISO-8601 (``2024-09-05T00:00:00Z``); text without a zone is UTC.
UtcTime = Annotated[datetime, BeforeValidator(_utc)]
