"""Reading what a client sends: the geometry, time range and parameters of a search or an order.

Bodies follow STAPI (``{"datetime": "START/END", "geometry": {...}, "filter": {...},
"order_parameters": {...}}``). Every problem raises :class:`PayloadError` naming the parameter
(``geometry: the Polygon, ring 0 is not closed ...``), so that the web API can answer 400 with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from zorka.geometry.targets import Target, read_targets
from zorka.tasking.products import OrderParameters
from zorka.time import format_utc, parse_utc

__all__ = [
    "MAX_ORDER_WINDOW",
    "MAX_SEARCH_WINDOW",
    "OpportunitySearch",
    "OrderSpec",
    "PayloadError",
    "parse_opportunity_search",
    "parse_order",
]

#: Longest time range of an opportunity search: the access computation runs over all of it.
MAX_SEARCH_WINDOW = timedelta(days=14)
#: Longest window of an order (checked for access day by day until the first opportunity).
MAX_ORDER_WINDOW = timedelta(days=62)
#: Most opportunities one search returns.
MAX_SEARCH_LIMIT = 1000

_GEOMETRIES = ("Point", "Polygon", "MultiPolygon")


class PayloadError(ValueError):
    """A bad parameter of a request body; the message starts with the parameter's name."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}")


@dataclass(frozen=True)
class OrderSpec:
    """What an order asks for: where (a GeoJSON geometry and its target), when, and how."""

    geometry: dict[str, Any]
    target: Target
    start: datetime
    end: datetime
    parameters: OrderParameters = field(default_factory=OrderParameters)

    @property
    def datetime_interval(self) -> str:
        """The time range as STAPI writes it, ``START/END``."""
        return f"{format_utc(self.start, digits=0)}/{format_utc(self.end, digits=0)}"


@dataclass(frozen=True)
class OpportunitySearch:
    """An opportunity search: the order it would be, a CQL2 filter and a page size."""

    spec: OrderSpec
    filter: dict[str, Any] | None = None
    limit: int = 10


def _body(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise PayloadError("body", f"must be a JSON object, not {type(body).__name__}")
    return body


def parse_geometry(value: Any, name: str = "order") -> tuple[dict[str, Any], Target]:
    """A GeoJSON Point, Polygon or MultiPolygon and its target, named ``name``."""
    if value is None:
        raise PayloadError("geometry", "missing; give a GeoJSON Point, Polygon or MultiPolygon")
    if not isinstance(value, Mapping):
        raise PayloadError("geometry", f"must be a GeoJSON object, not {type(value).__name__}")
    kind = value.get("type")
    if kind not in _GEOMETRIES:
        raise PayloadError(
            "geometry", f"type {kind!r} cannot be ordered; use {', '.join(_GEOMETRIES)}"
        )
    feature = {"type": "Feature", "id": name, "properties": {}, "geometry": dict(value)}
    targets, refused = read_targets({"type": "FeatureCollection", "features": [feature]})
    if refused:
        raise PayloadError("geometry", refused[0].reason)
    if len(targets) != 1:  # pragma: no cover - a Point, Polygon or MultiPolygon is one target
        raise PayloadError("geometry", "must describe one target")
    return dict(value), targets[0]


def parse_datetime(value: Any, longest: timedelta) -> tuple[datetime, datetime]:
    """A STAPI time range ``START/END``: both ends given, the end after the start, at most
    ``longest`` apart."""
    if value is None:
        raise PayloadError(
            "datetime", "missing; give START/END, e.g. 2024-09-05T00:00:00Z/2024-09-07T00:00:00Z"
        )
    if not isinstance(value, str) or value.count("/") != 1:
        raise PayloadError(
            "datetime", f"{value!r} is not an interval START/END of two ISO-8601 times"
        )
    first, second = value.split("/")
    if first.strip() in ("", "..") or second.strip() in ("", ".."):
        raise PayloadError("datetime", "an open interval cannot be tasked; give both ends")
    try:
        start = parse_utc(first, field="start")
        end = parse_utc(second, field="end")
    except ValueError as exc:
        raise PayloadError("datetime", str(exc)) from None
    if end <= start:
        raise PayloadError(
            "datetime",
            f"the end {format_utc(end, digits=0)} is not after the start"
            f" {format_utc(start, digits=0)}",
        )
    if end - start > longest:
        raise PayloadError(
            "datetime",
            f"the interval is {(end - start) / timedelta(days=1):.1f} days long; at most"
            f" {longest / timedelta(days=1):g} days",
        )
    return start, end


def parse_parameters(value: Any) -> OrderParameters:
    """The order parameters (all optional)."""
    if value is None:
        return OrderParameters()
    if not isinstance(value, Mapping):
        raise PayloadError("order_parameters", f"must be an object, not {type(value).__name__}")
    try:
        return OrderParameters.model_validate(dict(value))
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise PayloadError("order_parameters", "; ".join(problems)) from None


def parse_order(body: Any) -> OrderSpec:
    """The order a STAPI order body asks for."""
    body = _body(body)
    _no_extra(body, {"datetime", "geometry", "filter", "order_parameters"})
    geometry, target = parse_geometry(body.get("geometry"))
    start, end = parse_datetime(body.get("datetime"), MAX_ORDER_WINDOW)
    return OrderSpec(geometry, target, start, end, parse_parameters(body.get("order_parameters")))


def parse_opportunity_search(body: Any) -> OpportunitySearch:
    """The search a STAPI opportunity search body asks for."""
    body = _body(body)
    _no_extra(body, {"datetime", "geometry", "filter", "order_parameters", "limit", "next"})
    geometry, target = parse_geometry(body.get("geometry"))
    start, end = parse_datetime(body.get("datetime"), MAX_SEARCH_WINDOW)
    spec = OrderSpec(geometry, target, start, end, parse_parameters(body.get("order_parameters")))
    cql = body.get("filter")
    if cql is not None:
        cql = check_filter(cql)
    limit = body.get("limit", 10)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise PayloadError("limit", f"{limit!r} is not a whole number from 1 to {MAX_SEARCH_LIMIT}")
    return OpportunitySearch(spec, cql, limit)


def check_filter(value: Any) -> dict[str, Any]:
    """A CQL2-JSON filter, checked."""
    from cql2 import Expr

    if not isinstance(value, Mapping):
        raise PayloadError("filter", "must be a CQL2-JSON object")
    try:
        Expr(dict(value)).validate()
    except Exception as exc:  # cql2 raises its own types for syntax and schema errors
        raise PayloadError("filter", f"not valid CQL2-JSON: {exc}") from None
    return dict(value)


def _no_extra(body: Mapping[str, Any], known: set[str]) -> None:
    extra = sorted(set(body) - known)
    if extra:
        raise PayloadError(extra[0], f"unknown field; the body may have {', '.join(sorted(known))}")
