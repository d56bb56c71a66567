"""Imaging access to point targets: when each satellite can image each target, and how.

A window is an interval in which the target lies inside the satellite's field of regard and, for
optical sensors, the Sun stands high enough over the target. The search:

1. Bounds the field of regard by an elevation: seen from the target, a satellite at distance
   ``r`` from the Earth's centre is at most ``eta`` off its nadir when its elevation exceeds
   ``acos(r sin(eta) / R)``. The fast pass search (:mod:`zorka.geometry.passes`), run with that
   limit (made lower by a margin for the ellipsoid and the orbit's highest point) and each target
   as a station, returns every interval that can hold a window.
2. In each such interval finds the best time (least off-nadir; for a non-agile satellite, the
   moment the target crosses the sensor's plane, pitch 0), then the window's edges on the exact
   geometry: off-nadir cone, pitch limits of agile satellites, the horizon, and the Sun.
3. Says why a target has no window: out of reach, off-nadir angle too large, or the Sun too low.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from zorka.geometry.events import newton_roots, refine_roots
from zorka.geometry.passes import find_passes
from zorka.geometry.sensor import ViewGeometry, view_geometry
from zorka.geometry.stations import GroundStation
from zorka.geometry.topocentric import StationArray
from zorka.orbits.frames import teme_to_itrf
from zorka.orbits.satellite import Satellite
from zorka.orbits.sgp4batch import SGP4Batch
from zorka.time import TimeArray, format_utc, parse_utc

__all__ = [
    "ACCESS_KEYS",
    "AccessLimits",
    "AccessReport",
    "AccessWindow",
    "PointLike",
    "find_access",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]

ACCESS_KEYS = (
    "satellite",
    "target",
    "start",
    "end",
    "best_time",
    "min_off_nadir_deg",
    "roll_deg",
    "pitch_deg",
    "sun_elevation_deg",
    "gsd_m",
)
_POLAR_RADIUS_KM = 6356.752


class PointLike(Protocol):
    """Anything with a name and a WGS84 position can be a point target."""

    @property
    def name(self) -> str: ...
    @property
    def latitude_deg(self) -> float: ...
    @property
    def longitude_deg(self) -> float: ...
    @property
    def altitude_m(self) -> float: ...


@dataclass(frozen=True)
class AccessLimits:
    """What a sensor can do, or what a request accepts.

    ``max_pitch_deg`` of 0 is a non-agile satellite: it rolls but never pitches, and images a
    point the moment the point crosses its cross-track plane. ``min_sun_elevation_deg`` of None
    puts no condition on light (infrared, radar).
    """

    max_off_nadir_deg: float
    max_pitch_deg: float = 0.0
    min_sun_elevation_deg: float | None = 10.0
    nadir_gsd_m: float = math.nan

    def __post_init__(self) -> None:
        if not 0.0 < self.max_off_nadir_deg < 90.0:
            raise ValueError(
                f"max off-nadir angle {self.max_off_nadir_deg} must be between 0 and 90 degrees"
            )
        if not 0.0 <= self.max_pitch_deg <= self.max_off_nadir_deg:
            raise ValueError(
                f"max pitch {self.max_pitch_deg} must be between 0 and the max off-nadir angle"
            )
        sun = self.min_sun_elevation_deg
        if sun is not None and not -90.0 <= sun <= 90.0:
            raise ValueError(f"minimum sun elevation {sun} must be between -90 and 90 degrees")

    def override(
        self, max_off_nadir_deg: float | None = None, min_sun_elevation_deg: float | None = None
    ) -> AccessLimits:
        """Tighter limits of a request (a customer accepting at most 15 degrees, say)."""
        off = self.max_off_nadir_deg
        if max_off_nadir_deg is not None:
            off = min(off, max_off_nadir_deg)
        sun = self.min_sun_elevation_deg
        if min_sun_elevation_deg is not None:
            sun = min_sun_elevation_deg if sun is None else max(sun, min_sun_elevation_deg)
        return AccessLimits(off, min(self.max_pitch_deg, off), sun, self.nadir_gsd_m)


@dataclass(frozen=True)
class Angles:
    """The view at one instant of a window."""

    off_nadir_deg: float
    roll_deg: float
    pitch_deg: float
    incidence_deg: float
    view_azimuth_deg: float
    slant_range_km: float
    gsd_m: float
    sun_elevation_deg: float
    sun_azimuth_deg: float

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class AccessWindow:
    """One opportunity of one satellite to image one point target."""

    satellite: str
    norad_id: int
    target: str
    start: datetime
    end: datetime
    best_time: datetime
    best: Angles
    at_start: Angles
    at_end: Angles
    sunlit_satellite: bool = True

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the keys of ``ACCESS_KEYS``, then the angles at start, best time and end."""
        b = self.best
        return {
            "satellite": self.satellite,
            "target": self.target,
            "start": format_utc(self.start),
            "end": format_utc(self.end),
            "best_time": format_utc(self.best_time),
            "min_off_nadir_deg": round(b.off_nadir_deg, 4),
            "roll_deg": round(b.roll_deg, 4),
            "pitch_deg": round(b.pitch_deg, 4),
            "sun_elevation_deg": round(b.sun_elevation_deg, 4),
            "gsd_m": round(b.gsd_m, 3) if math.isfinite(b.gsd_m) else None,
            "norad_id": self.norad_id,
            "duration_s": round(self.duration_s, 3),
            "incidence_deg": round(b.incidence_deg, 4),
            "view_azimuth_deg": round(b.view_azimuth_deg, 4),
            "slant_range_km": round(b.slant_range_km, 3),
            "sun_azimuth_deg": round(b.sun_azimuth_deg, 4),
            "at_start": self.at_start.to_dict(),
            "at_end": self.at_end.to_dict(),
        }


