"""Passes against Skyfield's ``find_events``: an independent implementation as the oracle.

66 real TLEs (LEO, HEO and deep space) x 3 stations (Minsk, Svalbard at 78 N, Jakarta) x 7 days.
Every rise and set Skyfield reports must be one of zorka's AOS/LOS within 0.5 s. zorka may report
more: ``find_events`` assumes a satellite sets between two culminations, and on long HEO passes it
misses a set and rise; each such case is checked with Skyfield's own altitude, which must be below
the horizon between zorka's two passes.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from zorka.geometry.passes import Pass, find_passes
from zorka.geometry.stations import GroundStation
from zorka.orbits.satellite import Satellite
from zorka.orbits.tle import read_tle

skyfield_api = pytest.importorskip("skyfield.api")

DATA = Path(__file__).parent / "data" / "orbits" / "science-2019-11.tle"
STATIONS = [
    GroundStation("minsk", 53.93, 27.59, 220.0),
    GroundStation("svalbard", 78.23, 15.39, 500.0),
    GroundStation("jakarta", -6.23, 106.61, 10.0),
]
START = datetime(2019, 11, 18, tzinfo=UTC)
END = START + timedelta(days=7)
TOLERANCE_S = 0.5


@pytest.fixture(scope="module")
def runs() -> tuple[list[Pass], dict[tuple[str, str], tuple[list[datetime], list[int], object]]]:
    tles, errors = read_tle(DATA)
    assert not errors and len(tles) >= 50
    sats = [Satellite.from_tle(t) for t in tles]
    report = find_passes(sats, STATIONS, START, END)
    assert not report.errors
    ts = skyfield_api.load.timescale()
    sky = {}
    for tle, sat in zip(tles, sats, strict=True):
        es = skyfield_api.EarthSatellite(tle.line1, tle.line2, sat.name, ts)
        for st in STATIONS:
            topos = skyfield_api.wgs84.latlon(st.latitude_deg, st.longitude_deg, st.altitude_m)
            t, y = es.find_events(topos, ts.from_datetime(START), ts.from_datetime(END), 0.0)
            sky[(sat.name, st.name)] = (list(t.utc_datetime()), [int(v) for v in y], es - topos)
    return report.passes, sky


def _altitude(view: object, when: datetime) -> float:
    ts = skyfield_api.load.timescale()
    alt, _, _ = view.at(ts.from_datetime(when)).altaz()  # type: ignore[attr-defined]
    return float(alt.degrees)


def test_every_skyfield_rise_and_set_is_found(runs) -> None:  # type: ignore[no-untyped-def]
    passes, sky = runs
    ours: dict[tuple[str, str], list[Pass]] = defaultdict(list)
    for p in passes:
        ours[(p.satellite, p.station)].append(p)
    worst = 0.0
    checked = 0
    for key, (times, kinds, _) in sky.items():
        for when, kind in zip(times, kinds, strict=True):
            if kind == 1:
                continue
            attr = "aos" if kind == 0 else "los"
            gaps = [abs((getattr(p, attr) - when).total_seconds()) for p in ours[key]]
            best = min(gaps, default=np.inf)
            assert best <= TOLERANCE_S, f"{key}: Skyfield {attr} {when} not found ({best:.3f} s)"
            worst = max(worst, best)
            checked += 1
    assert checked > 10000
    print(f"\n{checked} Skyfield rises/sets matched, worst {worst:.3f} s")


def test_extra_zorka_passes_are_skyfield_misses(runs) -> None:  # type: ignore[no-untyped-def]
    passes, sky = runs
    ours: dict[tuple[str, str], list[Pass]] = defaultdict(list)
    for p in passes:
        ours[(p.satellite, p.station)].append(p)
    extra = 0
    for key, mine in ours.items():
        times, kinds, view = sky[key]
        rises = [t for t, k in zip(times, kinds, strict=True) if k == 0]
        for before, after in itertools.pairwise(mine):
            # a LOS/AOS pair of zorka's that Skyfield lacks: Skyfield saw one long pass
            if any(abs((after.aos - t).total_seconds()) <= TOLERANCE_S for t in rises):
                continue
            extra += 1
            middle = before.los + (after.aos - before.los) / 2
            altitude = _altitude(view, middle)
            assert altitude < 0.0, (
                f"{key}: zorka splits a pass at {middle}, Skyfield says {altitude}"
            )
    # the known find_events gaps are on HEO passes (POLAR, CXO, Cluster, MMS, INTEGRAL)
    assert extra < 60
    print(f"\n{extra} set/rise pairs found by zorka that find_events misses, all below the horizon")


def test_culminations_agree(runs) -> None:  # type: ignore[no-untyped-def]
    passes, sky = runs
    periods = {s.name: s.period_s for s in (Satellite.from_tle(t) for t in read_tle(DATA)[0])}
    worst_t = worst_el = 0.0
    flat = 0
    grazing = 0
    for p in passes:
        times, kinds, view = sky[(p.satellite, p.station)]
        tops = [t for t, k in zip(times, kinds, strict=True) if k == 1 and p.aos <= t <= p.los]
        if not tops or p.partial:
            continue
        alts = [_altitude(view, t) for t in tops]
        k = int(np.argmax(alts))
        sky_el, sky_t = alts[k], tops[k]
        assert abs(p.max_elevation_deg - sky_el) <= 0.05, (p, sky_el)
        worst_el = max(worst_el, abs(p.max_elevation_deg - sky_el))
        dt = abs((p.tca - sky_t).total_seconds())
        if dt > TOLERANCE_S:
            # a flat top (slow culmination of a high orbit): the time of the maximum is
            # ill-defined, the elevation there is not
            assert periods[p.satellite] > 225 * 60, (p, sky_t)
            assert abs(_altitude(view, p.tca) - sky_el) < 2e-3, (p, sky_t)
            flat += 1
        else:
            worst_t = max(worst_t, dt)
        grazing += p.max_elevation_deg < 1.0
    assert grazing > 0, "the set holds grazing passes (max elevation under 1 deg)"
    print(f"\nTCA worst {worst_t:.3f} s, max elevation worst {worst_el:.4f} deg, {flat} flat tops")
