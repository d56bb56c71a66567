"""Time in zorka: UTC instants, arrays of them, ISO-8601 text and Julian dates.

zorka keeps an array of instants as one reference instant plus float seconds from it
(:class:`TimeArray`). Offsets of a few weeks keep sub-microsecond resolution in a float64, and
arithmetic on them is plain numpy. Leap seconds are not counted inside an array: an array that
straddles one is off by a second after it, which no pass or plan horizon here does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DAY_S",
    "J2000",
    "TimeArray",
    "format_utc",
    "julian_date",
    "parse_utc",
]

DAY_S = 86400.0
J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)
_UNIX_JD = 2440587.5


def parse_utc(text: str | datetime | date, *, field: str = "time") -> datetime:
    """Parse an ISO-8601 instant (``2024-09-05T00:00:00Z``) into an aware UTC datetime.

    Naive text is taken as UTC; a date alone means its midnight. ``field`` names the value in
    the error message, so a user learns which option or key was wrong.
    """
    if isinstance(text, datetime):
        return text.replace(tzinfo=UTC) if text.tzinfo is None else text.astimezone(UTC)
    if isinstance(text, date):
        return datetime(text.year, text.month, text.day, tzinfo=UTC)
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"{field}: {text!r} is not an ISO-8601 time; write e.g. 2024-09-05T00:00:00Z"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_utc(value: datetime, *, digits: int = 3) -> str:
    """ISO-8601 UTC text ending in ``Z`` with ``digits`` decimals of the second (0, 3 or 6)."""
    value = value.astimezone(UTC) if value.tzinfo else value
    if digits == 0:
        value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if digits == 3:
        micro = math.floor(value.microsecond / 1000 + 0.5) * 1000
        value = value.replace(microsecond=0) + timedelta(microseconds=micro)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if digits == 6:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    raise ValueError(f"digits must be 0, 3 or 6, not {digits}")


def julian_date(value: datetime) -> tuple[float, float]:
    """Split Julian date (whole part ending in .5, fraction of day) of a UTC instant."""
    value = value.astimezone(UTC)
    midnight = value.replace(hour=0, minute=0, second=0, microsecond=0)
    jd = (midnight - datetime(1970, 1, 1, tzinfo=UTC)).days + _UNIX_JD
    fr = (value - midnight) / timedelta(days=1)
    return jd, fr


@dataclass(frozen=True)
class TimeArray:
    """Instants as ``t0`` plus ``seconds`` (float64 offsets, any shape)."""

    t0: datetime
    seconds: NDArray[np.float64]

    @classmethod
    def from_offsets(cls, t0: datetime, seconds: ArrayLike) -> TimeArray:
        """Instants ``t0 + seconds``."""
        return cls(parse_utc(t0), np.asarray(seconds, dtype=np.float64))

    @classmethod
    def linspace(cls, start: datetime, end: datetime, step_s: float) -> TimeArray:
        """Instants from ``start`` to ``end`` (both included) about ``step_s`` apart."""
        start, end = parse_utc(start), parse_utc(end)
        span = (end - start).total_seconds()
        if span < 0:
            raise ValueError(f"time window ends ({end}) before it starts ({start})")
        n = max(2, math.ceil(span / step_s) + 1)
        return cls(start, np.linspace(0.0, span, n))

    @classmethod
    def from_datetimes(cls, values: Sequence[datetime]) -> TimeArray:
        """Instants from a sequence of datetimes (the first is the reference)."""
        values = [parse_utc(v) for v in values]
        if not values:
            raise ValueError("no times given")
        t0 = values[0]
        return cls(t0, np.array([(v - t0).total_seconds() for v in values], dtype=np.float64))

    def __len__(self) -> int:
        return int(self.seconds.size)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.seconds.shape)

    def jd_fr(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Split Julian dates (UTC) in the form ``sgp4``'s array calls take."""
        jd0, fr0 = julian_date(self.t0)
        fr = fr0 + self.seconds / DAY_S
        return np.full_like(fr, jd0), fr

    def centuries_since_j2000(self) -> NDArray[np.float64]:
        """Julian centuries since J2000 (on the UTC scale, as SGP4's GMST takes them)."""
        base = (self.t0 - J2000).total_seconds()
        return (base + self.seconds) / (DAY_S * 36525.0)

    def datetimes(self) -> list[datetime]:
        """The instants as aware datetimes (flattened)."""
        return [self.t0 + timedelta(seconds=float(s)) for s in self.seconds.ravel()]

    def iso(self, digits: int = 3) -> list[str]:
        """The instants as ISO-8601 UTC text (flattened)."""
        return [format_utc(d, digits=digits) for d in self.datetimes()]

    def at(self, seconds: ArrayLike) -> TimeArray:
        """Other instants on the same reference."""
        return TimeArray(self.t0, np.asarray(seconds, dtype=np.float64))

    def offset_of(self, values: Iterable[datetime]) -> NDArray[np.float64]:
        """Seconds from this array's reference to each of ``values``."""
        return np.array([(parse_utc(v) - self.t0).total_seconds() for v in values])
