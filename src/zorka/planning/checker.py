"""An independent plan checker: every constraint, with geometry recomputed from the mission.

It trusts nothing the planner computed. Orbits are propagated with the ``sgp4`` package's own
C++ SGP4 (the planners use zorka's compiled batch), lines of sight and sun angles come from
:func:`zorka.geometry.sensor.view_geometry` at instants a second or two apart through every
acquisition, strip footprints are traced again from their edge rays, passes and eclipses are
searched again. Each broken rule is a :class:`Violation` naming the rule and the acquisitions or
downlinks concerned:

``satellite`` unknown or without sensor; ``request`` unknown, or of another kind or sensor
type; ``window`` outside the request's window or the plan's horizon; ``duration`` a dwell
shorter than asked; ``angle`` off-nadir or pitch beyond the limits, or a roll/pitch that is not
the geometry's; ``sun`` the Sun too low over the target; ``coverage`` a strip that misses its
area; ``volume`` a data volume that is not rate × time; ``overlap`` two images at once;
``slew`` too little time to turn between two images; ``memory`` the memory overflows (or a
downlink sends data that is not on board); ``battery`` below its floor; ``downlink-station``
not a payload station of the satellite's band; ``downlink-pass`` outside a pass;
``downlink-rate`` more data than the pass time carries; ``downlink-data`` data sent before it
was taken, twice, or not the volume listed; ``antenna`` two satellites on one antenna, or one
satellite on two stations at once; ``stereo`` a pair that is incomplete, not from one pass, or
whose convergence angle is out of range; ``repeat`` an image outside its period;
``duplicate`` one period or look imaged twice; ``objective`` a value above what the plan earns;
``quota`` a customer more than the tolerance below its quota although serving its demand would
lift it there and one of its requests left out fits the plan as it is (as the plan says).
The customers' shares of the value the checker finds are in :attr:`CheckReport.shares`.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon

from zorka.geometry.eclipses import find_eclipses
from zorka.geometry.passes import find_passes
from zorka.geometry.sensor import ground_intersection, lvlh_axes, pointing, view_geometry
from zorka.geometry.targets import AreaTarget, PointTarget
from zorka.geometry.topocentric import MU_KM3_S2
from zorka.mission.model import Mission, SatelliteSpec
from zorka.mission.station import CAPABILITY_PAYLOAD_DOWNLINK, band_capability
from zorka.orbits.frames import WGS84_A_KM, enu_matrix, itrf_to_geodetic, teme_to_itrf
from zorka.orbits.propagation import propagate_pairs
from zorka.orbits.satellite import Satellite
from zorka.planning.plan import Acquisition, Plan
from zorka.planning.requests import PRODUCT_RATE_FRACTION, Request
from zorka.planning.resources import (
    Activity,
    battery_profile,
    memory_profile,
    slew_angle_deg,
    slew_time_s,
)
from zorka.time import TimeArray, format_utc

__all__ = ["CheckReport", "Violation", "check_plan", "effective_limits", "field_of_view_deg"]

Array = NDArray[np.float64]

#: Angles agree within this (degrees), times within this (seconds).
ANGLE_TOL_DEG = 0.05
TIME_TOL_S = 1e-3
#: The sampling step through an acquisition, seconds.
SAMPLE_S = 2.0


@dataclass(frozen=True)
class Violation:
    """One broken rule: which, in words, and the acquisitions or downlinks concerned."""

    rule: str
    message: str
    items: tuple[str, ...] = ()

    def __str__(self) -> str:
        who = f" [{', '.join(self.items)}]" if self.items else ""
        return f"{self.rule}{who}: {self.message}"


@dataclass
class CheckReport:
    """What the checker found: the violations and the value the plan really earns."""

    violations: list[Violation] = field(default_factory=list)
    value: float = 0.0
    served: dict[str, float] = field(default_factory=dict)
    #: each customer's share of the value the checker finds
    shares: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the plan breaks no rule."""
        return not self.violations

    def rules(self) -> set[str]:
        """The rules broken."""
        return {v.rule for v in self.violations}

    def add(self, rule: str, message: str, *items: str) -> None:
        self.violations.append(Violation(rule, message, tuple(items)))


