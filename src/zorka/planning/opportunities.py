"""Opportunities: the acquisitions each satellite could make for each request, one by one.

Points come from :func:`zorka.geometry.access.find_access`: in each window (cut to the
request's window and to each period of a repeated request) a dwell of the request's duration
centred on the best time, and dwells at the window's two ends, which leave room for the images
before and after. A stereo request gets a pair of looks from one window whose convergence angle
is nearest the middle of its range, with time to turn between them. Areas come from
:func:`zorka.geometry.strips.find_strips`: each strip is an opportunity. Each satellite is
searched with its own limits tightened by the request's (:func:`effective_limits`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from zorka.geometry.access import AccessLimits, find_access
from zorka.geometry.sensor import view_geometry
from zorka.geometry.strips import find_strips
from zorka.geometry.targets import AreaTarget, PointTarget, to_geojson_geometry
from zorka.mission.model import Mission, SatelliteSpec
from zorka.orbits.frames import teme_to_itrf
from zorka.orbits.propagation import propagate_pairs
from zorka.orbits.satellite import Satellite
from zorka.planning.checker import effective_limits
from zorka.planning.requests import PRODUCT_RATE_FRACTION, Request, RequestSet
from zorka.planning.resources import slew_angle_deg, slew_time_s
from zorka.time import TimeArray

__all__ = ["Look", "Opportunity", "OpportunitySet", "find_opportunities"]

#: Step of the search for stereo pairs inside a window, seconds.
STEREO_STEP_S = 5.0


@dataclass(frozen=True)
class Look:
    """One acquisition of an opportunity: times in seconds from the plan start, pointing at
    start and end."""

    start_s: float
    end_s: float
    roll0_deg: float
    pitch0_deg: float
    roll1_deg: float
    pitch1_deg: float


@dataclass(eq=False)
class Opportunity:
    """What a satellite can do for one period of one request: one look, or a stereo pair."""

    request: Request
    occurrence: int
    satellite: str
    kind: str  # "point" or "strip"
    looks: tuple[Look, ...]
    volume_gbit: float
    fraction: float = 1.0  # of the area, for strips
    covered_km2: float | None = None
    local_footprint: BaseGeometry | None = None
    strip: dict[str, Any] | None = None

    @property
    def value(self) -> float:
        """The value it earns alone (its share of the area for strips)."""
        periods = len(self.request.occurrences())
        return self.request.expected_weight * self.fraction / periods

    @property
    def duration_s(self) -> float:
        """Imaging time of all its looks, seconds."""
        return sum(k.end_s - k.start_s for k in self.looks)


@dataclass
class OpportunitySet:
    """Every opportunity, and why the requests without one have none."""

    opportunities: list[Opportunity] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)


def _slots(request: Request, t0: datetime, t1: datetime) -> list[tuple[int, datetime, datetime]]:
    out = []
    for k, (a, b) in enumerate(request.occurrences()):
        lo, hi = max(a, t0), min(b, t1)
        if lo < hi:
            out.append((k, lo, hi))
    return out


def _pointing(
    satellites: Sequence[Satellite],
    index: int,
    t0: datetime,
    seconds: np.ndarray[Any, np.dtype[np.float64]],
    target: PointTarget,
) -> tuple[np.ndarray[Any, np.dtype[np.float64]], ...]:
    """Roll, pitch and the unit vector target → satellite at each instant."""
    times = TimeArray(t0, seconds)
    r, v, _ = propagate_pairs(satellites, np.full(seconds.size, index, dtype=np.intp), times)
    r_e, v_e = teme_to_itrf(r, v, times)
    assert v_e is not None
    view = view_geometry(r_e, v_e, target.position_km, target.enu, times, sun=False, gsd=False)
    up = r_e - target.position_km
    up = up / np.linalg.norm(up, axis=-1, keepdims=True)
    return view.roll_deg, view.pitch_deg, up


def find_opportunities(
    mission: Mission,
    satellites: Sequence[Satellite],
    requests: RequestSet,
    start: datetime,
    end: datetime,
) -> OpportunitySet:
    """Every opportunity of every request within ``[start, end]``."""
    out = OpportunitySet()
    specs = {s.name: s for s in mission.satellites}
    fleet = [
        (i, sat, specs[sat.name])
        for i, sat in enumerate(satellites)
        if sat.name in specs and specs[sat.name].sensor is not None
    ]
    why: dict[str, list[str]] = defaultdict(list)
    for request in requests.requests:
        if not _slots(request, start, end):
            why[request.id].append("its window is outside the plan's horizon")
        elif not any(
            request.sensor_type is None or spec.sensor.type == request.sensor_type  # type: ignore[union-attr]
            for _, _, spec in fleet
        ):
            why[request.id].append(f"no satellite has a {request.sensor_type or ''} sensor")
    for i, sat, spec in fleet:
        assert spec.sensor is not None
        mine = [
            r
            for r in requests.requests
            if (r.sensor_type is None or r.sensor_type == spec.sensor.type)
            and _slots(r, start, end)
        ]
        _points(out, why, satellites, i, sat, spec, [r for r in mine if not r.is_area], start, end)
        _areas(out, why, sat, spec, [r for r in mine if r.is_area], start, end)
    have = {o.request.id for o in out.opportunities}
    for request in requests.requests:
        if request.id not in have:
            out.reasons[request.id] = "; ".join(dict.fromkeys(why[request.id])) or "no access"
    return out


def _volume(spec: SatelliteSpec, request: Request, seconds: float) -> float:
    assert spec.sensor is not None
    return spec.sensor.imaging_rate_mbps * PRODUCT_RATE_FRACTION[request.product] * seconds / 1e3


def _points(
    out: OpportunitySet,
    why: dict[str, list[str]],
    satellites: Sequence[Satellite],
    index: int,
    sat: Satellite,
    spec: SatelliteSpec,
    requests: list[Request],
    t0: datetime,
    t1: datetime,
) -> None:
    assert spec.sensor is not None
    groups: dict[tuple[float, float, float | None], list[Request]] = defaultdict(list)
    for r in requests:
        lim = effective_limits(spec, r)
        groups[(lim.max_off_nadir_deg, lim.max_pitch_deg, lim.min_sun_elevation_deg)].append(r)
    for (off, pitch, sun), members in groups.items():
        limits = AccessLimits(off, pitch, sun, spec.sensor.gsd_m)
        targets = [r.target for r in members]
        report = find_access([sat], targets, t0, t1, limits)  # type: ignore[arg-type]
        by_id = {r.id: r for r in members}
        for name, reason in report.reasons.items():
            why[name].append(f"{sat.name}: {reason}")
        pending: list[tuple[Request, int, float, float]] = []  # request, period, start, end
        for w in report.windows:
            request = by_id[w.target]
            d = request.point_duration_s
            for k, lo, hi in _slots(request, t0, t1):
                a = max(w.start, lo, request.earliest)
                b = min(w.end, hi, request.latest)
                sa, sb = (a - t0).total_seconds(), (b - t0).total_seconds()
                if sb - sa < d:
                    if sb > sa:
                        why[request.id].append(f"{sat.name}: windows shorter than {d:g} s")
                    continue
                if request.stereo is not None:
                    _stereo(out, why, satellites, index, sat, spec, request, k, sa, sb, t0)
                    continue
                best = (w.best_time - t0).total_seconds() - d / 2
                starts = {round(min(max(best, sa), sb - d), 3), round(sa, 3), round(sb - d, 3)}
                for s in sorted(starts):
                    pending.append((request, k, s, s + d))
        if not pending:
            continue
        secs = np.array([[p[2], p[3]] for p in pending]).ravel()
        # one propagation for all, then per target: the views need each row's own target
        for request in {p[0].id: p[0] for p in pending}.values():
            rows = [j for j, p in enumerate(pending) if p[0] is request]
            target = request.target
            assert isinstance(target, PointTarget)
            sel = np.array([[2 * j, 2 * j + 1] for j in rows]).ravel()
            roll, pitch_deg, _ = _pointing(satellites, index, t0, secs[sel], target)
            for n, j in enumerate(rows):
                _, k, s, e = pending[j]
                look = Look(
                    s,
                    e,
                    float(roll[2 * n]),
                    float(pitch_deg[2 * n]),
                    float(roll[2 * n + 1]),
                    float(pitch_deg[2 * n + 1]),
                )
                out.opportunities.append(
                    Opportunity(
                        request, k, sat.name, "point", (look,), _volume(spec, request, e - s)
                    )
                )


def _stereo(
    out: OpportunitySet,
    why: dict[str, list[str]],
    satellites: Sequence[Satellite],
    index: int,
    sat: Satellite,
    spec: SatelliteSpec,
    request: Request,
    k: int,
    sa: float,
    sb: float,
    t0: datetime,
) -> None:
    assert request.stereo is not None
    if spec.agility is None or spec.agility.max_pitch_deg <= 0:
        why[request.id].append(f"{sat.name} cannot pitch, so it cannot take stereo pairs")
        return
    d = request.point_duration_s
    grid = np.arange(sa, sb - d + 1e-9, STEREO_STEP_S)
    if grid.size < 2:
        return
    target = request.target
    assert isinstance(target, PointTarget)
    ends = np.column_stack((grid, grid + d)).ravel()
    roll, pitch, up = _pointing(satellites, index, t0, ends, target)
    mid_up = up[0::2] + up[1::2]
    mid_up /= np.linalg.norm(mid_up, axis=-1, keepdims=True)
    conv = np.degrees(np.arccos(np.clip(mid_up @ mid_up.T, -1.0, 1.0)))
    lo, hi = request.stereo.min_convergence_deg, request.stereo.max_convergence_deg
    aim = 0.5 * (lo + hi)
    best: tuple[float, int, int] | None = None
    for i in range(grid.size):
        for j in range(i + 1, grid.size):
            if not lo + 0.2 <= conv[i, j] <= hi - 0.2:
                continue
            turn = slew_angle_deg(roll[2 * i + 1], pitch[2 * i + 1], roll[2 * j], pitch[2 * j])
            if grid[j] - (grid[i] + d) < slew_time_s(turn, spec.agility) + 0.5:
                continue
            score = abs(conv[i, j] - aim)
            if best is None or score < best[0]:
                best = (score, i, j)
    if best is None:
        why[request.id].append(
            f"{sat.name}: no two looks of one pass are {lo:g}..{hi:g} degrees apart with time"
            " to turn between them"
        )
        return
    _, i, j = best
    looks = tuple(
        Look(
            float(grid[n]),
            float(grid[n] + d),
            float(roll[2 * n]),
            float(pitch[2 * n]),
            float(roll[2 * n + 1]),
            float(pitch[2 * n + 1]),
        )
        for n in (i, j)
    )
    out.opportunities.append(
        Opportunity(request, k, sat.name, "point", looks, _volume(spec, request, 2 * d))
    )


#: The cached geometry of an area, shared by its copies with other limits.
_AREA_CACHE = ("centre", "_to_local", "densified", "local", "area_km2", "radius_km")


def _with_limits(area: AreaTarget, off_deg: float, sun_deg: float | None) -> AreaTarget:
    """The area with these limits, sharing its projection and footprint: building a projection
    costs milliseconds, and each area is searched once per satellite."""
    if area.max_off_nadir_deg == off_deg and area.min_sun_elevation_deg == sun_deg:
        return area
    copy = AreaTarget(area.name, area.polygon, off_deg, sun_deg)
    for name in _AREA_CACHE:
        copy.__dict__[name] = getattr(area, name)
    return copy


def _areas(
    out: OpportunitySet,
    why: dict[str, list[str]],
    sat: Satellite,
    spec: SatelliteSpec,
    requests: list[Request],
    t0: datetime,
    t1: datetime,
) -> None:
    if not requests:
        return
    assert spec.sensor is not None
    targets = []
    for r in requests:
        lim = effective_limits(spec, r)
        area = r.target
        assert isinstance(area, AreaTarget)
        targets.append(_with_limits(area, lim.max_off_nadir_deg, lim.min_sun_elevation_deg))
    report = find_strips([sat], [spec.sensor], targets, t0, t1)
    for name, reason in report.reasons.items():
        why[name].append(f"{sat.name}: {reason}")
    for name, message in report.errors.items():
        for r in requests:
            if name in (r.id, sat.name):
                why[r.id].append(f"{sat.name}: {message}")
    by_id = {r.id: r for r in requests}
    for strip in report.opportunities:
        request = by_id[strip.target]
        area = request.target
        assert isinstance(area, AreaTarget)
        if strip.start < request.earliest or strip.end > request.latest:
            continue
        mid = strip.best_time
        for k, lo, hi in _slots(request, t0, t1):
            if lo <= mid < hi and math.isfinite(strip.covered_km2):
                s = (strip.start - t0).total_seconds()
                e = (strip.end - t0).total_seconds()
                look = Look(s, e, strip.roll_deg, 0.0, strip.roll_deg, 0.0)
                out.opportunities.append(
                    Opportunity(
                        request,
                        k,
                        sat.name,
                        "strip",
                        (look,),
                        _volume(spec, request, e - s),
                        min(1.0, strip.covered_km2 / area.area_km2),
                        strip.covered_km2,
                        strip.local_footprint,
                        to_geojson_geometry(strip.footprint),
                    )
                )
