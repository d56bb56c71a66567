"""Compiled topocentric views: SGP4, Earth rotation and station geometry fused in one loop.

Event searches spend their time asking "where is satellite k in the sky of station j at t?" for
thousands of pairs. Done as separate numpy steps (propagate, rotate, difference, project), each
step allocates and walks arrays that hold a few thousand rows; fused in one compiled loop the
same answer costs little more than the SGP4 evaluation itself. The maths is that of
:mod:`zorka.orbits.frames` and :mod:`zorka.geometry.topocentric`, which remain the reference
implementation (and the path for deep-space orbits); tests hold the two together.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from zorka.geometry.topocentric import MU_KM3_S2
from zorka.orbits.frames import EARTH_ROTATION_RAD_S
from zorka.orbits.sgp4batch import _sgp4_near

__all__ = ["look_grid", "look_pairs"]

Array = NDArray[np.float64]
W = EARTH_ROTATION_RAD_S
MU = MU_KM3_S2


@njit(cache=True, nogil=True)
def _view(  # pragma: no cover - compiled
    rv: Array, theta: float, sta: Array, enu: Array, out: Array
) -> None:
    """Topocentric view of a TEME state ``rv`` from one station; fills ``out[0:6]`` with
    sin(el), d sin(el)/dt, d2 sin(el)/dt2 (two-body), azimuth (deg), range, range rate."""
    c = math.cos(theta)
    s = math.sin(theta)
    x = c * rv[0] + s * rv[1]
    y = -s * rv[0] + c * rv[1]
    z = rv[2]
    vx = c * rv[3] + s * rv[4] + W * y
    vy = -s * rv[3] + c * rv[4] - W * x
    vz = rv[5]
    px = x - sta[0]
    py = y - sta[1]
    pz = z - sta[2]
    d = math.sqrt(px * px + py * py + pz * pz)
    east = px * enu[0, 0] + py * enu[0, 1] + pz * enu[0, 2]
    north = px * enu[1, 0] + py * enu[1, 1] + pz * enu[1, 2]
    up = px * enu[2, 0] + py * enu[2, 1] + pz * enu[2, 2]
    up1 = vx * enu[2, 0] + vy * enu[2, 1] + vz * enu[2, 2]
    d1 = (px * vx + py * vy + pz * vz) / d
    sin_el = up / d
    s1 = (up1 - sin_el * d1) / d
    # two-body acceleration in the rotating frame, for Newton slopes only
    r2 = x * x + y * y + z * z
    r3 = r2 * math.sqrt(r2)
    ax = -MU * x / r3 + 2.0 * W * vy + W * W * x
    ay = -MU * y / r3 - 2.0 * W * vx + W * W * y
    az = -MU * z / r3
    up2 = ax * enu[2, 0] + ay * enu[2, 1] + az * enu[2, 2]
    d2 = (vx * vx + vy * vy + vz * vz + px * ax + py * ay + pz * az - d1 * d1) / d
    out[0] = sin_el
    out[1] = s1
    out[2] = (up2 - 2.0 * s1 * d1 - sin_el * d2) / d
    azimuth = math.degrees(math.atan2(east, north))
    out[3] = azimuth + 360.0 if azimuth < 0.0 else azimuth
    out[4] = d
    out[5] = d1


@njit(cache=True, parallel=True, nogil=True)
def _pairs(  # pragma: no cover - compiled
    coef: Array,
    sat: NDArray[np.intp],
    sta: NDArray[np.intp],
    tsince: Array,
    theta: Array,
    stations: Array,
    enu: Array,
    radius: float,
    xke: float,
    j2: float,
    out: Array,
) -> None:
    for k in prange(sat.size):
        rv = np.empty(6)
        code = _sgp4_near(coef[sat[k]], tsince[k], radius, xke, j2, rv)
        if code != 0:
            for j in range(6):
                out[k, j] = np.nan
            continue
        _view(rv, theta[k], stations[sta[k]], enu[sta[k]], out[k])


@njit(cache=True, parallel=True, nogil=True)
def _grid(  # pragma: no cover - compiled
    coef: Array,
    sat: NDArray[np.intp],
    tsince0: Array,
    seconds: Array,
    theta: Array,
    stations: Array,
    ups: Array,
    units: Array,
    radius: float,
    xke: float,
    j2: float,
    out: Array,
    geo: Array,
    err: NDArray[np.uint8],
) -> None:
    """Every satellite at every grid time from every station, only what a coarse search needs:
    ``out[i, j, k]`` = sin el, its rate, cos of the geocentric angle to the station;
    ``geo[i, k]`` = |r|, |v| (Earth-fixed)."""
    m = stations.shape[0]
    for i in prange(sat.size):
        rv = np.empty(6)
        c = coef[sat[i]]
        for k in range(seconds.size):
            code = _sgp4_near(c, tsince0[i] + seconds[k] / 60.0, radius, xke, j2, rv)
            err[i, k] = code
            if code != 0:
                for j in range(m):
                    for q in range(3):
                        out[i, j, k, q] = np.nan
                geo[i, k, 0] = np.nan
                geo[i, k, 1] = np.nan
                continue
            cs = math.cos(theta[k])
            sn = math.sin(theta[k])
            x = cs * rv[0] + sn * rv[1]
            y = -sn * rv[0] + cs * rv[1]
            z = rv[2]
            vx = cs * rv[3] + sn * rv[4] + W * y
            vy = -sn * rv[3] + cs * rv[4] - W * x
            vz = rv[5]
            r = math.sqrt(x * x + y * y + z * z)
            geo[i, k, 0] = r
            geo[i, k, 1] = math.sqrt(vx * vx + vy * vy + vz * vz)
            for j in range(m):
                px = x - stations[j, 0]
                py = y - stations[j, 1]
                pz = z - stations[j, 2]
                d = math.sqrt(px * px + py * py + pz * pz)
                up = px * ups[j, 0] + py * ups[j, 1] + pz * ups[j, 2]
                up1 = vx * ups[j, 0] + vy * ups[j, 1] + vz * ups[j, 2]
                d1 = (px * vx + py * vy + pz * vz) / d
                sin_el = up / d
                out[i, j, k, 0] = sin_el
                out[i, j, k, 1] = (up1 - sin_el * d1) / d
                out[i, j, k, 2] = (x * units[j, 0] + y * units[j, 1] + z * units[j, 2]) / r


def look_pairs(
    coef: Array,
    sat: NDArray[np.intp],
    sta: NDArray[np.intp],
    tsince: Array,
    theta: Array,
    stations: Array,
    enu: Array,
    constants: tuple[float, float, float],
) -> Array:
    """Views of near-Earth satellite ``sat[k]`` from station ``sta[k]`` at ``tsince[k]`` minutes
    after its epoch, Earth rotated by ``theta[k]``: ``(n, 6)`` as in ``_view``."""
    out = np.empty((sat.size, 6))
    _pairs(
        coef,
        np.ascontiguousarray(sat, dtype=np.intp),
        np.ascontiguousarray(sta, dtype=np.intp),
        np.ascontiguousarray(tsince),
        np.ascontiguousarray(theta),
        stations,
        enu,
        *constants,
        out,
    )
    return out


def look_grid(
    coef: Array,
    sat: NDArray[np.intp],
    tsince0: Array,
    seconds: Array,
    theta: Array,
    stations: Array,
    enu: Array,
    constants: tuple[float, float, float],
) -> tuple[Array, Array, NDArray[np.uint8]]:
    """Near-Earth satellites on a common grid from every station: sin el, its rate and the
    cosine of the geocentric station-satellite angle ``(n_sat, n_station, n_time, 3)``; |r|
    and |v| Earth-fixed ``(n_sat, n_time, 2)``; error codes ``(n_sat, n_time)``."""
    n, m, t = sat.size, stations.shape[0], seconds.size
    out = np.empty((n, m, t, 3))
    geo = np.empty((n, t, 2))
    err = np.zeros((n, t), dtype=np.uint8)
    units = stations / np.linalg.norm(stations, axis=-1, keepdims=True)
    _grid(
        coef,
        np.ascontiguousarray(sat, dtype=np.intp),
        np.ascontiguousarray(tsince0),
        np.ascontiguousarray(seconds),
        np.ascontiguousarray(theta),
        np.ascontiguousarray(stations),
        np.ascontiguousarray(enu[:, 2, :]),
        np.ascontiguousarray(units),
        *constants,
        out,
        geo,
        err,
    )
    return out, geo, err