@dataclass(frozen=True)
class Limits:
    """The angle and light limits of one satellite for one request."""

    max_off_nadir_deg: float
    max_pitch_deg: float
    min_sun_elevation_deg: float | None


def effective_limits(spec: SatelliteSpec, request: Request) -> Limits:
    """The satellite's sensor limits, tightened by the request's (never loosened)."""
    assert spec.sensor is not None
    off = spec.sensor.max_off_nadir_deg
    if request.max_off_nadir_deg is not None:
        off = min(off, request.max_off_nadir_deg)
    pitch = min(spec.agility.max_pitch_deg if spec.agility else 0.0, off)
    sun: float | None = (
        None if spec.sensor.type == "infrared" else spec.sensor.min_sun_elevation_deg
    )
    if request.min_sun_elevation_deg is not None:
        sun = (
            request.min_sun_elevation_deg
            if sun is None
            else max(sun, request.min_sun_elevation_deg)
        )
    return Limits(off, pitch, sun)


def mean_altitude_km(satellite: Satellite) -> float:
    """The altitude of a circular orbit with the satellite's mean motion, km."""
    n = float(satellite.satrec.no_kozai) / 60.0
    return float((MU_KM3_S2 / (n * n)) ** (1.0 / 3.0) - WGS84_A_KM)


def field_of_view_deg(swath_km: float, satellite: Satellite) -> float:
    """The full field of view of a push-broom with this swath at nadir, degrees."""
    return math.degrees(2.0 * math.atan(swath_km / 2.0 / mean_altitude_km(satellite)))


class _Geometry:
    """Earth-fixed states of the fleet at any instants, from the C++ SGP4."""

    def __init__(self, satellites: Sequence[Satellite], t0: datetime) -> None:
        self.satellites = list(satellites)
        self.index = {s.name: i for i, s in enumerate(self.satellites)}
        self.t0 = t0

    def states(self, name: str, seconds: Array) -> tuple[Array, Array, TimeArray]:
        times = TimeArray(self.t0, np.asarray(seconds, dtype=np.float64))
        idx = np.full(seconds.size, self.index[name], dtype=np.intp)
        r, v, _ = propagate_pairs(self.satellites, idx, times)
        r_e, v_e = teme_to_itrf(r, v, times)
        assert v_e is not None
        return r_e, v_e, times


def _sample(start_s: float, end_s: float) -> Array:
    n = max(3, 2 * math.ceil((end_s - start_s) / SAMPLE_S / 2.0) + 1)
    return np.linspace(start_s, end_s, n)


