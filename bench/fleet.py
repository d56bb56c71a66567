"""Fleets for the benchmarks: real TLEs, and realistic catalogs grown from them.

``real_fleet()`` is the 66 real science-satellite TLEs of November 2019 (tests/data/orbits).
``catalog(n)`` grows a catalog of ``n`` satellites from the real ones by turning each real orbit's
node (RAAN) and mean anomaly by fixed-seed random angles: every orbit keeps a real satellite's
shape, inclination, drag term and epoch, so the mix of LEO, HEO and deep-space orbits (and the SGP4
versus SDP4 cost) is that of the real set. These are benchmark loads, not real satellites.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
from sgp4.api import WGS72, Satrec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from zorka.orbits.satellite import Satellite  # noqa: E402
from zorka.orbits.tle import TLE, read_tle  # noqa: E402

REAL = ROOT / "tests" / "data" / "orbits" / "science-2019-11.tle"


def real_tles() -> list[TLE]:
    tles, errors = read_tle(REAL)
    assert not errors, errors
    return tles


def real_fleet(leo_only: bool = False) -> list[Satellite]:
    sats = [Satellite.from_tle(t) for t in real_tles()]
    if leo_only:
        sats = [s for s in sats if not s.is_deep_space]
    return sats


def _turned(sat: Satellite, k: int, d_raan: float, d_anomaly: float) -> Satellite:
    src = sat.satrec
    rec = Satrec()
    rec.sgp4init(
        WGS72,
        "i",
        90000 + k,
        src.jdsatepoch + src.jdsatepochF - 2433281.5,
        src.bstar,
        src.ndot,
        src.nddot,
        src.ecco,
        src.argpo,
        src.inclo,
        (src.mo + d_anomaly) % (2 * math.pi),
        src.no_kozai,
        (src.nodeo + d_raan) % (2 * math.pi),
    )
    return Satellite(f"{sat.name} #{k}", 90000 + k, rec, f"benchmark catalog from {sat.name}")


def catalog(n: int, *, leo_only: bool = False, seed: int = 2024) -> list[Satellite]:
    base = real_fleet(leo_only=leo_only)
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        sat = base[k % len(base)]
        if k < len(base):
            out.append(sat)
            continue
        d_raan, d_anomaly = rng.uniform(0, 2 * math.pi, 2)
        out.append(_turned(sat, k, float(d_raan), float(d_anomaly)))
    return out
