"""Exact topocentric geometry of many (satellite, station) pairs, each at its own instant.

The common engine of event searches (passes, and access to ground targets): the compiled kernels
of :mod:`zorka.geometry.fastlook` for near-Earth orbits, the C++ SGP4 and numpy frames for deep
space, behind one call.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from zorka.geometry.fastlook import look_grid, look_pairs
from zorka.geometry.topocentric import Look, StationArray, look, sin_elevation_accel
from zorka.orbits.frames import gmst82, teme_to_itrf
from zorka.orbits.satellite import Satellite
from zorka.orbits.sgp4batch import SGP4Batch
from zorka.time import TimeArray

__all__ = ["PairGeometry", "coarse_step_s"]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]


def coarse_step_s(sat: Satellite) -> float:
    """A grid step short enough that no culmination of ``sat`` hides between two samples."""
    period = sat.period_s
    e = float(sat.satrec.ecco)
    # angular rate at perigee relative to the mean motion
    fast = (1.0 + e) ** 2 / (1.0 - e * e) ** 1.5
    step = min(max(period / (8.0 * fast), 20.0), 1800.0)
    # a quarter-octave ladder, so that satellites share grids and propagation calls
    rung = math.floor(4.0 * math.log2(step / 20.0)) / 4.0
    return float(20.0 * 2.0**rung)


class PairGeometry:
    """Exact topocentric geometry of (satellite, station) pairs at pair-specific times.

    Near-Earth satellites go through the compiled kernels of :mod:`zorka.geometry.fastlook`;
    deep-space ones through the C++ SGP4 and the numpy frames, which compute the same quantities.
    """

    def __init__(self, batch: SGP4Batch, stations: StationArray, t0: datetime):
        self.batch = batch
        self.stations = stations
        self.t0 = t0
        self.evaluations = 0
        self.constants = (batch.radius_km, batch.xke, batch.j2)

    def view(self, sat: IntArray, sta: IntArray, t: Array) -> Array:
        """``(n, 6)``: sin el, its first and second time derivatives, azimuth (deg), range (km),
        range rate (km/s)."""
        sat = np.asarray(sat, dtype=np.intp)
        sta = np.asarray(sta, dtype=np.intp)
        t = np.asarray(t, dtype=np.float64)
        self.evaluations += int(t.size)
        times = TimeArray(self.t0, t)
        theta = gmst82(times)
        deep = self.batch.deep[sat]
        if not deep.any():
            tsince = self.batch._tsince0(sat, times) + t / 60.0
            st = self.stations
            return look_pairs(
                self.batch.coef, sat, sta, tsince, theta, st.position_km, st.enu, self.constants
            )
        out = np.empty((t.size, 6))
        near = np.flatnonzero(~deep)
        if near.size:
            out[near] = self.view(sat[near], sta[near], t[near])
            self.evaluations -= near.size
        far = np.flatnonzero(deep)
        far_times = TimeArray(self.t0, t[far])
        r, v, _ = self.batch.pairs(sat[far], far_times)
        r_itrf, v_itrf = teme_to_itrf(r, v, far_times)
        assert v_itrf is not None
        pos, enu = self.stations.position_km[sta[far]], self.stations.enu[sta[far]]
        lk = look(r_itrf, v_itrf, pos, enu)
        out[far, 0] = lk.sin_elevation
        out[far, 1] = lk.sin_elevation_rate
        out[far, 2] = sin_elevation_accel(r_itrf, v_itrf, pos, enu)
        out[far, 3] = lk.azimuth_deg
        out[far, 4] = lk.range_km
        out[far, 5] = lk.range_rate_km_s
        return out

    def look(self, sat: IntArray, sta: IntArray, t: Array) -> Look:
        v = self.view(sat, sta, t)
        return Look(v[:, 0], v[:, 1], v[:, 3], v[:, 4], v[:, 5])

    def rate_and_accel(self, sat: IntArray, sta: IntArray, t: Array) -> tuple[Array, Array]:
        v = self.view(sat, sta, t)
        return v[:, 1], v[:, 2]

    def grid(
        self, members: IntArray, times: TimeArray
    ) -> tuple[Array, Array, Array, Array, Array, NDArray[np.uint8]]:
        """Satellites ``members`` at every instant from every station: sin el, its rate and
        the cosine of the geocentric station-satellite angle ``(n, m, t)``, then Earth-fixed
        |r| and |v| ``(n, t)``, and error codes."""
        n, m, nt = members.size, len(self.stations.stations), times.seconds.size
        s = np.empty((n, m, nt))
        ds = np.empty((n, m, nt))
        cos_psi = np.empty((n, m, nt))
        r_norm = np.empty((n, nt))
        v_norm = np.empty((n, nt))
        err = np.zeros((n, nt), dtype=np.uint8)
        theta = gmst82(times)
        deep = self.batch.deep[members]
        near = np.flatnonzero(~deep)
        if near.size:
            sub = members[near]
            out, geo, e = look_grid(
                self.batch.coef,
                sub,
                self.batch._tsince0(sub, times),
                times.seconds,
                theta,
                self.stations.position_km,
                self.stations.enu,
                self.constants,
            )
            s[near], ds[near], cos_psi[near] = out[..., 0], out[..., 1], out[..., 2]
            r_norm[near], v_norm[near], err[near] = geo[..., 0], geo[..., 1], e
        far = np.flatnonzero(deep)
        if far.size:
            r_teme, v_teme, e = self.batch.grid(members[far], times)
            r, v = teme_to_itrf(r_teme, v_teme, times)
            assert v is not None
            st = self.stations
            lk = look(r[:, None], v[:, None], st.position_km[None, :, None], st.enu[None, :, None])
            s[far], ds[far] = lk.sin_elevation, lk.sin_elevation_rate
            rn = np.linalg.norm(r, axis=-1)
            r_norm[far], v_norm[far] = rn, np.linalg.norm(v, axis=-1)
            units = st.position_km / np.linalg.norm(st.position_km, axis=-1, keepdims=True)
            cos_psi[far] = np.einsum("nti,mi->nmt", r / rn[..., None], units)
            err[far] = e
        return s, ds, cos_psi, r_norm, v_norm, err