def check_plan(
    plan: Plan, mission: Mission, satellites: Sequence[Satellite] | None = None
) -> CheckReport:
    """Check every constraint of a plan against the mission; returns every violation found."""
    report = CheckReport()
    if satellites is None:
        satellites, _ = mission.fleet()
    specs = {s.name: s for s in mission.satellites}
    sats = {s.name: s for s in satellites}
    requests = plan.requests.by_id()
    t0, t1 = plan.start, plan.end
    geo = _Geometry(list(sats.values()), t0)

    def sec(t: datetime) -> float:
        return (t - t0).total_seconds()

    ids = [a.id for a in plan.acquisitions] + [d.id for d in plan.downlinks]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        report.add("duplicate", f"id {dup} is used more than once", dup)

    # --- each acquisition on its own ------------------------------------------------------
    looks: dict[str, tuple[float, float, float, float]] = {}  # id -> roll/pitch start and end
    coverage: dict[tuple[str, int], list[Polygon]] = defaultdict(list)
    usable: list[Acquisition] = []
    for a in plan.acquisitions:
        spec, request = specs.get(a.satellite), requests.get(a.request)
        if spec is None or a.satellite not in sats or spec.sensor is None:
            report.add("satellite", f"{a.satellite!r} is not an imaging satellite", a.id)
            continue
        if request is None:
            report.add("request", f"request {a.request!r} is not among the plan's", a.id)
            continue
        if (a.kind == "strip") != request.is_area:
            report.add("request", f"a {a.kind} acquisition for a request of the other kind", a.id)
            continue
        if request.sensor_type is not None and spec.sensor.type != request.sensor_type:
            report.add("request", f"{request.id} needs a {request.sensor_type} sensor", a.id)
        if a.end <= a.start:
            report.add("window", "ends before it starts", a.id)
            continue
        if a.start < request.earliest or a.end > request.latest or a.start < t0 or a.end > t1:
            report.add(
                "window",
                f"{format_utc(a.start)}..{format_utc(a.end)} is outside the request's window"
                f" or the plan's horizon",
                a.id,
            )
        periods = request.occurrences()
        if a.occurrence >= len(periods):
            report.add("repeat", f"period {a.occurrence} does not exist", a.id)
        else:
            p0, p1 = periods[a.occurrence]
            mid = a.start + (a.end - a.start) / 2
            if not p0 <= mid < p1 + timedelta(microseconds=1):
                report.add("repeat", f"not in its period {format_utc(p0)}..{format_utc(p1)}", a.id)
        if a.kind == "point" and a.duration_s < request.point_duration_s - TIME_TOL_S:
            report.add(
                "duration", f"dwells {a.duration_s:.1f} s of {request.point_duration_s:g} s", a.id
            )
        rate = spec.sensor.imaging_rate_mbps * PRODUCT_RATE_FRACTION[request.product]
        expected = rate * a.duration_s / 1000.0
        if abs(a.volume_gbit - expected) > 1e-6 + 1e-6 * expected:
            report.add(
                "volume", f"{a.volume_gbit:.6f} Gbit, but {expected:.6f} Gbit are imaged", a.id
            )
        limits = effective_limits(spec, request)
        sat = sats[a.satellite]
        if isinstance(request.target, PointTarget):
            found = _check_point(report, geo, a, request.target, limits, sec(a.start), sec(a.end))
        else:
            found = _check_strip(
                report, geo, a, request.target, limits, spec, sat, sec(a.start), sec(a.end)
            )
            if found is not None:
                coverage[(a.request, a.occurrence)].append(found[1])
        if found is not None:
            looks[a.id] = found[0]
            usable.append(a)

    # --- each satellite's timeline, memory and battery ------------------------------------------
    span = sec(t1)
    dark: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for e in find_eclipses(list(sats.values()), t0, t1) if sats else []:
        dark[e.satellite].append((sec(e.penumbra_start), sec(e.penumbra_end)))
    for name, spec in specs.items():
        if name not in sats:
            continue
        mine = sorted((a for a in usable if a.satellite == name), key=lambda a: a.start)
        activities = [Activity(sec(a.start), sec(a.end), "imaging") for a in mine]
        for a, b in itertools.pairwise(mine):
            gap = (b.start - a.end).total_seconds()
            if gap < -TIME_TOL_S:
                report.add("overlap", "two acquisitions at once", a.id, b.id)
                continue
            ra, pa = looks[a.id][2], looks[a.id][3]
            rb, pb = looks[b.id][0], looks[b.id][1]
            angle = slew_angle_deg(ra, pa, rb, pb)
            need = slew_time_s(angle, spec.agility) if spec.agility else 0.0
            if spec.agility is None and angle > ANGLE_TOL_DEG:
                report.add("slew", "the satellite has no agility model to turn", a.id, b.id)
            elif gap < need - TIME_TOL_S:
                report.add(
                    "slew",
                    f"{gap:.1f} s between them, but the {angle:.1f}° turn takes {need:.1f} s",
                    a.id,
                    b.id,
                )
            if need > 0:
                activities.append(Activity(sec(b.start) - need, sec(b.start), "slewing"))
        profile = next((p for p in plan.profiles if p.satellite == name), None)
        if spec.power is not None:
            initial = profile.battery_wh[0].value if profile and profile.battery_wh else None
            levels = battery_profile(spec.power, span, activities, dark[name], initial)
            floor = spec.power.min_battery_fraction * spec.power.battery_wh
            low_t, low = min(levels, key=lambda x: x[1])
            if low < floor - 1e-6:
                report.add(
                    "battery",
                    f"{name}: {low:.1f} Wh at {format_utc(t0 + timedelta(seconds=low_t))},"
                    f" below the floor of {floor:.1f} Wh",
                )
        mine_dl = [d for d in plan.downlinks if d.satellite == name]
        if spec.memory_gbit is not None:
            initial_m = profile.memory_gbit[0].value if profile and profile.memory_gbit else 0.0
            levels = memory_profile(
                [(sec(a.start), a.volume_gbit) for a in mine],
                [(sec(d.end), d.volume_gbit) for d in mine_dl],
                initial_m,
            )
            for t, level in levels:
                when = format_utc(t0 + timedelta(seconds=t))
                if level > spec.memory_gbit + 1e-6:
                    report.add(
                        "memory", f"{name}: {level:.2f} Gbit at {when} of {spec.memory_gbit:g}"
                    )
                    break
                if level < -1e-6:
                    report.add("memory", f"{name}: more data sent than on board at {when}")
                    break

    _check_downlinks(report, plan, mission, sats, specs)
    _check_stereo(report, geo, plan, usable, requests, sats)
    _check_value(report, plan, usable, coverage, requests)
    return report


