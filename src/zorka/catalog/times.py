"""RFC 3339 times and STAC datetime intervals, as the item-search ``datetime`` parameter has them.

STAC API asks for RFC 3339 exactly: a full date and time with a time zone (``Z`` or ``±hh:mm``),
``T`` or ``t`` between them, fractional seconds after a ``.`` only. Python's
:meth:`datetime.fromisoformat` takes much more (dates alone, no zone, ``+0100``, ``,52``), so a
search would silently read those in local time or as midnight; they are refused here instead,
naming what is wrong.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from zorka.catalog.filters import FilterError

__all__ = ["parse_interval", "parse_rfc3339"]

_RFC3339 = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[Tt]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?P<fraction>\.\d+)?"
    r"(?:(?P<utc>[Zz])|(?P<sign>[+-])(?P<zone_hour>\d{2}):(?P<zone_minute>\d{2}))"
)
_OPEN = ("", "..")


def parse_rfc3339(text: str) -> float:
    """An RFC 3339 date-time as epoch seconds. Raises :class:`FilterError` otherwise."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise FilterError(
            f"invalid datetime {text!r}: expected RFC 3339, e.g. 2020-07-23T00:00:00Z "
            "(a date, T, a time and a zone Z or +hh:mm)"
        )
    parts = {k: int(v) for k, v in match.groupdict().items() if v and v.isdigit()}
    # A leap second (:60) is allowed by RFC 3339; it is read as the next minute's start.
    leap = parts["second"] == 60
    offset = timedelta(0)
    if match["sign"]:
        if parts["zone_hour"] > 23 or parts["zone_minute"] > 59:
            raise FilterError(f"invalid datetime {text!r}: time zone offset out of range")
        offset = timedelta(hours=parts["zone_hour"], minutes=parts["zone_minute"])
        offset = -offset if match["sign"] == "-" else offset
    try:
        moment = datetime(
            parts["year"],
            parts["month"],
            parts["day"],
            parts["hour"],
            parts["minute"],
            59 if leap else parts["second"],
            tzinfo=UTC if match["utc"] else timezone(offset),
        )
    except ValueError as error:
        raise FilterError(f"invalid datetime {text!r}: {error}") from None
    fraction = float(match["fraction"] or 0.0)
    return moment.timestamp() + fraction + (1.0 if leap else 0.0)


def parse_interval(value: str) -> tuple[float | None, float | None]:
    """A STAC ``datetime`` parameter as epoch seconds ``(start, end)``; ``None`` for open ends.

    One time, or ``start/end`` where either end (not both) may be ``..`` or empty.
    """
    parts = value.split("/")
    if len(parts) == 1:
        t = parse_rfc3339(parts[0])
        return t, t
    if len(parts) != 2:
        raise FilterError(f"invalid datetime {value!r}: expected a time or start/end")
    if parts[0] in _OPEN and parts[1] in _OPEN:
        raise FilterError(f"invalid datetime {value!r}: an interval needs at least one end")
    start = None if parts[0] in _OPEN else parse_rfc3339(parts[0])
    end = None if parts[1] in _OPEN else parse_rfc3339(parts[1])
    if start is not None and end is not None and start > end:
        raise FilterError(f"invalid datetime {value!r}: start is after end")
    return start, end
