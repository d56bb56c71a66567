"""Access windows and view angles against an independent computation built from Skyfield.

Skyfield gives the satellite's Earth-fixed state (its own SGP4 wrapper, TEME -> ITRS with its UT1
table), the target's position on the WGS84 ellipsoid and the Sun from the JPL ephemeris DE421
(shipped offline by ``skyfield-data``). From those, this test computes the off-nadir, roll and
pitch angles and the Sun's elevation at the target with its own vector algebra, finds the windows
by bisection to a millisecond, and compares: window edges within 1 s, angles within 0.05 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from zorka.geometry.access import AccessLimits, find_access
from zorka.orbits.satellite import Satellite

api = pytest.importorskip("skyfield.api")
skyfield_data = pytest.importorskip("skyfield_data")
from skyfield.framelib import itrs  # noqa: E402

KANOPUS = (
    "1 38707U 12039A   24247.82317651  .00138984  00000-0  16635-2 0  9998",
    "2 38707  97.4945 189.8924 0007050 108.0286 252.1739 15.60479551673427",
)
START = datetime(2024, 9, 5, tzinfo=UTC)
HOURS = 36
OMEGA = 7.292115146706979e-5


@dataclass(frozen=True)
class Point:
    name: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float = 0.0


TARGETS = [
    Point("minsk", 53.93, 27.59, 220.0),
    Point("jakarta", -6.2336, 106.6096, 10.0),
    Point("north-60", 60.5, 40.0, 100.0),
    Point("maputo", -25.97, 32.57, 50.0),
    Point("quito", -0.18, -78.47, 2850.0),
]


class Oracle:
    """Skyfield positions, zorka-free vector algebra."""

    def __init__(self) -> None:
        self.ts = api.load.timescale()
        self.eph = api.Loader(skyfield_data.get_skyfield_data_path())("de421.bsp")
        self.earth, self.sun = self.eph["earth"], self.eph["sun"]
        self.sat = api.EarthSatellite(KANOPUS[0], KANOPUS[1], "K", self.ts)

    def angles(self, target: Point, seconds: np.ndarray) -> dict[str, np.ndarray]:
        t = self.ts.from_datetime(START + timedelta(0)) + seconds / 86400.0
        r, v = self.sat.at(t).frame_xyz_and_velocity(itrs)
        r, v = r.km.T, v.km_per_s.T  # Earth-relative velocity in ITRS
        topos = api.wgs84.latlon(target.latitude_deg, target.longitude_deg, target.altitude_m)
        p = topos.itrs_xyz.km
        inertial = v + np.stack((-OMEGA * r[:, 1], OMEGA * r[:, 0], 0 * r[:, 0]), axis=-1)
        z = -r / np.linalg.norm(r, axis=1)[:, None]
        y = np.cross(inertial, r)
        y /= np.linalg.norm(y, axis=1)[:, None]
        x = np.cross(y, z)
        los = p - r
        los /= np.linalg.norm(los, axis=1)[:, None]
        cz, cy, cx = (los * z).sum(1), (los * y).sum(1), (los * x).sum(1)
        alt, az, _ = (self.earth + topos).at(t).observe(self.sun).apparent().altaz()
        sat_alt, sat_az, sat_range = (self.sat - topos).at(t).altaz()
        return {
            "off": np.degrees(np.arccos(np.clip(cz, -1, 1))),
            "roll": np.degrees(np.arctan2(cy, cz)),
            "pitch": np.degrees(np.arcsin(np.clip(cx, -1, 1))),
            "sun": alt.degrees,
            "sun_az": az.degrees,
            "elevation": sat_alt.degrees,
            "view_azimuth": sat_az.degrees,
            "range": sat_range.km,
        }

    def windows(self, target: Point, lim: AccessLimits) -> list[tuple[float, float]]:
        def ok(seconds: np.ndarray) -> np.ndarray:
            a = self.angles(target, seconds)
            good = (a["off"] <= lim.max_off_nadir_deg) & (a["elevation"] > 0)
            good &= np.abs(a["pitch"]) <= lim.max_pitch_deg
            if lim.min_sun_elevation_deg is not None:
                good &= a["sun"] >= lim.min_sun_elevation_deg
            return good

        grid = np.arange(0.0, HOURS * 3600.0 + 0.5, 4.0)
        inside = ok(grid)
        edges = np.flatnonzero(np.diff(inside.astype(int)))
        times = []
        for e in edges:
            lo, hi = grid[e], grid[e + 1]
            state = inside[e]
            for _ in range(13):  # bisection to 0.5 ms
                mid = 0.5 * (lo + hi)
                if ok(np.array([mid]))[0] == state:
                    lo = mid
                else:
                    hi = mid
            times.append(0.5 * (lo + hi))
        if inside[0]:
            times.insert(0, 0.0)
        if inside[-1]:
            times.append(grid[-1])
        return list(zip(times[0::2], times[1::2], strict=True))


@pytest.fixture(scope="module")
def oracle():  # type: ignore[no-untyped-def]
    o = Oracle()
    yield o
    o.eph.close()


@pytest.fixture(scope="module")
def kanopus() -> Satellite:
    return Satellite.from_tle(KANOPUS, "KANOPUS-V 1")


def _seconds(when: datetime) -> float:
    return (when - START).total_seconds()


def test_agile_windows_match(oracle: Oracle, kanopus: Satellite) -> None:
    lim = AccessLimits(max_off_nadir_deg=35.0, max_pitch_deg=20.0, min_sun_elevation_deg=10.0)
    report = find_access([kanopus], TARGETS, START, START + timedelta(hours=HOURS), lim)
    total = 0
    for target in TARGETS:
        expected = oracle.windows(target, lim)
        ours = [w for w in report.windows if w.target == target.name]
        assert len(ours) == len(expected), (target.name, expected, ours)
        for w, (a, b) in zip(ours, expected, strict=True):
            assert abs(_seconds(w.start) - a) < 1.0 and abs(_seconds(w.end) - b) < 1.0
            ref = oracle.angles(target, np.array([_seconds(w.best_time)]))
            assert abs(w.best.off_nadir_deg - ref["off"][0]) < 0.05
            assert abs(w.best.roll_deg - ref["roll"][0]) < 0.05
            assert abs(w.best.pitch_deg - ref["pitch"][0]) < 0.05
            assert abs(w.best.sun_elevation_deg - ref["sun"][0]) < 0.05
            assert abs(w.best.sun_azimuth_deg - ref["sun_az"][0]) < 0.05
            # incidence is the satellite's zenith distance seen from the target
            assert abs(w.best.incidence_deg - (90.0 - ref["elevation"][0])) < 0.05
            assert abs((w.best.view_azimuth_deg - ref["view_azimuth"][0] + 180) % 360 - 180) < 0.05
            assert abs(w.best.slant_range_km - ref["range"][0]) < 0.05
            # the best time is the least off-nadir within the window
            for dt in (-2.0, 2.0):
                when = w.best_time + timedelta(seconds=dt)
                if w.start <= when <= w.end:
                    off = oracle.angles(target, np.array([_seconds(when)]))["off"][0]
                    assert off >= w.best.off_nadir_deg - 1e-4
            total += 1
    assert total >= 3
    # targets with no window say why
    for target in TARGETS:
        if not any(w.target == target.name for w in report.windows):
            assert report.reasons[target.name]


def test_non_agile_windows_are_the_pitch_zero_instants(oracle: Oracle, kanopus: Satellite) -> None:
    lim = AccessLimits(max_off_nadir_deg=40.0, max_pitch_deg=0.0, min_sun_elevation_deg=None)
    report = find_access([kanopus], TARGETS, START, START + timedelta(hours=HOURS), lim)
    assert report.windows
    for w in report.windows:
        assert w.start == w.end == w.best_time
        target = next(t for t in TARGETS if t.name == w.target)
        ref = oracle.angles(target, np.array([_seconds(w.best_time)]))
        assert abs(ref["pitch"][0]) < 0.01
        assert abs(w.best.roll_deg - ref["roll"][0]) < 0.05
        assert abs(w.best.off_nadir_deg) <= 40.0
    # every crossing of the cross-track plane within reach is found, day or night
    for target in TARGETS:
        a = oracle.angles(target, np.arange(0.0, HOURS * 3600.0, 4.0))
        flips = np.flatnonzero(
            (np.sign(a["pitch"][:-1]) > 0)
            & (np.sign(a["pitch"][1:]) <= 0)
            & (a["off"][:-1] <= 39.9)
            & (a["elevation"][:-1] > 0)
        )
        ours = [w for w in report.windows if w.target == target.name]
        assert len(ours) == len(flips), target.name


def test_per_request_limits_tighten(kanopus: Satellite) -> None:
    wide = AccessLimits(max_off_nadir_deg=40.0, max_pitch_deg=30.0, min_sun_elevation_deg=None)
    narrow = wide.override(max_off_nadir_deg=15.0)
    assert narrow.max_off_nadir_deg == 15.0 and narrow.max_pitch_deg == 15.0
    end = START + timedelta(hours=HOURS)
    a = find_access([kanopus], TARGETS, START, end, wide).windows
    b = find_access([kanopus], TARGETS, START, end, narrow).windows
    assert len(b) < len(a)
    assert all(w.best.off_nadir_deg <= 15.0 + 1e-6 for w in b)
    assert all(w.at_start.off_nadir_deg <= 15.0 + 1e-3 for w in b)


def test_reasons_tell_angle_from_light(kanopus: Satellite) -> None:
    end = START + timedelta(hours=HOURS)
    dark = AccessLimits(max_off_nadir_deg=35.0, max_pitch_deg=20.0, min_sun_elevation_deg=89.0)
    report = find_access([kanopus], TARGETS, START, end, dark)
    assert not report.windows
    assert all(r.startswith("sun too low") for r in report.reasons.values()), report.reasons
    narrow = AccessLimits(max_off_nadir_deg=0.01, max_pitch_deg=0.0, min_sun_elevation_deg=None)
    report = find_access([kanopus], TARGETS, START, end, narrow)
    assert not report.windows
    assert all(
        r.startswith(("off-nadir angle too large", "no pass")) for r in report.reasons.values()
    ), report.reasons
