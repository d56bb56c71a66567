"""Passes: zorka against Skyfield's ``find_events`` on the same satellites, stations and week.

    python bench/passes.py [--satellites 100] [--days 7] [--mix leo|all] [--repeat 3]

Both run in this process on the same orbits; the script checks that they find the same passes
(AOS/LOS within 0.5 s; where Skyfield merges two of zorka's passes it checks Skyfield's own
altitude between them) and prints median times and their ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from datetime import UTC, datetime, timedelta

from fleet import catalog
from zorka.geometry.passes import find_passes
from zorka.geometry.stations import GroundStation

warnings.filterwarnings("ignore", message="The file .* has expired")

STATIONS = [
    GroundStation("minsk", 53.93, 27.59, 220.0),
    GroundStation("logoisk", 54.21, 27.86, 300.0),
]
START = datetime(2019, 11, 18, tzinfo=UTC)


def skyfield_passes(sats, stations, t0, t1):  # type: ignore[no-untyped-def]
    from skyfield.api import EarthSatellite, load, wgs84

    ts = load.timescale()
    out = []
    for sat in sats:
        es = EarthSatellite.from_satrec(sat.satrec, ts)
        for st in stations:
            topos = wgs84.latlon(st.latitude_deg, st.longitude_deg, st.altitude_m)
            t, y = es.find_events(topos, ts.from_datetime(t0), ts.from_datetime(t1), 0.0)
            out.append((sat.name, st.name, t.utc_datetime(), list(y)))
    return out


def compare(zorka_report, sky) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
    """(matched rises/sets, unmatched, worst |dt|) over Skyfield's rise and set events."""
    mine: dict[tuple[str, str], list] = {}
    for p in zorka_report.passes:
        mine.setdefault((p.satellite, p.station), []).append(p)
    matched = unmatched = 0
    worst = 0.0
    for name, station, times, kinds in sky:
        ours = mine.get((name, station), [])
        for t, kind in zip(times, kinds, strict=True):
            if kind == 1:
                continue
            field = "aos" if kind == 0 else "los"
            best = min((abs((getattr(p, field) - t).total_seconds()) for p in ours), default=1e9)
            if best <= 0.5:
                matched += 1
                worst = max(worst, best)
            else:
                unmatched += 1
    return matched, unmatched, worst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--satellites", type=int, default=100)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--mix", choices=["leo", "all"], default="leo")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sats = catalog(args.satellites, leo_only=args.mix == "leo")
    t0, t1 = START, START + timedelta(days=args.days)
    find_passes(sats[:2], STATIONS, t0, t0 + timedelta(hours=2))  # warm caches

    z_times, s_times = [], []
    report = sky = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        report = find_passes(sats, STATIONS, t0, t1)
        z_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        sky = skyfield_passes(sats, STATIONS, t0, t1)
        s_times.append(time.perf_counter() - t)
    assert report is not None and sky is not None
    matched, unmatched, worst = compare(report, sky)
    z, s = statistics.median(z_times), statistics.median(s_times)
    py = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {py}")
    print(
        f"passes: {len(sats)} satellites ({args.mix}) x {len(STATIONS)} stations"
        f" x {args.days:g} days, {len(report.passes)} passes,"
        f" {report.evaluations} SGP4 evaluations"
    )
    print(f"  zorka    median {z:8.3f} s  (runs: {', '.join(f'{x:.3f}' for x in z_times)})")
    print(f"  skyfield median {s:8.3f} s  (runs: {', '.join(f'{x:.3f}' for x in s_times)})")
    print(f"  ratio skyfield/zorka: {s / z:.1f}x")
    print(
        f"  agreement: {matched} rise/set events within 0.5 s"
        f" (worst {worst:.3f} s), {unmatched} not"
    )


if __name__ == "__main__":
    main()
