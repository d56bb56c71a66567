"""Point access: 10,000 targets x 10 satellites x 7 days, against a Skyfield computation.

    python bench/access_points.py [--targets 10000] [--satellites 10] [--days 7]

Targets are spread evenly over the land-and-sea globe between 70 S and 70 N (a Fibonacci
lattice); satellites are real LEO TLEs of tests/data/orbits and their node-turned copies
(fleet.py). Limits: 30 degrees off-nadir, agile (20 degrees of pitch), Sun at least 10 degrees.
Skyfield's straightforward version samples each satellite/target pair every 10 s and keeps
the samples inside the limits; it is timed on a sample of targets and scaled.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import statistics
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from fleet import catalog
from zorka.geometry.access import AccessLimits, find_access

warnings.filterwarnings("ignore", message="The file .* has expired")
START = datetime(2019, 11, 18, tzinfo=UTC)
LIMITS = AccessLimits(max_off_nadir_deg=30.0, max_pitch_deg=20.0, min_sun_elevation_deg=10.0)


@dataclass(frozen=True)
class Point:
    name: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float = 0.0


def lattice(n: int) -> list[Point]:
    golden = (1 + 5**0.5) / 2
    out = []
    for i in range(n):
        z = math.sin(math.radians(70.0)) * (1 - 2 * (i + 0.5) / n)
        out.append(Point(f"t{i}", math.degrees(math.asin(z)), (360.0 * i / golden) % 360 - 180))
    return out


def skyfield_seconds(sats, targets, days: float, step_s: float = 10.0) -> float:  # type: ignore[no-untyped-def]
    from skyfield.api import EarthSatellite, Loader, load, wgs84
    from skyfield_data import get_skyfield_data_path

    ts = load.timescale()
    eph = Loader(get_skyfield_data_path())("de421.bsp")
    earth, sun = eph["earth"], eph["sun"]
    t = ts.from_datetime(START) + np.arange(0.0, days * 86400.0, step_s) / 86400.0
    began = time.perf_counter()
    for target in targets:
        topos = wgs84.latlon(target.latitude_deg, target.longitude_deg)
        sun_alt = (earth + topos).at(t).observe(sun).apparent().altaz()[0].degrees
        for sat in sats:
            es = EarthSatellite.from_satrec(sat.satrec, ts)
            rel = (es - topos).at(t)
            el = rel.altaz()[0].degrees
            r = es.at(t).position.km
            los = -rel.position.km
            cos_off = -(los * r).sum(0) / (np.linalg.norm(los, axis=0) * np.linalg.norm(r, axis=0))
            off = np.degrees(np.arccos(np.clip(cos_off, -1, 1)))
            _ = (el > 0) & (off <= LIMITS.max_off_nadir_deg) & (sun_alt >= 10.0)
    eph.close()
    return time.perf_counter() - began


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", type=int, default=10000)
    ap.add_argument("--satellites", type=int, default=10)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--skyfield-sample", type=int, default=5)
    args = ap.parse_args()
    sats = catalog(args.satellites, leo_only=True)
    targets = lattice(args.targets)
    end = START + timedelta(days=args.days)
    find_access(sats[:1], targets[:2], START, START + timedelta(hours=2), LIMITS)  # warm kernels
    times = []
    report = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        report = find_access(sats, targets, START, end, LIMITS)
        times.append(time.perf_counter() - t)
    assert report is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    sample = targets[:: max(1, len(targets) // args.skyfield_sample)][: args.skyfield_sample]
    sky = skyfield_seconds(sats, sample, args.days) * len(targets) / len(sample)
    z = statistics.median(times)
    py = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {py}")
    print(
        f"access: {len(targets)} point targets x {len(sats)} satellites x {args.days:g} days,"
        f" {len(report.windows)} windows, {len(report.reasons)} targets without one"
    )
    print(f"  zorka    median {z:7.2f} s  (runs: {', '.join(f'{x:.2f}' for x in times)})")
    print(f"  peak memory (max RSS of the process): {peak_mb:.0f} MB")
    print(f"  skyfield {sky:7.0f} s  (10 s sampling, estimated from {len(sample)} targets)")
    print(f"  ratio skyfield/zorka: {sky / z:.0f}x")


if __name__ == "__main__":
    main()
