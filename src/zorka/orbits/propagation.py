"""Batched SGP4 propagation of a fleet over many instants, with per-satellite error codes.

``sgp4``'s :class:`~sgp4.api.SatrecArray` runs Vallado's C++ SGP4 over satellites x times in one
call; zorka builds on it rather than re-implementing SGP4, and adds what a ground segment needs
around it: positions in the frames it works in, errors kept per satellite and per instant (a decayed
orbit is reported, the rest of the fleet goes on), and evaluation of each satellite at its own
times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sgp4.api import SGP4_ERRORS, SatrecArray

from zorka.orbits.satellite import Satellite
from zorka.time import DAY_S, TimeArray, julian_date

__all__ = ["SGP4_ERRORS", "Ephemeris", "propagate", "propagate_pairs"]


@dataclass(frozen=True)
class Ephemeris:
    """TEME positions (km) and velocities (km/s) with SGP4 error codes (0 = fine).

    Arrays are ``(n_satellites, n_times, 3)`` and ``(n_satellites, n_times)``; entries with an
    error hold NaN.
    """

    satellites: Sequence[Satellite]
    times: TimeArray
    position_km: NDArray[np.float64]
    velocity_km_s: NDArray[np.float64]
    error: NDArray[np.uint8]

    def errors(self) -> dict[str, str]:
        """The first error of each satellite that has one, as text."""
        out: dict[str, str] = {}
        for i, sat in enumerate(self.satellites):
            bad = np.flatnonzero(self.error[i])
            if bad.size:
                code = int(self.error[i, bad[0]])
                when = self.times.iso()[int(bad[0])] if self.times.seconds.ndim == 1 else "?"
                out[sat.name] = f"{SGP4_ERRORS.get(code, f'error {code}')} (from {when})"
        return out


def propagate(satellites: Sequence[Satellite], times: TimeArray) -> Ephemeris:
    """Every satellite at every instant of a 1-D time array (one C++ call)."""
    jd, fr = times.jd_fr()
    jd = np.ascontiguousarray(jd.ravel())
    fr = np.ascontiguousarray(fr.ravel())
    if not satellites:
        empty = np.empty((0, fr.size, 3))
        return Ephemeris(satellites, times, empty, empty.copy(), np.empty((0, fr.size), np.uint8))
    array = SatrecArray([s.satrec for s in satellites])
    e, r, v = array.sgp4(jd, fr)
    r[e != 0] = np.nan
    v[e != 0] = np.nan
    return Ephemeris(satellites, times, r, v, e)


def propagate_pairs(
    satellites: Sequence[Satellite],
    index: NDArray[np.intp],
    times: TimeArray,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.uint8]]:
    """Satellite ``index[k]`` at instant ``times[k]`` for every k (each satellite its own times).

    Returns TEME position (km), velocity (km/s), each ``(n, 3)``, and error codes ``(n,)``.
    """
    index = np.asarray(index, dtype=np.intp)
    n = index.size
    r = np.full((n, 3), np.nan)
    v = np.full((n, 3), np.nan)
    e = np.zeros(n, dtype=np.uint8)
    if n == 0:
        return r, v, e
    jd0, fr0 = julian_date(times.t0)
    fr_all = fr0 + times.seconds.ravel() / DAY_S
    order = np.argsort(index, kind="stable")
    sorted_index = index[order]
    cuts = np.flatnonzero(np.diff(sorted_index)) + 1
    starts = np.concatenate(([0], cuts))
    stops = np.concatenate((cuts, [n]))
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        rows = order[a:b]
        sat = satellites[int(sorted_index[a])].satrec
        fr = np.ascontiguousarray(fr_all[rows])
        ee, rr, vv = sat.sgp4_array(np.full(fr.size, jd0), fr)
        r[rows] = rr
        v[rows] = vv
        e[rows] = ee
    bad = e != 0
    r[bad] = np.nan
    v[bad] = np.nan
    return r, v, e
