"""Area targets: cutting a polygon into push-broom strips along each pass, and its coverage.

The sensor model is a push-broom at pitch 0 with a fixed angular field of view, derived from its
swath at nadir: ``fov = 2 atan(swath / 2 / altitude)``, the altitude from the orbit's mean motion.
Pointed at roll ``ρ`` it images, at each instant, the ground points whose line of sight lies in
the satellite's cross-track plane (pitch 0) with a roll between ``ρ - fov/2`` and ``ρ + fov/2``.

That gives each ground point ``P`` two *sensor coordinates* during a pass: the instant ``t(P)``
when it crosses the cross-track plane, and the roll ``ρ(P)`` at which it is seen then (the same
angles as :func:`zorka.geometry.sensor.view_geometry`). In that plane of ``(t, ρ)`` every strip is
a rectangle: ``[t0, t1] × [ρ - fov/2, ρ + fov/2]``. So the polygon is mapped into ``(t, ρ)``
(every vertex of its densified outline found by a root search on the pass's 1 s ephemeris), its
roll extent inside the field of regard is cut into bands one field of view wide that touch each
other exactly (no gap, no overlap: neighbouring strips share their edge ray), and each band's
part of the mapped polygon gives the strip's start and end. Footprints are traced back on the
WGS84 ellipsoid from the edge rays (:func:`~zorka.geometry.sensor.ground_intersection`), and
areas are measured in the target's Lambert azimuthal equal-area plane.

Passes come from :func:`~zorka.geometry.passes.find_passes` with a station at the area's centroid
whose elevation limit is low enough that every point of the area within the field of regard is
seen during the pass (the area's radius plus the ground reach of ``max_off_nadir_deg``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from zorka.geometry.passes import find_passes
from zorka.geometry.sensor import ground_intersection, lvlh_axes, pointing, view_geometry
from zorka.geometry.stations import GroundStation
from zorka.geometry.targets import AreaTarget, PointTarget, Target, to_geojson_geometry
from zorka.geometry.topocentric import MU_KM3_S2
from zorka.orbits.frames import (
    WGS84_A_KM,
    enu_matrix,
    geodetic_to_itrf,
    itrf_to_geodetic,
    teme_to_itrf,
)
from zorka.orbits.satellite import Satellite
from zorka.orbits.sgp4batch import SGP4Batch
from zorka.time import TimeArray, format_utc, parse_utc

__all__ = [
    "Access",
    "AreaOpportunity",
    "CoverageReport",
    "DayCoverage",
    "PassCoverage",
    "SensorModel",
    "StripPass",
    "StripReport",
    "coverage",
    "field_of_view_deg",
    "find_strips",
]

Array = NDArray[np.float64]

#: Ephemeris step inside a pass: edges of the footprints are traced at these instants.
STEP_S = 1.0
#: Each strip starts and ends this much beyond the polygon, so that the straight scan lines at
#: its ends clear the polygon's curved outline.
END_MARGIN_S = 0.1


class SensorModel(Protocol):
    """What strips need to know of an imager (:class:`zorka.mission.Sensor` has it all)."""

    @property
    def type(self) -> str: ...
    @property
    def swath_km(self) -> float: ...
    @property
    def gsd_m(self) -> float: ...
    @property
    def max_off_nadir_deg(self) -> float: ...
    @property
    def min_sun_elevation_deg(self) -> float: ...


def _mean_altitude_km(satellite: Satellite) -> float:
    n = float(satellite.satrec.no_kozai) / 60.0  # rad/s
    return float((MU_KM3_S2 / (n * n)) ** (1.0 / 3.0) - WGS84_A_KM)


def field_of_view_deg(swath_km: float, altitude_km: float) -> float:
    """The full angular field of view of a push-broom whose swath at nadir is ``swath_km``."""
    return math.degrees(2.0 * math.atan(swath_km / 2.0 / altitude_km))


@dataclass(frozen=True, eq=False)
class AreaOpportunity:
    """One strip: a satellite images part of an area at a fixed roll from ``start`` to ``end``.

    ``footprint`` is the strip on the ground (lon/lat, longitudes continuous across the
    antimeridian; :meth:`to_dict` gives it as RFC 7946 GeoJSON). ``covered_km2`` is the area of
    the target inside it. Pitch is 0, so the boresight's off-nadir angle is ``|roll_deg|``
    (``min_off_nadir_deg``); ``sun_elevation_deg``, ``incidence_deg`` and ``gsd_m`` are those
    of the strip's centre at ``best_time``, the middle of the strip.
    """

    satellite: str
    norad_id: int
    target: str
    pass_index: int
    start: datetime
    end: datetime
    roll_deg: float
    field_of_view_deg: float
    footprint: Polygon
    covered_km2: float
    sun_elevation_deg: float
    incidence_deg: float
    gsd_m: float
    local_footprint: BaseGeometry = field(repr=False)

    @property
    def pitch_deg(self) -> float:
        """Always 0: strips are imaged looking straight across the track."""
        return 0.0

    @property
    def min_off_nadir_deg(self) -> float:
        """The boresight's off-nadir angle, ``|roll_deg|`` (constant over the strip)."""
        return abs(self.roll_deg)

    @property
    def best_time(self) -> datetime:
        """The middle of the strip."""
        return self.start + (self.end - self.start) / 2

    @property
    def duration_s(self) -> float:
        """Imaging time, seconds."""
        return (self.end - self.start).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values; ``strip`` is the footprint as a GeoJSON geometry."""
        return {
            "satellite": self.satellite,
            "target": self.target,
            "start": format_utc(self.start),
            "end": format_utc(self.end),
            "best_time": format_utc(self.best_time),
            "min_off_nadir_deg": round(self.min_off_nadir_deg, 3),
            "roll_deg": round(self.roll_deg, 3),
            "pitch_deg": 0.0,
            "sun_elevation_deg": round(self.sun_elevation_deg, 3),
            "gsd_m": round(self.gsd_m, 3),
            "covered_km2": round(self.covered_km2, 3),
            "strip": to_geojson_geometry(self.footprint),
        }


@dataclass(frozen=True)
class StripPass:
    """A pass of a satellite within reach of an area, and what came of it.

    ``reason`` says why no strip was kept (``"angle too large"``, ``"sun too low"``), else None.
    """

    index: int
    satellite: str
    norad_id: int
    target: str
    start: datetime
    end: datetime
    strips: int
    covered_km2: float
    fraction: float
    reason: str | None = None


@dataclass
class StripReport:
    """The strips of every pass over every area, the passes, and what kept some from imaging."""

    start: datetime
    end: datetime
    opportunities: list[AreaOpportunity] = field(default_factory=list)
    passes: list[StripPass] = field(default_factory=list)
    #: per target: why nothing could be imaged (present only for targets without a strip)
    reasons: dict[str, str] = field(default_factory=dict)
    #: per satellite or target: why it was left out (no sensor, swath wider than the field ...)
    errors: dict[str, str] = field(default_factory=dict)

    def for_target(self, name: str) -> list[AreaOpportunity]:
        """The strips of one target, in the order found (by satellite, then time)."""
        return [o for o in self.opportunities if o.target == name]


@dataclass(frozen=True)
class _Limits:
    fov_deg: float
    max_off_nadir_deg: float
    min_sun_elevation_deg: float | None
    gsd_m: float
    altitude_km: float
    reach_elevation_deg: float


def _limits(
    satellite: Satellite,
    sensor: SensorModel,
    target: AreaTarget,
    max_off_nadir_deg: float | None,
    min_sun_elevation_deg: float | None,
) -> _Limits:
    altitude = _mean_altitude_km(satellite)
    fov = field_of_view_deg(sensor.swath_km, altitude)
    off = sensor.max_off_nadir_deg
    for extra in (max_off_nadir_deg, target.max_off_nadir_deg):
        if extra is not None:
            off = min(off, extra)
    # never past the Earth's limb (less a degree), where edge rays would miss the ground
    limb = math.degrees(math.asin(WGS84_A_KM / (WGS84_A_KM + altitude))) - 1.0
    off = min(off, limb)
    if fov / 2.0 > off + 1e-9:
        raise ValueError(
            f"its field of view ({fov:.2f}°, a {sensor.swath_km} km swath at {altitude:.0f} km)"
            f" is wider than its field of regard (±{off:.2f}° off nadir)"
        )
    if target.min_sun_elevation_deg is not None:
        sun: float | None = target.min_sun_elevation_deg
    elif min_sun_elevation_deg is not None:
        sun = min_sun_elevation_deg
    else:
        sun = sensor.min_sun_elevation_deg if sensor.type == "optical" else None
    reach = _reach_elevation_deg(satellite, off, target.radius_km)
    return _Limits(fov, off, sun, float(sensor.gsd_m), altitude, reach)


def _reach_elevation_deg(satellite: Satellite, off_nadir_deg: float, radius_km: float) -> float:
    """The elevation, seen from an area's centre, above which a satellite must be for any point
    of the area within ``off_nadir_deg`` of its nadir to be seen."""
    rec = satellite.satrec
    a = (MU_KM3_S2 / (float(rec.no_kozai) / 60.0) ** 2) ** (1.0 / 3.0)
    r_low, r_high = a * (1.0 - rec.ecco), a * (1.0 + rec.ecco)
    re = WGS84_A_KM
    # ground reach (Earth central angle) of the field of regard, at the highest the orbit goes
    reach = math.asin(min(1.0, r_high / re * math.sin(math.radians(off_nadir_deg))))
    reach -= math.radians(off_nadir_deg)
    lam = 1.05 * (reach + radius_km / 6356.752) + math.radians(0.5)
    # elevation of a satellite at the lowest radius, lam away: tan(el) = (cos lam - R/r) / sin lam
    return math.degrees(math.atan2(math.cos(lam) - re / r_low, math.sin(lam)))


def _bands(lo: float, hi: float, fov: float, limit: float) -> list[tuple[float, float]]:
    """Roll bands one ``fov`` wide covering ``[lo, hi]``, edges within ``±limit``."""
    n = max(1, math.ceil((hi - lo) / fov - 1e-9))
    first = 0.5 * (lo + hi) - 0.5 * n * fov
    first = max(first, -limit)
    first = min(first, limit - n * fov) if n * fov <= 2 * limit else -limit
    bands = []
    for k in range(n):
        a = first + k * fov
        # when the bands cannot all fit, the last one is pushed inside (overlapping its neighbour)
        a = min(a, limit - fov)
        bands.append((a, a + fov))
    return bands


def _merge(intervals: list[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class _Ephemeris:
    """Earth-fixed states and orbital frames of one satellite at a set of instants."""

    def __init__(self, times: TimeArray, r: Array, v: Array, ok: bool) -> None:
        self.times, self.r, self.v, self.ok = times, r, v, ok
        self.x, self.y, self.z = lvlh_axes(r, v)

    @classmethod
    def many(
        cls, batch: SGP4Batch, t0: datetime, requests: Sequence[tuple[int, Array]]
    ) -> list[_Ephemeris]:
        """One ephemeris per ``(satellite index, seconds from t0)``, all in one batch call:
        many small calls of a parallel kernel would each wait for every thread."""
        if not requests:
            return []
        idx = np.concatenate([np.full(s.size, i, dtype=np.intp) for i, s in requests])
        times = TimeArray(t0, np.concatenate([s for _, s in requests]))
        r_teme, v_teme, err = batch.pairs(idx, times)
        r, v = teme_to_itrf(r_teme, v_teme, times)
        assert v is not None
        out = []
        k = 0
        for _, s in requests:
            rows = slice(k, k + s.size)
            out.append(cls(times.at(s), r[rows], v[rows], bool(np.all(err[rows] == 0))))
            k += s.size
        return out

    def take(self, rows: slice) -> _Ephemeris:
        return _Ephemeris(
            self.times.at(self.times.seconds[rows]), self.r[rows], self.v[rows], self.ok
        )

    def rays(self, roll_deg: Array) -> Array:
        """Ground points of rays at the given rolls (pitch 0): ``(n_roll, n_time, 3)``."""
        x, y, z = self.x[None], self.y[None], self.z[None]
        return ground_intersection(self.r[None], pointing(x, y, z, roll_deg[:, None]))


def _lonlat(points: Array, ref_lon: float) -> Array:
    lat, lon, _ = itrf_to_geodetic(points)
    lon = lon + 360.0 * np.round((ref_lon - lon) / 360.0)
    return np.column_stack((lon.ravel(), lat.ravel()))


def _sensor_coordinates(eph: _Ephemeris, ground: Array) -> Array:
    """``(t, roll)`` of ground points (``(n, 3)``, Earth-fixed km) over a pass ephemeris."""
    rx = np.einsum("ki,ki->k", eph.r, eph.x)
    ry = np.einsum("ki,ki->k", eph.r, eph.y)
    rz = np.einsum("ki,ki->k", eph.r, eph.z)
    f = ground @ eph.x.T - rx  # along-track component of the line of sight: + ahead, - behind
    n_time = f.shape[1]
    behind = f < 0.0
    k1 = np.where(behind.any(axis=1), np.argmax(behind, axis=1), n_time - 1)
    k1 = np.clip(k1, 1, n_time - 1)
    k0 = k1 - 1
    rows = np.arange(ground.shape[0])
    f0, f1 = f[rows, k0], f[rows, k1]
    w = f0 / (f0 - f1)  # linear root in the bracket (extrapolates for points outside the pass)
    secs = eph.times.seconds
    t = secs[k0] + w * (secs[k1] - secs[k0])

    def at(m: Array, base: Array) -> Array:
        a0 = np.einsum("ij,ij->i", ground, m[k0]) - base[k0]
        a1 = np.einsum("ij,ij->i", ground, m[k1]) - base[k1]
        return np.asarray(a0 + w * (a1 - a0))

    roll = np.degrees(np.arctan2(at(eph.y, ry), at(eph.z, rz)))
    return np.column_stack((t, roll))


def _polygonal(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.is_empty else []
    if hasattr(geometry, "geoms"):
        return [p for g in geometry.geoms for p in _polygonal(g)]
    return []


def _footprint_ring(
    eph: _Ephemeris, ends: _Ephemeris, j: int, edges: Array, lo: float, hi: float, fov: float
) -> Array:
    """Earth-fixed outline of strip ``j``: left edge, end scan line, right edge, start scan line.

    ``edges`` holds the ground points of rays at ``lo`` and ``hi`` at every ephemeris instant;
    ``ends`` the states at the strips' starts and ends (rows ``2j`` and ``2j + 1``).
    """
    t0, t1 = ends.times.seconds[2 * j], ends.times.seconds[2 * j + 1]
    secs = eph.times.seconds
    inner = np.flatnonzero((secs > t0 + 1e-6) & (secs < t1 - 1e-6))
    # scan lines across the strip, a point per degree of field (two for narrow sensors)
    m = max(2, math.ceil(fov) + 1)
    rolls = np.linspace(lo, hi, m)
    scan = ends.take(slice(2 * j, 2 * j + 2)).rays(rolls)  # (m, 2, 3): at start and end
    left = np.concatenate((scan[:1, 0], edges[0, inner], scan[:1, 1]))
    right = np.concatenate((scan[-1:, 0], edges[1, inner], scan[-1:, 1]))
    return np.concatenate((left, scan[1:-1, 1], right[::-1], scan[-2:0:-1, 0]))


def find_strips(
    satellites: Sequence[Satellite],
    sensors: Sequence[SensorModel | None],
    targets: Sequence[AreaTarget],
    start: datetime | str,
    end: datetime | str,
    *,
    max_off_nadir_deg: float | None = None,
    min_sun_elevation_deg: float | None = None,
) -> StripReport:
    """Every strip that ``satellites`` (with ``sensors``, one each, None for no imager) can
    image of each area between ``start`` and ``end``.

    ``max_off_nadir_deg`` tightens every sensor's field of regard (as a target's own
    ``max_off_nadir_deg`` does); ``min_sun_elevation_deg`` replaces the sensors' sun limit
    (a target's own limit replaces both). Optical sensors image only when the sun is at least
    that high over the strip's centre at its middle; infrared ones also at night.
    """
    t0, t1 = parse_utc(start, field="start"), parse_utc(end, field="end")
    span = (t1 - t0).total_seconds()
    if span <= 0:
        raise ValueError(f"the time window ends ({format_utc(t1)}) before it starts")
    if len(sensors) != len(satellites):
        raise ValueError(f"{len(satellites)} satellites but {len(sensors)} sensors: give one each")
    report = StripReport(t0, t1)
    usable: list[int] = []
    for i, (sat, sensor) in enumerate(zip(satellites, sensors, strict=True)):
        if sensor is None:
            report.errors[sat.name] = "no sensor: it cannot image"
        elif sat.is_deep_space:
            report.errors[sat.name] = "deep-space orbit: strips are for low orbits only"
        else:
            usable.append(i)
    areas = list(targets)
    if not usable or not areas:
        for t in areas:
            report.reasons[t.name] = "no satellite with an imager"
        return report

    limits: dict[tuple[int, int], _Limits] = {}
    stations = []
    for j, target in enumerate(areas):
        lowest = 90.0
        for i in usable:
            sensor = sensors[i]
            assert sensor is not None
            try:
                lim = _limits(
                    satellites[i], sensor, target, max_off_nadir_deg, min_sun_elevation_deg
                )
            except ValueError as exc:
                report.errors.setdefault(satellites[i].name, str(exc))
                continue
            limits[i, j] = lim
            lowest = min(lowest, lim.reach_elevation_deg)
        if lowest < -5.0:
            report.errors[target.name] = (
                f"the area is too large to search as one (radius {target.radius_km:.0f} km):"
                " split it into smaller polygons"
            )
            lowest = -5.0
        lat, lon = target.centre
        stations.append(GroundStation(target.name, lat, lon, 0.0, min(lowest, 89.0)))
    passes = find_passes([satellites[i] for i in usable], stations, t0, t1)
    for name, err in passes.errors.items():
        report.errors.setdefault(name, err)
    table = passes.table
    order = np.lexsort((table.values["aos_s"], table.satellite, table.station))
    batch = SGP4Batch(satellites)
    jobs: list[_Job] = []
    for row in order.tolist():
        i = usable[int(table.satellite[row])]
        j = int(table.station[row])
        own = limits.get((i, j))
        # the search ran at the lowest limit of all satellites: keep each one's own passes
        if own is None or table.values["max_elevation_deg"][row] < own.reach_elevation_deg:
            continue
        aos, los = float(table.values["aos_s"][row]), float(table.values["los_s"][row])
        jobs.append(_Job(satellites[i], i, areas[j], own, aos, los))

    grids = _Ephemeris.many(batch, t0, [(job.index, job.grid_s()) for job in jobs])
    plans = [_plan(job, eph, span) for job, eph in zip(jobs, grids, strict=True)]
    # states at each strip's start and end, then at its middle
    wanted = [(job, eph, plan) for job, eph, plan in zip(jobs, grids, plans, strict=True)]
    cuts = [w for w in wanted if not isinstance(w[2], str)]
    ends = _Ephemeris.many(
        batch,
        t0,
        [
            (job.index, np.concatenate((plan[:, :2].ravel(), plan[:, :2].mean(axis=1))))
            for job, _, plan in cuts
            if not isinstance(plan, str)
        ],
    )
    at_ends = {id(job): e for (job, _, _), e in zip(cuts, ends, strict=True)}

    counts: dict[str, dict[str, int]] = {t.name: {} for t in areas}
    for job, eph, plan in wanted:
        if isinstance(plan, str):
            outcome = _record(report, job, span, [], plan)
        else:
            outcome = _cut(report, job, span, eph, plan, at_ends[id(job)])
        tally = counts[job.target.name]
        tally[outcome] = tally.get(outcome, 0) + 1

    for target in areas:
        tally = counts[target.name]
        if tally.get("imaged"):
            continue
        if not tally:
            report.reasons[target.name] = (
                f"no pass within reach between {format_utc(t0, digits=0)} and"
                f" {format_utc(t1, digits=0)}"
            )
        else:
            parts = [
                f"{n} {'pass' if n == 1 else 'passes'}: {why}" for why, n in sorted(tally.items())
            ]
            report.reasons[target.name] = "; ".join(parts)
    return report


@dataclass(frozen=True, eq=False)
class _Job:
    """One pass of one satellite within reach of one area."""

    satellite: Satellite
    index: int
    target: AreaTarget
    limits: _Limits
    aos_s: float
    los_s: float

    def grid_s(self) -> Array:
        # every point of the area crosses the cross-track plane within its along-track extent
        # of the centre's crossing, and the centre crosses between AOS and LOS
        ground_speed = WGS84_A_KM * float(self.satellite.satrec.no_kozai) / 60.0
        pad = 2.0 * self.target.radius_km / ground_speed + 5.0 * STEP_S
        lo, hi = math.floor(self.aos_s - pad), math.ceil(self.los_s + pad)
        return np.arange(lo, hi + STEP_S, STEP_S)


def _record(
    report: StripReport, job: _Job, span: float, kept: list[AreaOpportunity], reason: str | None
) -> str:
    covered = _covered_km2(job.target, [o.local_footprint for o in kept])
    report.passes.append(
        StripPass(
            len(report.passes),
            job.satellite.name,
            job.satellite.norad_id,
            job.target.name,
            report.start + timedelta(seconds=max(job.aos_s, 0.0)),
            report.start + timedelta(seconds=min(job.los_s, span)),
            len(kept),
            covered,
            covered / job.target.area_km2,
            reason,
        )
    )
    report.opportunities.extend(kept)
    return reason or "imaged"


def _plan(job: _Job, eph: _Ephemeris, span: float) -> Array | str:
    """The strips of a pass as rows ``(t0, t1, roll_lo, roll_hi)``, or why there are none."""
    if not eph.ok:
        return "orbit could not be propagated"

    def to_sensor(lonlat: Array) -> Array:
        ground = geodetic_to_itrf(lonlat[:, 1], lonlat[:, 0], 0.0)
        return _sensor_coordinates(eph, ground)

    # the area in sensor coordinates (t, roll)
    mapped = shapely.make_valid(shapely.transform(job.target.densified, to_sensor))
    _, rmin, _, rmax = mapped.bounds
    off, fov = job.limits.max_off_nadir_deg, job.limits.fov_deg
    lo_r, hi_r = max(rmin, -off), min(rmax, off)
    if lo_r >= hi_r:
        return "angle too large"
    t_start, t_end = max(float(eph.times.seconds[0]), 0.0), min(float(eph.times.seconds[-1]), span)
    plan: list[tuple[float, float, float, float]] = []
    for a, b in _bands(lo_r, hi_r, fov, off):
        part = mapped.intersection(box(t_start, a, t_end, b))
        pieces = [(p.bounds[0], p.bounds[2]) for p in _polygonal(part) if p.area > 0]
        for s0, s1 in _merge(pieces, 2.0 * STEP_S):
            plan.append((max(s0 - END_MARGIN_S, t_start), min(s1 + END_MARGIN_S, t_end), a, b))
    if not plan:
        return "angle too large"
    return np.array(plan)


def _cut(
    report: StripReport, job: _Job, span: float, eph: _Ephemeris, plan: Array, ends: _Ephemeris
) -> str:
    """Footprints, light and covered area of a pass's planned strips (added to ``report``)."""
    n = plan.shape[0]
    lim, target, sat = job.limits, job.target, job.satellite
    mids = ends.take(slice(2 * n, 3 * n))
    centre = ground_intersection(mids.r, pointing(mids.x, mids.y, mids.z, plan[:, 2:].mean(axis=1)))
    c_lat, c_lon, _ = itrf_to_geodetic(centre)
    view = view_geometry(mids.r, mids.v, centre, enu_matrix(c_lat, c_lon), mids.times, lim.gsd_m)
    edge_rolls = np.unique(plan[:, 2:])
    edge_ground = eph.rays(edge_rolls)
    ref_lon = float(target.polygon.centroid.x)  # footprints on the polygon's longitude range
    pass_index = len(report.passes)

    kept: list[AreaOpportunity] = []
    too_dark = 0
    for j, (s0, s1, a, b) in enumerate(plan.tolist()):
        sun_el = float(view.sun_elevation_deg[j])
        if lim.min_sun_elevation_deg is not None and sun_el < lim.min_sun_elevation_deg:
            too_dark += 1
            continue
        edges = edge_ground[np.searchsorted(edge_rolls, [a, b])]
        ring = _footprint_ring(eph, ends, j, edges, a, b, lim.fov_deg)
        footprint = Polygon(_lonlat(ring, ref_lon))
        local = target.to_local(footprint)
        covered = float(shapely.intersection(local, target.local).area)
        if covered <= 0.0:
            continue
        kept.append(
            AreaOpportunity(
                sat.name,
                sat.norad_id,
                target.name,
                pass_index,
                report.start + timedelta(seconds=s0),
                report.start + timedelta(seconds=s1),
                0.5 * (a + b),
                lim.fov_deg,
                footprint,
                covered,
                sun_el,
                float(view.incidence_deg[j]),
                float(view.gsd_m[j]),
                local,
            )
        )
    if kept:
        return _record(report, job, span, kept, None)
    if too_dark:
        return _record(report, job, span, [], f"sun too low (below {lim.min_sun_elevation_deg:g}°)")
    return _record(report, job, span, [], "angle too large")


def _covered_km2(target: AreaTarget, footprints: Sequence[BaseGeometry]) -> float:
    if not footprints:
        return 0.0
    return float(shapely.intersection(shapely.union_all(list(footprints)), target.local).area)


# --- coverage -------------------------------------------------------------------------------


class Access(Protocol):
    """Anything with a satellite, a target and an interval: strips, or point access windows."""

    @property
    def satellite(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...


@dataclass(frozen=True)
class PassCoverage:
    """What one pass covers of a target."""

    satellite: str
    start: datetime
    end: datetime
    strips: int
    covered_km2: float
    fraction: float


@dataclass(frozen=True)
class DayCoverage:
    """What one UTC day's passes cover of a target (their strips together)."""

    day: date
    accesses: int
    covered_km2: float
    fraction: float


@dataclass(frozen=True)
class CoverageReport:
    """Coverage and revisit of one target over a horizon.

    ``fraction`` is the part of the target that the strips of the whole horizon cover together
    (1 for a point with any access). An access is one pass (all its strips); accesses of
    different satellites that overlap in time count as one. ``revisit_s`` is the longest gap
    between the end of an access and the start of the next (None with fewer than two);
    ``longest_wait_s`` also counts the gaps from the horizon's start and to its end.
    """

    target: str
    start: datetime
    end: datetime
    area_km2: float
    covered_km2: float
    fraction: float
    passes: list[PassCoverage]
    days: list[DayCoverage]
    accesses: int
    revisit_s: float | None
    mean_revisit_s: float | None
    longest_wait_s: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""

        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 3)

        return {
            "target": self.target,
            "start": format_utc(self.start),
            "end": format_utc(self.end),
            "area_km2": round(self.area_km2, 3),
            "covered_km2": round(self.covered_km2, 3),
            "fraction": round(self.fraction, 6),
            "accesses": self.accesses,
            "revisit_s": r(self.revisit_s),
            "mean_revisit_s": r(self.mean_revisit_s),
            "longest_wait_s": round(self.longest_wait_s, 3),
            "passes": [
                {
                    "satellite": p.satellite,
                    "start": format_utc(p.start),
                    "end": format_utc(p.end),
                    "strips": p.strips,
                    "covered_km2": round(p.covered_km2, 3),
                    "fraction": round(p.fraction, 6),
                }
                for p in self.passes
            ],
            "days": [
                {
                    "day": d.day.isoformat(),
                    "accesses": d.accesses,
                    "covered_km2": round(d.covered_km2, 3),
                    "fraction": round(d.fraction, 6),
                }
                for d in self.days
            ],
        }


def coverage(
    target: Target,
    accesses: Sequence[Access],
    start: datetime | str,
    end: datetime | str,
) -> CoverageReport:
    """Coverage per pass, per UTC day and over the horizon, and the revisit time, of a target.

    ``accesses`` are :class:`AreaOpportunity` strips (for an area) or any windows with
    ``satellite``, ``target``, ``start`` and ``end`` (for a point); those of other targets are
    ignored.
    """
    t0, t1 = parse_utc(start, field="start"), parse_utc(end, field="end")
    mine = [a for a in accesses if a.target == target.name and a.end >= t0 and a.start <= t1]
    # group strips by pass; any other access is a pass of its own
    groups: dict[tuple[str, int], list[Access]] = {}
    for k, a in enumerate(mine):
        key = (
            (a.satellite, a.pass_index) if isinstance(a, AreaOpportunity) else (a.satellite, -1 - k)
        )
        groups.setdefault(key, []).append(a)
    area = target.area_km2 if isinstance(target, AreaTarget) else 0.0

    def covered(items: Sequence[Access]) -> tuple[float, float]:
        if isinstance(target, PointTarget):
            return 0.0, 1.0 if items else 0.0
        prints = [a.local_footprint for a in items if isinstance(a, AreaOpportunity)]
        km2 = _covered_km2(target, prints)
        return km2, km2 / area

    passes = []
    for items in groups.values():
        km2, frac = covered(items)
        passes.append(
            PassCoverage(
                items[0].satellite,
                min(a.start for a in items),
                max(a.end for a in items),
                len(items),
                km2,
                frac,
            )
        )
    passes.sort(key=lambda p: p.start)

    days = []
    day = t0.date()
    while datetime(day.year, day.month, day.day, tzinfo=UTC) < t1:
        lo = datetime(day.year, day.month, day.day, tzinfo=UTC)
        hi = lo + timedelta(days=1)
        todays = [a for a in mine if lo <= a.start < hi]
        km2, frac = covered(todays)
        n = sum(1 for p in passes if lo <= p.start < hi)
        days.append(DayCoverage(day, n, km2, frac))
        day += timedelta(days=1)

    km2, frac = covered(mine)
    intervals = _merge(
        [((p.start - t0).total_seconds(), (p.end - t0).total_seconds()) for p in passes], 0.0
    )
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(intervals)]
    span = (t1 - t0).total_seconds()
    edges = [intervals[0][0], span - intervals[-1][1]] if intervals else [span]
    return CoverageReport(
        target.name,
        t0,
        t1,
        area,
        km2,
        frac,
        passes,
        days,
        len(intervals),
        max(gaps) if gaps else None,
        float(np.mean(gaps)) if gaps else None,
        max([*gaps, *edges]),
    )
