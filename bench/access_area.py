"""Area targets: the whole of Belarus cut into strips for 10 satellites over 7 days.

    python bench/access_area.py [--satellites 10] [--days 7] [--repeat 3]

Belarus is Natural Earth's 1:110m outline (45 vertices, 208,943 km² on the WGS84 ellipsoid against
207,600 km² official), tests/data/targets/belarus.geojson; see make_targets.py there. The fleet is
``fleet.catalog(n, leo_only=True)`` (real November 2019 orbits and turned copies of them), every
satellite with Kanopus-V's panchromatic camera as the mission `by` describes it: a 23.3 km swath,
±40° off nadir, sun at least 10° high. Target: under 10 s, with peak memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fleet import catalog
from zorka.geometry.strips import coverage, find_strips
from zorka.geometry.targets import AreaTarget, read_targets
from zorka.mission import Sensor

ROOT = Path(__file__).resolve().parents[1]
BELARUS = ROOT / "tests" / "data" / "targets" / "belarus.geojson"
START = datetime(2019, 11, 18, tzinfo=UTC)
KANOPUS_PSS = Sensor(
    type="optical",
    gsd_m=2.1,
    swath_km=23.3,
    max_off_nadir_deg=40.0,
    min_sun_elevation_deg=10.0,
    imaging_rate_mbps=122.88,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--satellites", type=int, default=10)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    (belarus,), errors = read_targets(BELARUS)
    assert isinstance(belarus, AreaTarget) and not errors
    sats = catalog(args.satellites, leo_only=True)
    sensors = [KANOPUS_PSS] * len(sats)
    t0, t1 = START, START + timedelta(days=args.days)
    find_strips(sats[:1], sensors[:1], [belarus], t0, t0 + timedelta(hours=12))  # warm caches

    strip_times, coverage_times = [], []
    report = cov = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        report = find_strips(sats, sensors, [belarus], t0, t1)
        strip_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        cov = coverage(belarus, report.opportunities, t0, t1)
        coverage_times.append(time.perf_counter() - t)
    assert report is not None and cov is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    outcomes: dict[str, int] = {}
    for p in report.passes:
        key = p.reason or "imaged"
        outcomes[key] = outcomes.get(key, 0) + 1
    py = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {py}")
    print(
        f"area strips: Belarus ({belarus.area_km2:,.0f} km²) x {len(sats)} satellites"
        f" x {args.days:g} days from {t0:%Y-%m-%d}"
    )
    print(
        f"  {len(report.passes)} passes in reach ("
        + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
        + f"), {len(report.opportunities)} strips"
    )
    s, c = statistics.median(strip_times), statistics.median(coverage_times)
    print(f"  strips   median {s:7.3f} s  (runs: {', '.join(f'{x:.3f}' for x in strip_times)})")
    print(f"  coverage median {c:7.3f} s  (runs: {', '.join(f'{x:.3f}' for x in coverage_times)})")
    print(f"  peak memory (max RSS of the process): {peak_mb:.0f} MB")
    revisit = "n/a" if cov.revisit_s is None else f"{cov.revisit_s / 3600:.1f} h"
    print(
        f"  coverage over the horizon: {cov.fraction:.1%} ({cov.covered_km2:,.0f} km²),"
        f" {cov.accesses} accesses, longest revisit {revisit}"
    )
    for d in cov.days:
        print(f"    {d.day}: {d.accesses} passes imaging, {d.fraction:6.1%}")
    verdict = "under" if s < 10.0 else "OVER"
    print(f"  target: under 10 s -> {verdict} ({s:.2f} s)")


if __name__ == "__main__":
    main()
