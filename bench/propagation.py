"""Propagation throughput: zorka's compiled SGP4 batches against python-sgp4's SatrecArray.

    python bench/propagation.py [--satellites 1000] [--minutes 1440] [--step 1]

The same orbits at the same instants through three paths: ``SatrecArray.sgp4`` (Vallado's C++,
all satellites x all times), zorka's ``SGP4Batch.grid`` (numba-compiled near-Earth SGP4, both
cores) and ``SGP4Batch.pairs`` (each satellite at its own instants, the shape event searches
need). Prints evaluations per second, their ratios and the largest position difference.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import UTC, datetime

import numpy as np
from sgp4.api import SatrecArray

from fleet import catalog
from zorka.orbits.sgp4batch import SGP4Batch
from zorka.time import TimeArray

START = datetime(2019, 11, 18, tzinfo=UTC)


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--satellites", type=int, default=1000)
    ap.add_argument("--minutes", type=int, default=1440)
    ap.add_argument("--step", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sats = catalog(args.satellites, leo_only=True)
    times = TimeArray(START, np.arange(0.0, args.minutes * 60.0, args.step * 60.0))
    jd, fr = times.jd_fr()
    n = len(sats) * len(times)

    array = SatrecArray([s.satrec for s in sats])
    batch = SGP4Batch(sats)
    index = np.arange(len(sats))
    rng = np.random.default_rng(1)
    pair_sat = rng.integers(0, len(sats), n)
    pair_times = times.at(rng.uniform(0.0, args.minutes * 60.0, n))

    t_ref = timed(lambda: array.sgp4(jd, fr), args.repeat)
    t_grid = timed(lambda: batch.grid(index, times), args.repeat)
    t_pairs = timed(lambda: batch.pairs(pair_sat, pair_times), args.repeat)
    _, r_ref, _ = array.sgp4(jd, fr)
    r_grid, _, _ = batch.grid(index, times)
    diff = float(np.nanmax(np.abs(r_ref - r_grid)))

    py = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {py}")
    print(f"propagation: {len(sats)} LEO satellites x {len(times)} instants = {n} evaluations")
    print(f"  sgp4 SatrecArray     {n / t_ref / 1e6:6.2f} M evaluations/s  ({t_ref:.3f} s)")
    print(f"  zorka SGP4Batch.grid {n / t_grid / 1e6:6.2f} M evaluations/s  ({t_grid:.3f} s)")
    print(f"  zorka SGP4Batch.pairs {n / t_pairs / 1e6:5.2f} M evaluations/s  ({t_pairs:.3f} s)")
    print(f"  ratio grid/SatrecArray: {t_ref / t_grid:.1f}x")
    print(f"  ratio pairs/SatrecArray: {t_ref / t_pairs:.1f}x")
    print(f"  largest position difference: {diff:.2e} km")


if __name__ == "__main__":
    main()
