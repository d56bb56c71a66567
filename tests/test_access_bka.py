"""The real BKA acquisition over Jakarta: zorka finds it from the satellite's own state vector.

The L1A product 4077631-0220-MUL (../shared/data/bka/L1A) was acquired on 2015-09-24 at
04:43:00 UTC over (-6.2336, 106.6096) with a viewing angle of 2.31 degrees, the Sun 84.06 degrees
high at azimuth 6.81 degrees (its passport). The embedded mission ``by-2015`` flies BKA from the
Earth-fixed state vector of the same product's first frame passport.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from zorka.geometry.access import AccessLimits, find_access
from zorka.geometry.sensor import view_geometry
from zorka.mission import default_mission
from zorka.orbits.frames import enu_matrix, geodetic_to_itrf, teme_to_itrf
from zorka.orbits.propagation import propagate
from zorka.time import TimeArray

ACQUIRED = datetime(2015, 9, 24, 4, 43, tzinfo=UTC)
LAT, LON = -6.2336, 106.6096


@dataclass(frozen=True)
class Point:
    name: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float = 0.0


def test_bka_sees_the_jakarta_scene_as_its_passport_says() -> None:
    fleet, problems = default_mission("by-2015").fleet()
    assert not problems
    bka = next(s for s in fleet if s.norad_id == 38708)
    scene = Point("jakarta-scene", LAT, LON, 0.0)
    # BKA can roll and pitch its line of sight: an agile field of regard
    limits = AccessLimits(max_off_nadir_deg=40.0, max_pitch_deg=30.0, min_sun_elevation_deg=10.0)
    report = find_access(
        [bka], [scene], ACQUIRED - timedelta(hours=3), ACQUIRED + timedelta(hours=3), limits
    )
    assert len(report.windows) == 1
    w = report.windows[0]
    assert w.start <= ACQUIRED <= w.end
    assert abs((w.best_time - ACQUIRED).total_seconds()) < 10.0
    assert abs(w.best.off_nadir_deg - 2.31) < 0.5

    times = TimeArray.from_offsets(ACQUIRED, [0.0])
    eph = propagate([bka], times)
    r, v = teme_to_itrf(eph.position_km[0], eph.velocity_km_s[0], times)
    target = geodetic_to_itrf(LAT, LON, 0.0)
    view = view_geometry(r, v, target, enu_matrix(LAT, LON), times)
    assert abs(view.off_nadir_deg[0] - 2.31) < 0.5
    assert abs(view.sun_elevation_deg[0] - 84.06) < 0.1
    assert abs(view.sun_azimuth_deg[0] - 6.81) < 0.1
    assert bool(np.all(view.satellite_sunlit))