@dataclass
class AccessReport:
    """Windows sorted by start, orbit errors, and why each target without a window has none."""

    windows: list[AccessWindow]
    errors: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def _elevation_bound_deg(sat: Satellite, limits: AccessLimits) -> float:
    """An elevation below the lowest one at which ``sat`` can be within the off-nadir cone."""
    rec = sat.satrec
    a_km = rec.radiusearthkm * rec.a if rec.a > 0 else 7000.0
    r_max = a_km * (1.0 + rec.ecco) + 50.0
    ratio = r_max * math.sin(math.radians(limits.max_off_nadir_deg)) / _POLAR_RADIUS_KM
    bound = math.degrees(math.acos(min(1.0, ratio))) if ratio < 1.0 else 0.0
    # the geodetic and geocentric verticals differ by up to 0.19 degrees: a full degree of margin,
    # and never below the horizon, which hides the satellite anyway
    return max(bound - 1.0, 0.0)


class _Targets:
    def __init__(self, targets: Sequence[PointLike]) -> None:
        stations = [
            GroundStation(t.name, t.latitude_deg, t.longitude_deg, t.altitude_m) for t in targets
        ]
        self.array = StationArray.of(stations)


def find_access(
    satellites: Sequence[Satellite],
    targets: Sequence[PointLike],
    start: datetime | str,
    end: datetime | str,
    limits: AccessLimits | Sequence[AccessLimits],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> AccessReport:
    """Every access window of every satellite to every point target in ``[start, end]``.

    ``limits`` is one set for the whole fleet or one per satellite (its sensor, tightened by the
    request where the request asks for less).
    """
    t0, t1 = parse_utc(start, field="start"), parse_utc(end, field="end")
    if (t1 - t0).total_seconds() <= 0:
        raise ValueError(f"the time window ends ({format_utc(t1)}) before it starts")
    per_sat = [limits] * len(satellites) if isinstance(limits, AccessLimits) else list(limits)
    if len(per_sat) != len(satellites):
        raise ValueError(f"{len(per_sat)} sets of limits for {len(satellites)} satellites")
    report = AccessReport([])
    if not satellites or not targets:
        return report
    tg = _Targets(targets)
    stations = list(tg.array.stations)
    batch = SGP4Batch(satellites)
    best_off: dict[int, float] = {}
    best_sun: dict[int, float] = {}
    reached: set[int] = set()
    for k, (sat, lim) in enumerate(zip(satellites, per_sat, strict=True)):
        bound = _elevation_bound_deg(sat, lim)
        passes = find_passes([sat], stations, t0, t1, min_elevation_deg=bound)
        report.errors.update(passes.errors)
        table = passes.table
        if len(table):
            found = _windows_of(batch, k, lim, tg, table, t0, best_off, best_sun, reached)
            report.windows.extend(_to_windows(sat, targets, found, t0))
        if progress:
            progress(k + 1, len(satellites))
    report.windows.sort(key=lambda w: (w.start, w.target, w.satellite))
    have = {w.target for w in report.windows}
    for j, target in enumerate(targets):
        if target.name in have:
            continue
        if j not in reached:
            report.reasons[target.name] = "no pass brings it within the field of regard"
        elif j in best_off and j not in best_sun:
            report.reasons[target.name] = (
                f"off-nadir angle too large: the best pass needs {best_off[j]:.1f} degrees"
            )
        else:
            sun = best_sun.get(j, math.nan)
            report.reasons[target.name] = (
                f"sun too low: at most {sun:.1f} degrees over the target when it is in reach"
            )
    return report


@dataclass
class _Found:
    target: IntArray
    start: Array
    end: Array
    best: Array
    views: tuple[ViewGeometry, ViewGeometry, ViewGeometry]
    sunlit: NDArray[np.bool_]


def _windows_of(
    batch: SGP4Batch,
    k: int,
    lim: AccessLimits,
    tg: _Targets,
    table: Any,
    t0: datetime,
    best_off: dict[int, float],
    best_sun: dict[int, float],
    reached: set[int],
) -> _Found:
    v = table.values
    tgt = np.asarray(table.station, dtype=np.intp)
    aos, tca, los = v["aos_s"].copy(), v["tca_s"], v["los_s"].copy()
    sat_idx = np.full(tgt.size, k, dtype=np.intp)
    pos, enu = tg.array.position_km, tg.array.enu
    reached.update(int(j) for j in tgt)

    def view(rows: IntArray, t: Array, sun: bool = False) -> ViewGeometry:
        times = TimeArray(t0, t)
        r, vel, _ = batch.pairs(sat_idx[rows], times)
        r_e, v_e = teme_to_itrf(r, vel, times)
        assert v_e is not None
        return view_geometry(
            r_e, v_e, pos[tgt[rows]], enu[tgt[rows]], times, lim.nadir_gsd_m, sun=sun, gsd=sun
        )

    cos_max = math.cos(math.radians(lim.max_off_nadir_deg))
    all_rows = np.arange(tgt.size)

    # 1. the best time: least off-nadir (agile), or pitch zero (non-agile). Pitch falls through
    # a pass, from looking forward to looking back, and is zero near the least off-nadir.
    def pitch(rows: IntArray, t: Array) -> Array:
        return view(rows, t).pitch_deg

    p_aos, p_los = pitch(all_rows, aos), pitch(all_rows, los)
    crossing = (p_aos > 0) & (p_los < 0)
    best = np.where(p_aos <= 0, aos, los)
    # a tight first bracket round the pass's culmination, which is within seconds of pitch zero
    lo, hi = np.maximum(aos, tca - 20.0), np.minimum(los, tca + 20.0)
    p_lo, p_hi = pitch(all_rows, lo), pitch(all_rows, hi)
    tight = crossing & (p_lo > 0) & (p_hi < 0)
    lo, hi = np.where(tight, lo, aos), np.where(tight, hi, los)
    p_lo, p_hi = np.where(tight, p_lo, p_aos), np.where(tight, p_hi, p_los)
    rows = np.flatnonzero(crossing)
    best[rows] = _solve(pitch, rows, lo[rows], hi[rows], p_lo[rows], p_hi[rows])
    if lim.max_pitch_deg > 0:
        # agile: the least off-nadir, where d(cos off-nadir)/dt = 0, lies close to pitch zero
        def slope(rows: IntArray, t: Array) -> Array:
            return view(rows, t).cos_off_nadir_rate

        a = np.maximum(aos, best - 10.0)
        b = np.minimum(los, best + 10.0)
        sa, sb = slope(all_rows, a), slope(all_rows, b)
        rows = np.flatnonzero((sa > 0) & (sb < 0))
        best[rows] = _solve(slope, rows, a[rows], b[rows], sa[rows], sb[rows])
    at_best = view(all_rows, best)
    for j, off in zip(tgt.tolist(), at_best.off_nadir_deg.tolist(), strict=True):
        best_off[j] = min(best_off.get(j, math.inf), off)
    inside = at_best.off_nadir_deg <= lim.max_off_nadir_deg + 1e-9
    if lim.max_pitch_deg == 0:
        inside &= np.abs(at_best.pitch_deg) < 1e-3

    # 2. the edges: the cone (or the horizon, where the cone reaches below it), then pitch limits
    start, end = best.copy(), best.copy()
    if lim.max_pitch_deg > 0:

        def cone(rows: IntArray, t: Array) -> Array:
            return np.asarray(np.cos(np.radians(view(rows, t).off_nadir_deg)) - cos_max)

        def cone_newton(rows: IntArray, t: Array) -> tuple[Array, Array]:
            g = view(rows, t)
            return np.cos(np.radians(g.off_nadir_deg)) - cos_max, g.cos_off_nadir_rate

        for edge, target, before in ((aos, start, True), (los, end, False)):
            f_edge = cone(all_rows, edge)
            target[:] = np.where(f_edge >= 0, edge, target)
            rows = np.flatnonzero(inside & (f_edge < 0))
            if rows.size == 0:
                continue

            def sub_rows(r: IntArray, t: Array, _rows: IntArray = rows) -> tuple[Array, Array]:
                return cone_newton(_rows[r], t)

            # Newton on the cone from its middle, with the exact slope of cos(off-nadir)
            lo = edge[rows] if before else best[rows]
            hi = best[rows] if before else edge[rows]
            sign = np.full(rows.size, -1.0 if before else 1.0)
            target[rows] = newton_roots(
                sub_rows, lo, hi, 0.5 * (lo + hi), sign_lo=sign, accept_s=0.05
            )
        if lim.max_pitch_deg < lim.max_off_nadir_deg:
            for forward, bound in ((1.0, start), (-1.0, end)):

                def over(rows: IntArray, t: Array, s: float = forward) -> Array:
                    return np.asarray(s * view(rows, t).pitch_deg - lim.max_pitch_deg)

                f_edge = over(all_rows, bound)
                rows = np.flatnonzero(inside & (f_edge > 0))
                f_best = over(rows, best[rows])
                bound[rows] = _solve(over, rows, bound[rows], best[rows], f_edge[rows], f_best)

    # 3. light: the Sun over the target, which changes by at most a quarter degree a minute
    keep = inside.copy()
    if lim.min_sun_elevation_deg is not None:
        level = lim.min_sun_elevation_deg

        def sun(rows: IntArray, t: Array) -> Array:
            return np.asarray(view(rows, t, sun=True).sun_elevation_deg - level)

        s_start, s_end = sun(all_rows, start), sun(all_rows, end)
        for j, a_, b_, ok in zip(
            tgt.tolist(), s_start.tolist(), s_end.tolist(), inside.tolist(), strict=True
        ):
            if ok:  # in reach: remember how high the Sun got, to say why if it never sufficed
                best_sun[j] = max(best_sun.get(j, -math.inf), max(a_, b_) + level)
        keep &= (s_start >= 0) | (s_end >= 0)
        rise = np.flatnonzero(keep & (s_start < 0))
        start[rise] = _solve(sun, rise, start[rise], end[rise], s_start[rise], s_end[rise])
        fall = np.flatnonzero(keep & (s_end < 0))
        end[fall] = _solve(sun, fall, start[fall], end[fall], s_start[fall], s_end[fall])
        best = np.clip(best, start, end)
    else:
        for j, ok in zip(tgt.tolist(), inside.tolist(), strict=True):
            if ok:
                best_sun[j] = math.inf
    rows = np.flatnonzero(keep)
    views = (
        view(rows, start[rows], sun=True),
        view(rows, best[rows], sun=True),
        view(rows, end[rows], sun=True),
    )
    return _Found(tgt[rows], start[rows], end[rows], best[rows], views, views[1].satellite_sunlit)


def _solve(
    fun: Callable[[IntArray, Array], Array],
    rows: IntArray,
    lo: Array,
    hi: Array,
    f_lo: Array,
    f_hi: Array,
) -> Array:
    """Zeros of ``fun`` for the given rows, each in its bracket (ends in either order)."""
    if rows.size == 0:
        return np.empty(0)
    swap = lo > hi
    a, b = np.where(swap, hi, lo), np.where(swap, lo, hi)
    fa, fb = np.where(swap, f_hi, f_lo), np.where(swap, f_lo, f_hi)

    def sub(r: IntArray, t: Array) -> Array:
        return fun(rows[r], t)

    return refine_roots(sub, a, b, fa, fb, tol_s=1e-3)


_ANGLE_FIELDS = (
    "off_nadir_deg",
    "roll_deg",
    "pitch_deg",
    "incidence_deg",
    "view_azimuth_deg",
    "slant_range_km",
    "gsd_m",
    "sun_elevation_deg",
    "sun_azimuth_deg",
)


def _angles(view: ViewGeometry) -> list[Angles]:
    columns = [np.asarray(getattr(view, name), dtype=np.float64).tolist() for name in _ANGLE_FIELDS]
    return [Angles(*row) for row in zip(*columns, strict=True)]


def _instants(t0: datetime, seconds: Array) -> list[datetime]:
    base = np.datetime64(t0.replace(tzinfo=None), "us")
    micro = np.round(seconds * 1e6).astype("timedelta64[us]")
    return [d.replace(tzinfo=UTC) for d in (base + micro).tolist()]


def _to_windows(
    sat: Satellite, targets: Sequence[PointLike], found: _Found, t0: datetime
) -> list[AccessWindow]:
    starts, bests, ends = (_instants(t0, x) for x in (found.start, found.best, found.end))
    at_start, at_best, at_end = (_angles(v) for v in found.views)
    return [
        AccessWindow(
            sat.name,
            sat.norad_id,
            targets[j].name,
            starts[i],
            ends[i],
            bests[i],
            at_best[i],
            at_start[i],
            at_end[i],
            lit,
        )
        for i, (j, lit) in enumerate(zip(found.target.tolist(), found.sunlit.tolist(), strict=True))
    ]
