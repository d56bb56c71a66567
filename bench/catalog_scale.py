"""Catalog scale: passes of 10,000 satellites over one station for one day, with peak memory.

    python bench/catalog_scale.py [--satellites 10000] [--hours 24]

The catalog is grown from the 66 real TLEs of tests/data/orbits (see fleet.py): the real mix of
LEO, HEO and deep-space orbits, each turned to a new node and anomaly. The target on this 2-core
machine is under 10 s. Skyfield is timed on a 200-satellite sample of the same catalog and scaled,
so the ratio is printed without an hour-long run.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
import warnings
from datetime import UTC, datetime, timedelta

from fleet import catalog
from zorka.geometry.passes import find_passes
from zorka.geometry.stations import GroundStation

warnings.filterwarnings("ignore", message="The file .* has expired")
STATION = GroundStation("logoisk", 54.21, 27.86, 300.0)
START = datetime(2019, 11, 18, tzinfo=UTC)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--satellites", type=int, default=10000)
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skyfield-sample", type=int, default=200)
    args = ap.parse_args()
    t0 = time.perf_counter()
    sats = catalog(args.satellites)
    build = time.perf_counter() - t0
    end = START + timedelta(hours=args.hours)
    find_passes(sats[:2], [STATION], START, START + timedelta(hours=1))  # compiled kernels warm

    times = []
    report = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        report = find_passes(sats, [STATION], START, end)
        times.append(time.perf_counter() - t)
    assert report is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    from skyfield.api import EarthSatellite, load, wgs84

    ts = load.timescale()
    topos = wgs84.latlon(STATION.latitude_deg, STATION.longitude_deg, STATION.altitude_m)
    sample = sats[: args.skyfield_sample]
    t = time.perf_counter()
    for sat in sample:
        EarthSatellite.from_satrec(sat.satrec, ts).find_events(
            topos, ts.from_datetime(START), ts.from_datetime(end), 0.0
        )
    sky = (time.perf_counter() - t) * len(sats) / len(sample)

    z = statistics.median(times)
    py = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {py}")
    print(
        f"catalog: {len(sats)} satellites x 1 station x {args.hours:g} h,"
        f" {len(report)} passes, {report.evaluations} SGP4 evaluations,"
        f" {len(report.errors)} satellites with SGP4 errors"
    )
    print(f"  building the catalog (TLE parse + sgp4init): {build:.2f} s")
    print(f"  zorka    median {z:7.2f} s  (runs: {', '.join(f'{x:.2f}' for x in times)})")
    print(f"  peak memory (max RSS of the process): {peak_mb:.0f} MB")
    print(f"  skyfield {sky:7.1f} s  (estimated from {len(sample)} satellites)")
    print(f"  ratio skyfield/zorka: {sky / z:.0f}x")


if __name__ == "__main__":
    main()
