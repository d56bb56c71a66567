"""Batched SGP4: many satellites, each at its own instants, compiled once with numba.

``sgp4``'s C++ propagator evaluates one satellite at a time (``Satrec.sgp4_array``) or every
satellite at every instant (``SatrecArray``), at about 2 million evaluations a second. Event
searches
need a third shape: satellite ``k`` at time ``t_k`` for thousands of unrelated pairs, and then the
station geometry of each. This module compiles the near-Earth SGP4 equations (Vallado's 2006
revision, line for line as in ``sgp4.propagation``) with numba, fused with the TEME -> Earth-fixed
rotation and the topocentric view, so one call answers a whole batch. The initialisation stays in
``sgp4``'s own ``sgp4init``, whose coefficients the kernel reads, and deep-space (SDP4) satellites,
a small part of any Earth-observation fleet, go through the C++ library. Vallado's verification
set checks both paths to a micrometre (tests/test_vallado.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray
from sgp4.api import WGS72
from sgp4.model import Satrec as PySatrec

from zorka.orbits.satellite import Satellite
from zorka.time import TimeArray, julian_date

__all__ = ["SGP4Batch"]

Array = NDArray[np.float64]

# coefficients copied per satellite from the pure-Python initialisation, in kernel order
_FIELDS = (
    *("isimp", "mo", "mdot", "argpo", "argpdot", "nodeo", "nodedot", "nodecf"),
    *("cc1", "cc4", "cc5", "bstar", "t2cof", "t3cof", "t4cof", "t5cof"),
    *("omgcof", "eta", "xmcof", "delmo", "d2", "d3", "d4", "sinmao"),
    *("no_unkozai", "ecco", "inclo", "aycof", "xlcof", "con41", "x1mth2", "x7thm1"),
)
_TWOPI = 2.0 * math.pi


def _coefficients(sat: Satellite) -> list[float]:
    c = sat.satrec
    py = PySatrec()
    py.sgp4init(
        WGS72,
        "i",
        c.satnum,
        c.jdsatepoch + c.jdsatepochF - 2433281.5,
        c.bstar,
        c.ndot,
        c.nddot,
        c.ecco,
        c.argpo,
        c.inclo,
        c.mo,
        c.no_kozai,
        c.nodeo,
    )
    return [float(getattr(py, name)) for name in _FIELDS]


@njit(cache=True, nogil=True)
def _sgp4_near(
    c: Array, t: float, radius: float, xke: float, j2: float, out: Array
) -> int:  # pragma: no cover - compiled
    """Near-Earth SGP4 of one satellite (coefficients ``c``) at ``t`` minutes from epoch.

    Writes TEME position (km) and velocity (km/s) into ``out[0:6]``; returns Vallado's error code.
    """
    isimp = c[0]
    mo, mdot, argpo, argpdot, nodeo, nodedot, nodecf = c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    cc1, cc4, cc5, bstar = c[8], c[9], c[10], c[11]
    t2cof, t3cof, t4cof, t5cof = c[12], c[13], c[14], c[15]
    omgcof, eta, xmcof, delmo, d2, d3, d4, sinmao = (
        c[16],
        c[17],
        c[18],
        c[19],
        c[20],
        c[21],
        c[22],
        c[23],
    )
    no_unkozai, ecco, inclo, aycof, xlcof = c[24], c[25], c[26], c[27], c[28]
    con41, x1mth2, x7thm1 = c[29], c[30], c[31]
    vkmpersec = radius * xke / 60.0

    xmdf = mo + mdot * t
    argpdf = argpo + argpdot * t
    nodedf = nodeo + nodedot * t
    argpm = argpdf
    mm = xmdf
    t2 = t * t
    nodem = nodedf + nodecf * t2
    tempa = 1.0 - cc1 * t
    tempe = bstar * cc4 * t
    templ = t2cof * t2
    if isimp != 1:
        delomg = omgcof * t
        delmtemp = 1.0 + eta * math.cos(xmdf)
        delm = xmcof * (delmtemp * delmtemp * delmtemp - delmo)
        temp = delomg + delm
        mm = xmdf + temp
        argpm = argpdf - temp
        t3 = t2 * t
        t4 = t3 * t
        tempa = tempa - d2 * t2 - d3 * t3 - d4 * t4
        tempe = tempe + bstar * cc5 * (math.sin(mm) - sinmao)
        templ = templ + t3cof * t3 + t4 * (t4cof + t * t5cof)
    nm = no_unkozai
    em = ecco
    inclm = inclo
    if nm <= 0.0:
        return 2
    am = (xke / nm) ** (2.0 / 3.0) * tempa * tempa
    nm = xke / am**1.5
    em = em - tempe
    if em >= 1.0 or em < -0.001:
        return 1
    if em < 1.0e-6:
        em = 1.0e-6
    mm = mm + no_unkozai * templ
    xlm = mm + argpm + nodem
    nodem = np.fmod(nodem, _TWOPI)
    argpm = np.fmod(argpm, _TWOPI)
    xlm = np.fmod(xlm, _TWOPI)
    mm = np.fmod(xlm - argpm - nodem, _TWOPI)

    sinip = math.sin(inclm)
    cosip = math.cos(inclm)
    ep = em
    argpp = argpm
    nodep = nodem
    mp = mm
    axnl = ep * math.cos(argpp)
    temp = 1.0 / (am * (1.0 - ep * ep))
    aynl = ep * math.sin(argpp) + temp * aycof
    xl = mp + argpp + nodep + temp * xlcof * axnl

    u = np.fmod(xl - nodep, _TWOPI)
    eo1 = u
    tem5 = 9999.9
    ktr = 1
    sineo1 = 0.0
    coseo1 = 0.0
    while abs(tem5) >= 1.0e-12 and ktr <= 10:
        sineo1 = math.sin(eo1)
        coseo1 = math.cos(eo1)
        tem5 = 1.0 - coseo1 * axnl - sineo1 * aynl
        tem5 = (u - aynl * coseo1 + axnl * sineo1 - eo1) / tem5
        if abs(tem5) >= 0.95:
            tem5 = 0.95 if tem5 > 0.0 else -0.95
        eo1 = eo1 + tem5
        ktr += 1

    ecose = axnl * coseo1 + aynl * sineo1
    esine = axnl * sineo1 - aynl * coseo1
    el2 = axnl * axnl + aynl * aynl
    pl = am * (1.0 - el2)
    if pl < 0.0:
        return 4
    rl = am * (1.0 - ecose)
    rdotl = math.sqrt(am) * esine / rl
    rvdotl = math.sqrt(pl) / rl
    betal = math.sqrt(1.0 - el2)
    temp = esine / (1.0 + betal)
    sinu = am / rl * (sineo1 - aynl - axnl * temp)
    cosu = am / rl * (coseo1 - axnl + aynl * temp)
    su = math.atan2(sinu, cosu)
    sin2u = (cosu + cosu) * sinu
    cos2u = 1.0 - 2.0 * sinu * sinu
    temp = 1.0 / pl
    temp1 = 0.5 * j2 * temp
    temp2 = temp1 * temp
    mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u
    su = su - 0.25 * temp2 * x7thm1 * sin2u
    xnode = nodep + 1.5 * temp2 * cosip * sin2u
    xinc = inclm + 1.5 * temp2 * cosip * sinip * cos2u
    mvt = rdotl - nm * temp1 * x1mth2 * sin2u / xke
    rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) / xke
    sinsu = math.sin(su)
    cossu = math.cos(su)
    snod = math.sin(xnode)
    cnod = math.cos(xnode)
    sini = math.sin(xinc)
    cosi = math.cos(xinc)
    xmx = -snod * cosi
    xmy = cnod * cosi
    ux = xmx * sinsu + cnod * cossu
    uy = xmy * sinsu + snod * cossu
    uz = sini * sinsu
    vx = xmx * cossu - cnod * sinsu
    vy = xmy * cossu - snod * sinsu
    vz = sini * cossu
    mr = mrt * radius
    out[0] = mr * ux
    out[1] = mr * uy
    out[2] = mr * uz
    out[3] = (mvt * ux + rvdot * vx) * vkmpersec
    out[4] = (mvt * uy + rvdot * vy) * vkmpersec
    out[5] = (mvt * uz + rvdot * vz) * vkmpersec
    if mrt < 1.0:
        return 6
    return 0


@njit(cache=True, parallel=True, nogil=True)
def _pairs_kernel(  # pragma: no cover - compiled
    coef: Array,
    index: NDArray[np.intp],
    tsince: Array,
    radius: float,
    xke: float,
    j2: float,
    rv: Array,
    err: NDArray[np.uint8],
) -> None:
    for k in prange(index.size):
        code = _sgp4_near(coef[index[k]], tsince[k], radius, xke, j2, rv[k])
        err[k] = code
        if code != 0:
            for j in range(6):
                rv[k, j] = np.nan


@njit(cache=True, parallel=True, nogil=True)
def _grid_kernel(  # pragma: no cover - compiled
    coef: Array,
    index: NDArray[np.intp],
    tsince0: Array,
    seconds: Array,
    radius: float,
    xke: float,
    j2: float,
    rv: Array,
    err: NDArray[np.uint8],
) -> None:
    for i in prange(index.size):
        c = coef[index[i]]
        for k in range(seconds.size):
            code = _sgp4_near(c, tsince0[i] + seconds[k] / 60.0, radius, xke, j2, rv[i, k])
            err[i, k] = code
            if code != 0:
                for j in range(6):
                    rv[i, k, j] = np.nan


class SGP4Batch:
    """A fleet prepared for batched propagation (near-Earth compiled, deep space in C++)."""

    def __init__(self, satellites: Sequence[Satellite]) -> None:
        self.satellites = list(satellites)
        n = len(self.satellites)
        self.deep = np.array([s.satrec.method == "d" for s in self.satellites], dtype=bool)
        self.coef = np.zeros((n, len(_FIELDS)))
        self.epoch_jd = np.array([s.satrec.jdsatepoch for s in self.satellites], dtype=np.float64)
        self.epoch_fr = np.array([s.satrec.jdsatepochF for s in self.satellites], dtype=np.float64)
        for i, sat in enumerate(self.satellites):
            if not self.deep[i]:
                self.coef[i] = _coefficients(sat)
        # every satellite of a batch uses the WGS72 constants of its Satrec (sgp4's default)
        first = self.satellites[0].satrec if n else None
        self.radius_km = float(first.radiusearthkm) if first is not None else 6378.135
        self.xke = float(first.xke) if first is not None else 0.07436691613317342
        self.j2 = float(first.j2) if first is not None else 0.001082616

    def _tsince0(self, index: NDArray[np.intp], t0: TimeArray) -> Array:
        jd0, fr0 = julian_date(t0.t0)
        return np.asarray(((jd0 - self.epoch_jd[index]) + (fr0 - self.epoch_fr[index])) * 1440.0)

    def pairs(
        self, index: NDArray[np.intp], times: TimeArray
    ) -> tuple[Array, Array, NDArray[np.uint8]]:
        """TEME position (km), velocity (km/s) and error code of satellite ``index[k]`` at
        ``times[k]``, for every k (arrays ``(n, 3)``, ``(n, 3)``, ``(n,)``)."""
        index = np.ascontiguousarray(np.asarray(index, dtype=np.intp).ravel())
        seconds = times.seconds.ravel()
        n = index.size
        rv = np.full((n, 6), np.nan)
        err = np.zeros(n, dtype=np.uint8)
        if n == 0:
            return rv[:, :3], rv[:, 3:], err
        deep = self.deep[index]
        near = np.flatnonzero(~deep)
        if near.size == n:
            tsince = self._tsince0(index, times) + seconds / 60.0
            _pairs_kernel(self.coef, index, tsince, self.radius_km, self.xke, self.j2, rv, err)
        else:
            if near.size:
                sub = index[near]
                tsince = self._tsince0(sub, times) + seconds[near] / 60.0
                rv_n = np.empty((near.size, 6))
                err_n = np.zeros(near.size, dtype=np.uint8)
                _pairs_kernel(
                    self.coef, sub, tsince, self.radius_km, self.xke, self.j2, rv_n, err_n
                )
                rv[near], err[near] = rv_n, err_n
            far = np.flatnonzero(deep)
            from zorka.orbits.propagation import propagate_pairs

            r, v, e = propagate_pairs(self.satellites, index[far], times.at(seconds[far]))
            rv[far, :3], rv[far, 3:], err[far] = r, v, e
        return rv[:, :3], rv[:, 3:], err

    def grid(
        self, index: NDArray[np.intp], times: TimeArray
    ) -> tuple[Array, Array, NDArray[np.uint8]]:
        """Satellites ``index`` at every instant of a 1-D time array: ``(n_sat, n_time, 3)``."""
        index = np.ascontiguousarray(np.asarray(index, dtype=np.intp).ravel())
        seconds = np.ascontiguousarray(times.seconds.ravel())
        rv = np.full((index.size, seconds.size, 6), np.nan)
        err = np.zeros((index.size, seconds.size), dtype=np.uint8)
        deep = self.deep[index]
        near = np.flatnonzero(~deep)
        if near.size:
            sub = index[near]
            rv_n = np.empty((near.size, seconds.size, 6))
            err_n = np.zeros((near.size, seconds.size), dtype=np.uint8)
            _grid_kernel(
                self.coef,
                sub,
                self._tsince0(sub, times),
                seconds,
                self.radius_km,
                self.xke,
                self.j2,
                rv_n,
                err_n,
            )
            rv[near], err[near] = rv_n, err_n
        far = np.flatnonzero(deep)
        if far.size:
            from zorka.orbits.propagation import propagate

            eph = propagate([self.satellites[i] for i in index[far]], times)
            rv[far, :, :3], rv[far, :, 3:], err[far] = eph.position_km, eph.velocity_km_s, eph.error
        return rv[..., :3], rv[..., 3:], err
