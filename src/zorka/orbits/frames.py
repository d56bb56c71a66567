"""Reference frames: TEME (SGP4's output) -> PEF -> ITRF -> WGS84 geodetic, and back.

The chain follows Vallado, Crawford, Hujsak and Kelso, "Revisiting Spacetrack Report #3"
(AIAA 2006-6753), Appendix C: TEME is turned into the pseudo-Earth-fixed frame by the IAU-82
Greenwich mean sidereal time alone (TEME already carries the equation of the equinoxes), then polar
motion takes PEF to ITRF. UT1-UTC comes from the bundled IERS table (:mod:`zorka.orbits.eop`)
unless given; the pole coordinates default to zero (they move a ground point by about 10 m).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zorka.orbits.eop import ut1_utc_s
from zorka.time import DAY_S, TimeArray

__all__ = [
    "EARTH_ROTATION_RAD_S",
    "WGS84_A_KM",
    "WGS84_F",
    "enu_matrix",
    "geodetic_to_itrf",
    "gmst82",
    "itrf_to_geodetic",
    "itrf_to_teme",
    "teme_to_itrf",
]

WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
EARTH_ROTATION_RAD_S = 7.292115146706979e-5  # Vallado's value with zero length-of-day excess
_ARCSEC = np.pi / (180.0 * 3600.0)

Array = NDArray[np.float64]


def gmst82(times: TimeArray, dut1_s: float | Array | None = None) -> Array:
    """IAU-82 Greenwich mean sidereal time (radians) at each instant, as SGP4 uses it.

    ``dut1_s`` is UT1-UTC in seconds (a number or one per instant); None takes the IERS table.
    """
    if dut1_s is None:
        dut1_s = ut1_utc_s(times)
    t_ut1 = times.centuries_since_j2000() + dut1_s / (DAY_S * 36525.0)
    seconds = (
        67310.54841
        + (876600.0 * 3600.0 + 8640184.812866) * t_ut1
        + (0.093104 + -6.2e-6 * t_ut1) * t_ut1 * t_ut1
    )
    return np.mod(np.deg2rad(seconds / 240.0), 2.0 * np.pi)


def _polar_matrix(xp_arcsec: float, yp_arcsec: float) -> Array:
    # Vallado's W matrix (IAU-76/FK5 polar motion): r_PEF = W @ r_ITRF
    xp, yp = xp_arcsec * _ARCSEC, yp_arcsec * _ARCSEC
    cx, sx, cy, sy = np.cos(xp), np.sin(xp), np.cos(yp), np.sin(yp)
    return np.array(
        [
            [cx, 0.0, -sx],
            [sx * sy, cy, cx * sy],
            [sx * cy, -sy, cx * cy],
        ]
    )


def teme_to_itrf(
    position_km: ArrayLike,
    velocity_km_s: ArrayLike | None,
    times: TimeArray,
    *,
    dut1_s: float | Array | None = None,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
) -> tuple[Array, Array | None]:
    """Rotate TEME vectors (``(..., 3)``, the time axis last but one) into ITRF.

    ``times`` broadcasts against the leading axes of the vectors: for ``(n_sat, n_time, 3)`` give
    ``n_time`` instants. Velocities get the Earth-rotation term, so they are Earth-relative.
    """
    r = np.asarray(position_km, dtype=np.float64)
    theta = gmst82(times, dut1_s)
    c, s = np.cos(theta), np.sin(theta)
    x = c * r[..., 0] + s * r[..., 1]
    y = -s * r[..., 0] + c * r[..., 1]
    z = r[..., 2]
    r_pef = np.stack((x, y, z), axis=-1)
    v_pef = None
    if velocity_km_s is not None:
        v = np.asarray(velocity_km_s, dtype=np.float64)
        vx = c * v[..., 0] + s * v[..., 1] + EARTH_ROTATION_RAD_S * y
        vy = -s * v[..., 0] + c * v[..., 1] - EARTH_ROTATION_RAD_S * x
        v_pef = np.stack((vx, vy, v[..., 2]), axis=-1)
    if xp_arcsec == 0.0 and yp_arcsec == 0.0:
        return r_pef, v_pef
    w_t = _polar_matrix(xp_arcsec, yp_arcsec).T
    r_itrf = r_pef @ w_t.T
    v_itrf = None if v_pef is None else v_pef @ w_t.T
    return r_itrf, v_itrf


def itrf_to_teme(
    position_km: ArrayLike,
    velocity_km_s: ArrayLike | None,
    times: TimeArray,
    *,
    dut1_s: float | Array | None = None,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
) -> tuple[Array, Array | None]:
    """The inverse of :func:`teme_to_itrf` (ITRF velocities are Earth-relative)."""
    r = np.asarray(position_km, dtype=np.float64)
    v = None if velocity_km_s is None else np.asarray(velocity_km_s, dtype=np.float64)
    if xp_arcsec != 0.0 or yp_arcsec != 0.0:
        w = _polar_matrix(xp_arcsec, yp_arcsec)
        r = r @ w.T
        v = None if v is None else v @ w.T
    theta = gmst82(times, dut1_s)
    c, s = np.cos(theta), np.sin(theta)
    x = c * r[..., 0] - s * r[..., 1]
    y = s * r[..., 0] + c * r[..., 1]
    r_teme = np.stack((x, y, r[..., 2]), axis=-1)
    v_teme = None
    if v is not None:
        # undo the Earth-rotation term in PEF before rotating
        vx_in = v[..., 0] - EARTH_ROTATION_RAD_S * r[..., 1]
        vy_in = v[..., 1] + EARTH_ROTATION_RAD_S * r[..., 0]
        vx = c * vx_in - s * vy_in
        vy = s * vx_in + c * vy_in
        v_teme = np.stack((vx, vy, v[..., 2]), axis=-1)
    return r_teme, v_teme


def geodetic_to_itrf(
    latitude_deg: ArrayLike, longitude_deg: ArrayLike, altitude_km: ArrayLike
) -> Array:
    """ITRF position (km) of WGS84 geodetic coordinates."""
    lat = np.deg2rad(np.asarray(latitude_deg, dtype=np.float64))
    lon = np.deg2rad(np.asarray(longitude_deg, dtype=np.float64))
    h = np.asarray(altitude_km, dtype=np.float64)
    sin_lat = np.sin(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat * sin_lat)
    x = (n + h) * np.cos(lat) * np.cos(lon)
    y = (n + h) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h) * sin_lat
    return np.stack((x, y, z), axis=-1)


def itrf_to_geodetic(position_km: ArrayLike) -> tuple[Array, Array, Array]:
    """WGS84 latitude (deg), longitude (deg) and height (km) of ITRF positions ``(..., 3)``.

    Closed form (Zhu/Heikkinen): exact to well under a millimetre for any height a satellite or a
    ground point has, with no iteration.
    """
    r = np.asarray(position_km, dtype=np.float64)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    a = WGS84_A_KM
    b = a * (1.0 - WGS84_F)
    e2 = WGS84_E2
    ep2 = (a * a - b * b) / (b * b)
    p = np.hypot(x, y)
    big_f = 54.0 * b * b * z * z
    g = p * p + (1.0 - e2) * z * z - e2 * (a * a - b * b)
    c = e2 * e2 * big_f * p * p / (g * g * g)
    s = np.cbrt(1.0 + c + np.sqrt(c * c + 2.0 * c))
    k = s + 1.0 + 1.0 / s
    big_p = big_f / (3.0 * k * k * g * g)
    q = np.sqrt(1.0 + 2.0 * e2 * e2 * big_p)
    r0 = -(big_p * e2 * p) / (1.0 + q) + np.sqrt(
        np.maximum(
            0.5 * a * a * (1.0 + 1.0 / q)
            - big_p * (1.0 - e2) * z * z / (q * (1.0 + q))
            - 0.5 * big_p * p * p,
            0.0,
        )
    )
    u = np.sqrt((p - e2 * r0) ** 2 + z * z)
    v = np.sqrt((p - e2 * r0) ** 2 + (1.0 - e2) * z * z)
    z0 = b * b * z / (a * v)
    height = u * (1.0 - b * b / (a * v))
    lat = np.arctan2(z + ep2 * z0, p)
    lon = np.arctan2(y, x)
    return np.rad2deg(lat), np.rad2deg(lon), height


def enu_matrix(latitude_deg: ArrayLike, longitude_deg: ArrayLike) -> Array:
    """Rows east, north, up of a geodetic place, in ITRF (shape ``(..., 3, 3)``)."""
    lat = np.deg2rad(np.asarray(latitude_deg, dtype=np.float64))
    lon = np.deg2rad(np.asarray(longitude_deg, dtype=np.float64))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    zero = np.zeros_like(lat)
    east = np.stack((-so, co, zero), axis=-1)
    north = np.stack((-sl * co, -sl * so, cl), axis=-1)
    up = np.stack((cl * co, cl * so, sl), axis=-1)
    return np.stack((east, north, up), axis=-2)
