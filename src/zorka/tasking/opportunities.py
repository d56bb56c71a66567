"""Opportunities: when the fleet can image an order's target, from zorka's access computation.

A point's opportunities are its access windows (:func:`~zorka.geometry.access.find_access`); an
area's are the push-broom strips that cut it (:func:`~zorka.geometry.strips.find_strips`). Both
use each satellite's limits tightened by the order's parameters. Properties carry STAC names
(``view:off_nadir``, ``view:sun_elevation``, ``gsd``, ``platform``), as the items that fulfil the
order will.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from zorka.geometry.access import AccessWindow, find_access
from zorka.geometry.strips import AreaOpportunity, find_strips
from zorka.geometry.targets import AreaTarget, PointTarget, Target, to_geojson_geometry
from zorka.tasking.payloads import OrderSpec
from zorka.tasking.products import ImagingProduct
from zorka.time import format_utc

__all__ = ["Opportunity", "OpportunityReport", "find_opportunities", "first_opportunity"]


@dataclass(frozen=True)
class Opportunity:
    """One chance to image the target: a satellite, a time interval, a look, a footprint."""

    product_id: str
    satellite: str
    norad_id: int
    start: datetime
    end: datetime
    geometry: dict[str, Any]
    properties: dict[str, Any]

    def to_feature(self) -> dict[str, Any]:
        """A STAPI opportunity (a GeoJSON feature with ``datetime`` ``START/END``)."""
        return {
            "type": "Feature",
            "geometry": self.geometry,
            "properties": {
                "datetime": f"{format_utc(self.start, digits=6)}/{format_utc(self.end, digits=6)}",
                "product_id": self.product_id,
                **self.properties,
            },
        }


@dataclass
class OpportunityReport:
    """The opportunities found (by start time), and why there are none when there are none."""

    opportunities: list[Opportunity] = field(default_factory=list)
    reason: str | None = None


def _round(value: float, digits: int) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


def _from_window(product: ImagingProduct, target: PointTarget, w: AccessWindow) -> Opportunity:
    b = w.best
    return Opportunity(
        product.id,
        w.satellite,
        w.norad_id,
        w.start,
        w.end,
        {"type": "Point", "coordinates": [target.longitude_deg, target.latitude_deg]},
        {
            "platform": w.satellite,
            "view:off_nadir": _round(b.off_nadir_deg, 3),
            "view:incidence_angle": _round(b.incidence_deg, 3),
            "view:azimuth": _round(b.view_azimuth_deg, 3),
            "view:sun_elevation": _round(b.sun_elevation_deg, 3),
            "view:sun_azimuth": _round(b.sun_azimuth_deg, 3),
            "gsd": _round(b.gsd_m * product.gsd_factor, 3),
            "zorka:best_time": format_utc(w.best_time),
            "zorka:roll_deg": _round(b.roll_deg, 3),
            "zorka:pitch_deg": _round(b.pitch_deg, 3),
        },
    )


def _from_strip(product: ImagingProduct, strip: AreaOpportunity) -> Opportunity:
    return Opportunity(
        product.id,
        strip.satellite,
        strip.norad_id,
        strip.start,
        strip.end,
        to_geojson_geometry(strip.footprint),
        {
            "platform": strip.satellite,
            "view:off_nadir": _round(strip.min_off_nadir_deg, 3),
            "view:incidence_angle": _round(strip.incidence_deg, 3),
            "view:sun_elevation": _round(strip.sun_elevation_deg, 3),
            "gsd": _round(strip.gsd_m * product.gsd_factor, 3),
            "zorka:best_time": format_utc(strip.best_time),
            "zorka:roll_deg": _round(strip.roll_deg, 3),
            "zorka:pitch_deg": 0.0,
            "zorka:covered_km2": _round(strip.covered_km2, 3),
        },
    )


def _with_limits(target: Target, spec: OrderSpec) -> Target:
    """The target carrying the order's angle and sun limits (targets tighten sensors)."""
    p = spec.parameters
    if isinstance(target, PointTarget):
        return PointTarget(
            target.name,
            target.latitude_deg,
            target.longitude_deg,
            target.altitude_m,
            p.max_off_nadir_deg,
            p.min_sun_elevation_deg,
        )
    return AreaTarget(target.name, target.polygon, p.max_off_nadir_deg, p.min_sun_elevation_deg)


def find_opportunities(
    product: ImagingProduct,
    spec: OrderSpec,
    start: datetime | None = None,
    end: datetime | None = None,
) -> OpportunityReport:
    """Every opportunity of ``product``'s satellites to image ``spec``'s target in its window
    (or in ``[start, end]``)."""
    t0 = spec.start if start is None else start
    t1 = spec.end if end is None else end
    report = OpportunityReport()
    if not product.satellites:
        report.reason = "no satellite of the fleet takes this product"
        return report
    target = _with_limits(spec.target, spec)
    p = spec.parameters
    if isinstance(target, PointTarget):
        limits = [
            lim.override(p.max_off_nadir_deg, p.min_sun_elevation_deg) for lim in product.limits
        ]
        found = find_access(list(product.satellites), [target], t0, t1, limits)
        report.opportunities = [_from_window(product, target, w) for w in found.windows]
        reason = found.reasons.get(target.name)
    else:
        strips = find_strips(list(product.satellites), list(product.sensors), [target], t0, t1)
        report.opportunities = [_from_strip(product, s) for s in strips.opportunities]
        report.opportunities.sort(key=lambda o: (o.start, o.satellite))
        reason = strips.reasons.get(target.name) or strips.errors.get(target.name)
    if not report.opportunities:
        report.reason = reason or "no opportunity"
    return report


def first_opportunity(
    product: ImagingProduct, spec: OrderSpec, step: timedelta = timedelta(days=1)
) -> OpportunityReport:
    """The opportunities of the first ``step`` of the order's window that has any.

    Checking an order needs one opportunity, not all: a month-long window is searched a day at a
    time and the search stops at the first day that has one. Without any, the reason says why,
    taken from the most telling day (sun or angle over "out of reach").
    """
    reasons: list[str] = []
    t = spec.start
    while t < spec.end:
        report = find_opportunities(product, spec, t, min(t + step, spec.end))
        if report.opportunities:
            return report
        if report.reason:
            reasons.append(report.reason)
        t += step
    telling = [r for r in reasons if not r.startswith("no pass")] or reasons
    # the reasons of the days differ in their numbers only: say the first telling one
    return OpportunityReport([], telling[0] if telling else "no opportunity")
