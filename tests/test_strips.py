"""Area targets cut into push-broom strips, on real orbits: the strips tile the polygon, their
edges are where the satellite's real geometry says, and coverage adds up.

Areas are checked independently of zorka's equal-area projection, on the ellipsoid with pyproj's
geodesic polygon areas; angles with an independent evaluation of the view: the C++ SGP4 of the
``sgp4`` package (not zorka's compiled batch), and :func:`zorka.geometry.sensor.view_geometry` at
the instant, found by a secant search, when each point is at pitch 0.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from zorka.geometry.sensor import view_geometry
from zorka.geometry.strips import (
    AreaOpportunity,
    StripReport,
    coverage,
    field_of_view_deg,
    find_strips,
)
from zorka.geometry.targets import AreaTarget, PointTarget, read_targets
from zorka.mission import Sensor, default_mission
from zorka.orbits.frames import enu_matrix, geodetic_to_itrf, teme_to_itrf
from zorka.orbits.propagation import propagate
from zorka.orbits.satellite import Satellite
from zorka.orbits.tle import read_tle
from zorka.time import TimeArray

ROOT = Path(__file__).parent
GEOD = Geod(ellps="WGS84")

# ASTER on TERRA (VNIR): 60 km swath, ±24° cross-track pointing, 15 m (published by NASA/METI);
# its data rate does not matter here
ASTER = Sensor(
    type="optical",
    gsd_m=15.0,
    swath_km=60.0,
    max_off_nadir_deg=24.0,
    min_sun_elevation_deg=10.0,
    imaging_rate_mbps=89.2,
)


def geodesic_km2(geometry: BaseGeometry) -> float:
    area, _ = GEOD.geometry_area_perimeter(geometry)
    return abs(area) / 1e6


def terra() -> Satellite:
    tles, _ = read_tle(ROOT / "data" / "orbits" / "science-2019-11.tle")
    (sat,) = [Satellite.from_tle(t) for t in tles if t.name and t.name.strip() == "TERRA"]
    return sat


def mission_fleet(name: str) -> tuple[list[Satellite], list[Sensor | None]]:
    mission = default_mission(name)
    sats, errors = mission.fleet()
    assert not errors
    return sats, [s.sensor for s in mission.satellites]


def square(name: str, lat: float, lon: float, dlat: float, dlon: float) -> AreaTarget:
    return AreaTarget(name, box(lon - dlon / 2, lat - dlat / 2, lon + dlon / 2, lat + dlat / 2))


@dataclass
class Case:
    satellites: list[Satellite]
    sensors: Sequence[Sensor | None]
    target: AreaTarget
    report: StripReport


def run(
    satellites: list[Satellite],
    sensors: Sequence[Sensor | None],
    target: AreaTarget,
    start: str,
    days: float,
    **kw: float,
) -> Case:
    t0 = datetime.fromisoformat(start)
    report = find_strips(satellites, sensors, [target], t0, t0 + timedelta(days=days), **kw)
    assert not report.errors
    return Case(satellites, sensors, target, report)


@pytest.fixture(scope="module")
def equator() -> Case:
    # BKA's real state vector, on the day it imaged Jakarta (scene centre 6.2336 S, 106.6096 E)
    sats, sensors = mission_fleet("by-2015")
    target = square("jakarta", -6.2336, 106.6096, 1.0, 1.0)
    return run(sats, sensors, target, "2015-09-24T00:00:00+00:00", 1.0)


@pytest.fixture(scope="module")
def north() -> Case:
    # Kanopus-V 1 over the Karelian Isthmus, around 60° N
    sats, sensors = mission_fleet("by")
    target = square("karelia", 60.5, 29.5, 1.5, 3.0)
    return run(sats, sensors, target, "2024-09-05T00:00:00+00:00", 2.0)


@pytest.fixture(scope="module")
def fiji() -> Case:
    (target,), _ = read_targets(ROOT / "data" / "targets" / "fiji.geojson")
    assert isinstance(target, AreaTarget)
    return run([terra()], [ASTER], target, "2019-11-18T00:00:00+00:00", 7.0)


@pytest.fixture(scope="module")
def dateline() -> Case:
    # a 2° × 1.5° box across the antimeridian, written with longitudes past 180
    target = AreaTarget("dateline", Polygon([(179, -17), (181, -17), (181, -15.5), (179, -15.5)]))
    return run([terra()], [ASTER], target, "2019-11-18T00:00:00+00:00", 7.0)


CASES = ["equator", "north", "fiji", "dateline"]


def seen(
    sat: Satellite, lonlat: np.ndarray, guess: datetime
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seconds after ``guess`` when each ground point is at pitch 0, with its roll and pitch."""
    p = geodetic_to_itrf(lonlat[:, 1], lonlat[:, 0], 0.0)
    enu = enu_matrix(lonlat[:, 1], lonlat[:, 0])

    def view(ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        times = TimeArray(guess, ts)
        eph = propagate([sat], times)
        r, v = teme_to_itrf(eph.position_km[0], eph.velocity_km_s[0], times)
        g = view_geometry(r, v, p, enu, times)
        return g.pitch_deg, g.roll_deg

    a, b = np.zeros(len(lonlat)), np.ones(len(lonlat))
    fa, fb = view(a)[0], view(b)[0]
    for _ in range(8):
        c = b - fb * (b - a) / np.where(fb != fa, fb - fa, 1.0)
        a, fa = b, fb
        b = c
        fb = view(b)[0]
    pitch, roll = view(b)
    return b, roll, pitch


def oracle_max_roll(sat: Satellite, target: AreaTarget, strips: list[AreaOpportunity]) -> float:
    """The largest |roll| at which any corner of the area is seen during the strips' pass."""
    pts = shapely.get_coordinates(target.polygon)
    _, roll, pitch = seen(sat, pts, strips[0].best_time)
    assert np.all(np.abs(pitch) < 1e-6)
    return float(np.max(np.abs(roll)))


@pytest.mark.parametrize("name", CASES)
def test_strips_tile_the_polygon(name: str, request: pytest.FixtureRequest) -> None:
    case: Case = request.getfixturevalue(name)
    report, target = case.report, case.target
    assert report.opportunities, report.reasons
    polygon = target.densified
    full = 0
    for p in report.passes:
        strips = [o for o in report.opportunities if o.pass_index == p.index]
        assert len(strips) == p.strips
        if not strips:
            assert p.reason
            continue
        union = shapely.union_all([o.footprint for o in strips])
        # the area the report claims, measured independently on the ellipsoid
        assert geodesic_km2(union.intersection(polygon)) == pytest.approx(p.covered_km2, rel=2e-5)
        # neighbouring strips share their edges: no overlap inside the polygon
        assert sum(o.covered_km2 for o in strips) == pytest.approx(p.covered_km2, rel=1e-5)
        # |roll| + fov/2 within the field of regard
        sensor = case.sensors[0]
        assert sensor is not None
        for o in strips:
            assert abs(o.roll_deg) + o.field_of_view_deg / 2 <= sensor.max_off_nadir_deg + 1e-9
        # where the field of regard reaches every corner, the pass covers all of the polygon
        sat = case.satellites[0]
        if oracle_max_roll(sat, target, strips) < sensor.max_off_nadir_deg - 0.5:
            assert p.fraction > 1 - 1e-5, (p, name)
            full += 1
        else:
            assert p.fraction < 1
    assert full >= 1, f"{name}: no pass whose field of regard reaches the whole area"
    # the whole horizon: union of everything, against the coverage report
    cov = coverage(target, report.opportunities, report.start, report.end)
    union = shapely.union_all([o.footprint for o in report.opportunities])
    assert geodesic_km2(union.intersection(polygon)) == pytest.approx(cov.covered_km2, rel=2e-5)
    assert cov.fraction == pytest.approx(cov.covered_km2 / geodesic_km2(polygon), rel=2e-5)
    assert cov.fraction > 1 - 1e-5


@pytest.mark.parametrize("name", CASES)
def test_strip_edges_are_where_the_satellite_sees_them(
    name: str, request: pytest.FixtureRequest
) -> None:
    case: Case = request.getfixturevalue(name)
    sat = case.satellites[0]
    worst_roll = worst_time = worst_mid = 0.0
    for o in case.report.opportunities[:40]:
        ring = np.asarray(o.footprint.exterior.coords)[:-1]
        t, roll, _ = seen(sat, ring, o.best_time)
        half = o.field_of_view_deg / 2
        lo, hi = o.roll_deg - half, o.roll_deg + half
        t_start = (o.start - o.best_time).total_seconds()
        t_end = (o.end - o.best_time).total_seconds()
        # every vertex is on a side edge (roll = lo or hi) or on an end scan line
        off_edge = np.minimum(np.abs(roll - lo), np.abs(roll - hi))
        off_end = np.minimum(np.abs(t - t_start), np.abs(t - t_end))
        worst_roll = max(worst_roll, float(np.max(np.where(off_end > 0.01, off_edge, 0.0))))
        worst_time = max(worst_time, float(np.max(np.where(off_edge > 1e-3, off_end, 0.0))))
        assert np.all((roll > lo - 1e-3) & (roll < hi + 1e-3))
        # between the vertices (1 s apart), the straight edge stays on the ray's ground track
        side = off_end > 0.01
        pairs = np.flatnonzero(side[:-1] & side[1:])
        mid = 0.5 * (ring[pairs] + ring[pairs + 1])
        _, mid_roll, _ = seen(sat, mid, o.best_time)
        off_mid = np.minimum(np.abs(mid_roll - lo), np.abs(mid_roll - hi))
        worst_mid = max(worst_mid, float(np.max(off_mid, initial=0.0)))
    # vertices are exact; a thousandth of a degree is about 10 m on the ground from these heights
    assert worst_roll < 1e-9, worst_roll
    assert worst_time < 1e-6, worst_time
    assert worst_mid < 1e-3, worst_mid


@pytest.mark.parametrize("name", CASES)
def test_strips_are_in_daylight(name: str, request: pytest.FixtureRequest) -> None:
    case: Case = request.getfixturevalue(name)
    sat = case.satellites[0]
    sensor = case.sensors[0]
    assert sensor is not None
    strips = case.report.opportunities[:20]
    centres = np.array([[o.footprint.centroid.x, o.footprint.centroid.y] for o in strips])
    mids = [o.best_time for o in strips]
    times = TimeArray.from_datetimes(mids)
    eph = propagate([sat], times)
    r, v = teme_to_itrf(eph.position_km[0], eph.velocity_km_s[0], times)
    p = geodetic_to_itrf(centres[:, 1], centres[:, 0], 0.0)
    g = view_geometry(r, v, p, enu_matrix(centres[:, 1], centres[:, 0]), times, sensor.gsd_m)
    got = np.array([o.sun_elevation_deg for o in strips])
    assert np.all(got >= sensor.min_sun_elevation_deg)
    np.testing.assert_allclose(got, g.sun_elevation_deg, atol=0.02)
    # the footprint's centroid is not quite its boresight point: GSD changes across a strip
    np.testing.assert_allclose([o.gsd_m for o in strips], g.gsd_m, rtol=5e-3)
    # night passes were seen and refused for the light, not silently dropped
    reasons = {p.reason for p in case.report.passes}
    assert any(r and r.startswith("sun too low") for r in reasons), reasons


def test_bka_images_jakarta_at_the_passport_angle(equator: Case) -> None:
    # BKA's L1A passport: 2015-09-24 04:43:00 UTC over (-6.2336, 106.6096), viewing angle 2.31°
    when = datetime(2015, 9, 24, 4, 43, tzinfo=UTC)
    strips = [
        o
        for o in equator.report.opportunities
        if abs((o.best_time - when).total_seconds()) < 120 and o.target == "jakarta"
    ]
    assert strips
    (hit,) = [o for o in strips if o.footprint.covers(shapely.Point(106.6096, -6.2336))]
    _, roll, _ = seen(equator.satellites[0], np.array([[106.6096, -6.2336]]), hit.best_time)
    assert abs(roll[0]) == pytest.approx(2.31, abs=0.5)
    half = hit.field_of_view_deg / 2
    assert hit.roll_deg - half <= roll[0] <= hit.roll_deg + half


def test_field_of_view_from_swath() -> None:
    # Kanopus-V PSS: 23.3 km at about 510 km
    assert field_of_view_deg(23.3, 510.0) == pytest.approx(2.6172, abs=1e-4)


def test_geojson_strip_across_the_antimeridian(dateline: Case) -> None:
    crossing = [o for o in dateline.report.opportunities if o.footprint.bounds[2] > 180.0]
    assert crossing
    for o in crossing:
        d = o.to_dict()
        assert set(d) >= {"satellite", "target", "start", "end", "roll_deg", "strip"}
        geometry = d["strip"]
        coords = np.array(
            [xy for poly in shape(geometry).geoms for xy in poly.exterior.coords]
            if geometry["type"] == "MultiPolygon"
            else shape(geometry).exterior.coords
        )
        assert coords[:, 0].min() >= -180.0 and coords[:, 0].max() <= 180.0
        if o.footprint.bounds[0] < 180.0:
            assert geometry["type"] == "MultiPolygon"
        # the cut at 180° is straight in lon/lat, not along the geodesic: 1e-6 of the area
        assert geodesic_km2(shape(geometry)) == pytest.approx(geodesic_km2(o.footprint), rel=1e-5)


def test_coverage_report_per_day_and_revisit(fiji: Case) -> None:
    report, target = fiji.report, fiji.target
    cov = coverage(target, report.opportunities, report.start, report.end)
    assert [d.day.isoformat() for d in cov.days] == [f"2019-11-{d}" for d in range(18, 25)]
    assert sum(d.accesses for d in cov.days) == cov.accesses == len(cov.passes)
    for d, p in itertools.product(cov.days, cov.passes):
        if p.start.date() == d.day and d.accesses == 1:
            assert d.fraction == pytest.approx(p.fraction, rel=1e-12)
    # TERRA repeats its track every 16 days; within a week ASTER's ±24° sees Fiji every 2 days
    gaps = [(b.start - a.end).total_seconds() for a, b in itertools.pairwise(cov.passes)]
    assert cov.revisit_s == pytest.approx(max(gaps))
    assert cov.mean_revisit_s == pytest.approx(float(np.mean(gaps)))
    assert cov.longest_wait_s >= cov.revisit_s
    assert cov.revisit_s == pytest.approx(2 * 86400, rel=0.05)
    d = cov.to_dict()
    assert d["accesses"] == cov.accesses and len(d["days"]) == 7


def test_point_coverage_from_windows() -> None:
    @dataclass
    class Window:
        satellite: str
        target: str
        start: datetime
        end: datetime

    t0 = datetime(2024, 9, 5, tzinfo=UTC)
    hour = timedelta(hours=1)
    windows = [
        Window("a", "p", t0 + 2 * hour, t0 + 2 * hour + timedelta(minutes=5)),
        Window("b", "p", t0 + 10 * hour, t0 + 10 * hour + timedelta(minutes=5)),
        Window("a", "other", t0 + 12 * hour, t0 + 13 * hour),
    ]
    cov = coverage(PointTarget("p", 10, 10), windows, t0, t0 + 24 * hour)
    assert cov.accesses == 2 and cov.fraction == 1.0
    assert cov.revisit_s == pytest.approx(8 * 3600 - 300)
    assert cov.longest_wait_s == pytest.approx(14 * 3600 - 300)
    empty = coverage(PointTarget("q", 10, 10), windows, t0, t0 + 24 * hour)
    assert empty.accesses == 0 and empty.fraction == 0.0 and empty.revisit_s is None


def test_empty_results_say_why() -> None:
    sats, sensors = mission_fleet("by")
    t0 = datetime(2024, 9, 5, tzinfo=UTC)
    pole = square("pole", 88.0, 0.0, 1.0, 1.0)
    belarus = read_targets(ROOT / "data" / "targets" / "belarus.geojson")[0][0]
    assert isinstance(belarus, AreaTarget)
    # on 5 September 2024 Kanopus-V 1 passes Belarus once at night and twice too far off
    day = find_strips(sats, sensors, [pole, belarus], t0, t0 + timedelta(hours=24))
    assert day.reasons["pole"].startswith("no pass within reach")
    assert day.reasons["Belarus"] == "2 passes: angle too large; 1 pass: sun too low (below 10°)"
    assert [p.reason for p in day.passes if p.target == "Belarus"] == [
        "sun too low (below 10°)",
        "angle too large",
        "angle too large",
    ]
    narrow = find_strips(
        sats, sensors, [belarus], t0, t0 + timedelta(hours=12), max_off_nadir_deg=1
    )
    assert "wider than its field of regard" in narrow.errors["Kanopus-V 1"]
    with pytest.raises(ValueError, match="one each"):
        find_strips(sats, [], [belarus], t0, t0 + timedelta(hours=1))
    none = find_strips(sats, [None], [belarus], t0, t0 + timedelta(hours=1))
    assert none.reasons == {"Belarus": "no satellite with an imager"}