def _check_point(
    report: CheckReport,
    geo: _Geometry,
    a: Acquisition,
    target: PointTarget,
    limits: Limits,
    s0: float,
    s1: float,
) -> tuple[tuple[float, float, float, float], Polygon] | None:
    secs = _sample(s0, s1)
    r, v, times = geo.states(a.satellite, secs)
    if not np.all(np.isfinite(r)):
        report.add("satellite", "the orbit cannot be propagated then", a.id)
        return None
    view = view_geometry(r, v, target.position_km, target.enu, times, sun=True, gsd=False)
    off, pitch, roll = view.off_nadir_deg, view.pitch_deg, view.roll_deg
    worst = float(off.max())
    if worst > limits.max_off_nadir_deg + ANGLE_TOL_DEG:
        report.add(
            "angle", f"{worst:.2f}° off nadir, above the limit {limits.max_off_nadir_deg:g}°", a.id
        )
    if limits.max_pitch_deg > 0:
        steep = float(np.abs(pitch).max())
        if steep > limits.max_pitch_deg + ANGLE_TOL_DEG:
            report.add(
                "angle", f"pitch {steep:.2f}°, above the limit {limits.max_pitch_deg:g}°", a.id
            )
    else:
        mid = float(pitch[pitch.size // 2])
        if abs(mid) > 0.1 + ANGLE_TOL_DEG:
            report.add(
                "angle", f"pitch {mid:.2f}° mid-image on a satellite that cannot pitch", a.id
            )
    if limits.min_sun_elevation_deg is not None:
        low = float(view.sun_elevation_deg.min())
        if low < limits.min_sun_elevation_deg - ANGLE_TOL_DEG:
            report.add(
                "sun",
                f"sun {low:.2f}° over the target, below {limits.min_sun_elevation_deg:g}°",
                a.id,
            )
    got = (float(roll[0]), float(pitch[0]), float(roll[-1]), float(pitch[-1]))
    claimed = (a.roll_deg, a.pitch_deg, a.end_roll_deg, a.end_pitch_deg)
    if max(abs(x - y) for x, y in zip(got, claimed, strict=True)) > 2 * ANGLE_TOL_DEG:
        report.add(
            "angle",
            "roll/pitch at start and end {:.2f}/{:.2f}, {:.2f}/{:.2f} are not the geometry's"
            " {:.2f}/{:.2f}, {:.2f}/{:.2f}".format(*claimed, *got),
            a.id,
        )
    return got, Polygon()


def _check_strip(
    report: CheckReport,
    geo: _Geometry,
    a: Acquisition,
    target: AreaTarget,
    limits: Limits,
    spec: SatelliteSpec,
    sat: Satellite,
    s0: float,
    s1: float,
) -> tuple[tuple[float, float, float, float], Polygon] | None:
    assert spec.sensor is not None
    if abs(a.roll_deg - a.end_roll_deg) > 1e-9 or a.pitch_deg != 0 or a.end_pitch_deg != 0:
        report.add("angle", "a strip is imaged at one roll and pitch 0", a.id)
    if abs(a.roll_deg) > limits.max_off_nadir_deg + ANGLE_TOL_DEG:
        report.add(
            "angle", f"roll {a.roll_deg:.2f}° beyond the limit {limits.max_off_nadir_deg:g}°", a.id
        )
    secs = _sample(s0, s1)
    r, v, times = geo.states(a.satellite, secs)
    if not np.all(np.isfinite(r)):
        report.add("satellite", "the orbit cannot be propagated then", a.id)
        return None
    x, y, z = lvlh_axes(r, v)
    half = field_of_view_deg(spec.sensor.swath_km, sat) / 2.0
    rolls = np.array([a.roll_deg - half, a.roll_deg, a.roll_deg + half])
    ground = ground_intersection(r[None], pointing(x[None], y[None], z[None], rolls[:, None]))
    if not np.all(np.isfinite(ground)):
        report.add("angle", "the strip's edge misses the Earth", a.id)
        return None
    lat, lon, _ = itrf_to_geodetic(ground)
    ref = float(target.polygon.centroid.x)
    lon = lon + 360.0 * np.round((ref - lon) / 360.0)
    if limits.min_sun_elevation_deg is not None:
        k = secs.size // 2
        c_lat, c_lon = float(lat[1, k]), float(lon[1, k])
        centre = ground[1, k]
        view = view_geometry(
            r[k : k + 1],
            v[k : k + 1],
            centre[None],
            enu_matrix(c_lat, c_lon)[None],
            times.at(secs[k : k + 1]),
            gsd=False,
        )
        sun = float(np.asarray(view.sun_elevation_deg).ravel()[0])
        if sun < limits.min_sun_elevation_deg - ANGLE_TOL_DEG:
            report.add(
                "sun", f"sun {sun:.2f}° mid-strip, below {limits.min_sun_elevation_deg:g}°", a.id
            )
    ring = np.concatenate(
        (np.column_stack((lon[0], lat[0])), np.column_stack((lon[2], lat[2]))[::-1])
    )
    footprint = shapely.make_valid(Polygon(ring))
    local = target.to_local(footprint)
    covered = float(shapely.intersection(local, target.local).area)
    if covered <= 0.0:
        report.add("coverage", "the strip does not touch its area", a.id)
    elif a.covered_km2 is not None and covered < 0.9 * a.covered_km2 - 0.5:
        report.add(
            "coverage", f"covers {covered:.1f} km², not the {a.covered_km2:.1f} km² claimed", a.id
        )
    roll = a.roll_deg
    return (roll, 0.0, roll, 0.0), Polygon() if not isinstance(local, Polygon) else local


def _check_downlinks(
    report: CheckReport,
    plan: Plan,
    mission: Mission,
    sats: dict[str, Satellite],
    specs: dict[str, SatelliteSpec],
) -> None:
    stations = {s.name: s for s in mission.ground_stations()}
    by_id = {a.id: a for a in plan.acquisitions}
    sent: dict[str, str] = {}
    wanted = [d for d in plan.downlinks if d.satellite in sats and d.station in stations]
    passes = []
    if wanted:
        used_sats = sorted({d.satellite for d in wanted})
        used_sta = sorted({d.station for d in wanted})
        found = find_passes(
            [sats[n] for n in used_sats],
            [stations[n] for n in used_sta],
            plan.start - timedelta(hours=1),
            plan.end + timedelta(hours=1),
        )
        passes = found.passes
    for d in plan.downlinks:
        spec = specs.get(d.satellite)
        station = stations.get(d.station)
        if spec is None or d.satellite not in sats or spec.downlink is None:
            report.add("downlink-station", f"{d.satellite!r} has no payload downlink", d.id)
            continue
        if station is None or CAPABILITY_PAYLOAD_DOWNLINK not in station.capabilities:
            report.add("downlink-station", f"{d.station!r} is not a payload station", d.id)
            continue
        bands = {c for c in station.capabilities if c.startswith("band:")}
        if bands and band_capability(spec.downlink.band) not in bands:
            report.add(
                "downlink-station", f"{d.station} does not receive {spec.downlink.band}", d.id
            )
        if not any(
            p.satellite == d.satellite
            and p.station == d.station
            and p.aos - timedelta(seconds=1) <= d.start
            and d.end <= p.los + timedelta(seconds=1)
            for p in passes
        ):
            report.add("downlink-pass", f"no pass over {d.station} holds it", d.id)
        seconds = (d.end - d.start).total_seconds()
        need = d.volume_gbit * 1000.0 / spec.downlink.rate_mbps
        if seconds < need - TIME_TOL_S:
            report.add(
                "downlink-rate",
                f"{d.volume_gbit:.3f} Gbit need {need:.1f} s at {spec.downlink.rate_mbps:g} Mbit/s,"
                f" not {seconds:.1f} s",
                d.id,
            )
        total = 0.0
        for aid in d.acquisitions:
            a = by_id.get(aid)
            if a is None or a.satellite != d.satellite:
                report.add("downlink-data", f"{aid} is not an acquisition of {d.satellite}", d.id)
                continue
            if aid in sent:
                report.add("downlink-data", f"{aid} is also sent by {sent[aid]}", d.id)
            sent[aid] = d.id
            if a.end > d.start:
                report.add("downlink-data", f"{aid} is sent before it is taken", d.id, aid)
            total += a.volume_gbit
        if abs(total - d.volume_gbit) > 1e-6 + 1e-6 * total:
            report.add(
                "downlink-data",
                f"sends {d.volume_gbit:.3f} Gbit, its acquisitions hold {total:.3f}",
                d.id,
            )
    for key in ("station", "satellite"):
        groups: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
        for d in plan.downlinks:
            groups[getattr(d, key)].append((d.start, d.end, d.id))
        for name, items in groups.items():
            items.sort()
            for (_, e0, i0), (s1, _, i1) in itertools.pairwise(items):
                if s1 < e0 - timedelta(seconds=TIME_TOL_S):
                    what = "one antenna serves" if key == "station" else "one satellite uses"
                    report.add("antenna", f"{name}: {what} both at once", i0, i1)


def _check_stereo(
    report: CheckReport,
    geo: _Geometry,
    plan: Plan,
    usable: list[Acquisition],
    requests: dict[str, Request],
    sats: dict[str, Satellite],
) -> None:
    groups: dict[tuple[str, int, int], list[Acquisition]] = defaultdict(list)
    for a in usable:
        groups[(a.request, a.occurrence, a.look)].append(a)
    for (rid, occ, look), items in groups.items():
        request = requests[rid]
        if len(items) > 1 and not request.is_area:
            report.add(
                "duplicate", f"{rid} period {occ} look {look} imaged twice", *(a.id for a in items)
            )
        if look == 1 and request.stereo is None:
            report.add("stereo", f"{rid} is not a stereo request", *(a.id for a in items))
    for request in requests.values():
        if request.stereo is None:
            continue
        mine = [a for a in usable if a.request == request.id]
        if not mine:
            continue
        first = [a for a in mine if a.look == 0]
        second = [a for a in mine if a.look == 1]
        if len(first) != 1 or len(second) != 1:
            report.add(
                "stereo",
                f"{request.id}: a stereo pair needs one look 0 and one look 1",
                *(a.id for a in mine),
            )
            continue
        a, b = first[0], second[0]
        sat = sats[a.satellite]
        gap = abs((b.start - a.start).total_seconds())
        if a.satellite != b.satellite or gap > sat.period_s / 4.0:
            report.add("stereo", f"{request.id}: the two looks are not from one pass", a.id, b.id)
            continue
        target = request.target
        assert isinstance(target, PointTarget)
        mids = np.array(
            [
                (a.start + (a.end - a.start) / 2 - plan.start).total_seconds(),
                (b.start + (b.end - b.start) / 2 - plan.start).total_seconds(),
            ]
        )
        r, _, _ = geo.states(a.satellite, mids)
        u = r - target.position_km
        u = u / np.linalg.norm(u, axis=-1, keepdims=True)
        angle = math.degrees(math.acos(max(-1.0, min(1.0, float(u[0] @ u[1])))))
        lo, hi = request.stereo.min_convergence_deg, request.stereo.max_convergence_deg
        if not lo - ANGLE_TOL_DEG <= angle <= hi + ANGLE_TOL_DEG:
            report.add(
                "stereo",
                f"{request.id}: convergence {angle:.1f}°, outside {lo:g}..{hi:g}°",
                a.id,
                b.id,
            )


def _check_value(
    report: CheckReport,
    plan: Plan,
    usable: list[Acquisition],
    coverage: dict[tuple[str, int], list[Polygon]],
    requests: dict[str, Request],
) -> None:
    total = 0.0
    for request in requests.values():
        periods = request.occurrences()
        got = []
        for k in range(len(periods)):
            if request.is_area:
                target = request.target
                assert isinstance(target, AreaTarget)
                prints = [p for p in coverage.get((request.id, k), []) if not p.is_empty]
                if prints:
                    covered = shapely.intersection(shapely.union_all(prints), target.local).area
                    got.append(float(covered) / target.area_km2)
                else:
                    got.append(0.0)
            else:
                looks = {a.look for a in usable if a.request == request.id and a.occurrence == k}
                need = {0, 1} if request.stereo is not None else {0}
                got.append(1.0 if need <= looks else 0.0)
        fraction = request.credit(got)
        if fraction > 0:
            report.served[request.id] = fraction
            total += request.expected_weight * fraction
    report.value = total
    if plan.objective > total * 1.02 + 1e-6:
        report.add("objective", f"the plan claims {plan.objective:.3f}, but earns {total:.3f}")
    _check_quotas(report, plan, requests)


def _check_quotas(report: CheckReport, plan: Plan, requests: dict[str, Request]) -> None:
    """Each customer's share of the value found; a customer more than the tolerance below its
    quota breaks the rule when its demand would lift it there and a request of it that the plan
    leaves out fits the plan as it is (the plan's own ``fits``)."""
    value: dict[str, float] = defaultdict(float)
    demand: dict[str, float] = defaultdict(float)
    for r in requests.values():
        demand[r.customer] += r.expected_weight
        value[r.customer] += r.expected_weight * report.served.get(r.id, 0.0)
    total = report.value
    customers = [c.name for c in plan.requests.customers] + sorted(set(demand) - set(value))
    for c in dict.fromkeys(customers):
        report.shares[c] = value[c] / total if total > 0 else 0.0
    tol = plan.requests.quota_tolerance
    for c, q in plan.requests.quotas().items():
        if total <= 0 or report.shares.get(c, 0.0) >= q - tol - 1e-6:
            continue
        best = total - value[c] + demand[c]
        if best <= 0 or demand[c] / best < q - tol - 1e-6:
            continue  # its demand does not allow the quota
        fitting = [u.request for u in plan.unserved if u.customer == c and u.fits]
        if fitting:
            report.add(
                "quota",
                f"{c} has {100 * report.shares[c]:.1f}% of the value, below its quota"
                f" {100 * q:.0f}% - {100 * tol:.0f}%, yet {', '.join(fitting[:5])} fit the plan",
                *fitting[:5],
            )
