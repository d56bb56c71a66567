"""Sensor geometry: how a satellite sees a ground point, and where its line of sight lands.

Conventions (all angles in degrees):

- The orbital frame is the usual local-vertical/local-horizontal one built from the inertial
  state: ``z`` points to the Earth's centre (geocentric nadir), ``y`` along the negative orbit
  normal (to the right of the ground track), ``x`` completes the triad (about the velocity).
- The off-nadir angle is the angle between the line of sight and ``z``. Pitch is the along-track
  part, ``asin(los . x)`` (positive looking forward); roll the cross-track part,
  ``atan2(los . y, los . z)`` (positive looking right). Then
  ``cos(off_nadir) = cos(roll) cos(pitch)``: a pointing is a roll about ``x`` then a pitch.
- Incidence is the angle at the target between its local vertical (WGS84 normal) and the
  direction to the satellite; the view azimuth is the azimuth of the satellite seen from the
  target.
- Ground sample distance grows from its nadir value with the slant range and, across the line of
  sight, with the incidence: ``gsd = gsd_nadir * (range / altitude) / sqrt(cos(incidence))``, the
  geometric mean of the along- and across-view sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zorka.geometry.eclipses import shadow_functions
from zorka.geometry.sun import sun_position_km
from zorka.orbits.frames import (
    EARTH_ROTATION_RAD_S,
    WGS84_A_KM,
    WGS84_F,
    gmst82,
    itrf_to_geodetic,
)
from zorka.time import TimeArray

__all__ = [
    "ViewGeometry",
    "ground_intersection",
    "lvlh_axes",
    "pointing",
    "sun_itrf_km",
    "view_geometry",
]

Array = NDArray[np.float64]


def _dot(a: Array, b: Array) -> Array:
    return np.asarray(np.einsum("...i,...i->...", a, b))


def _unit(a: Array) -> Array:
    return np.asarray(a / np.linalg.norm(a, axis=-1, keepdims=True))


def lvlh_axes(position_km: ArrayLike, velocity_km_s: ArrayLike) -> tuple[Array, Array, Array]:
    """Orbital frame ``(x, y, z)`` (each ``(..., 3)``, Earth-fixed coordinates) of Earth-fixed
    states; ``velocity_km_s`` is Earth-relative, and the frame is built on the inertial velocity."""
    r = np.asarray(position_km, dtype=np.float64)
    v = np.asarray(velocity_km_s, dtype=np.float64)
    w = EARTH_ROTATION_RAD_S
    inertial = v + np.stack((-w * r[..., 1], w * r[..., 0], np.zeros_like(r[..., 0])), axis=-1)
    z = _unit(-r)
    y = _unit(np.cross(inertial, r))  # -(r x v): the negative orbit normal
    x = np.cross(y, z)
    return x, y, z


def pointing(
    x: Array, y: Array, z: Array, roll_deg: ArrayLike, pitch_deg: ArrayLike = 0.0
) -> Array:
    """Unit line of sight for a roll (about ``x``) then a pitch, in the frame's coordinates."""
    roll = np.deg2rad(np.asarray(roll_deg, dtype=np.float64))[..., None]
    pitch = np.deg2rad(np.asarray(pitch_deg, dtype=np.float64))[..., None]
    return np.asarray(np.cos(pitch) * (np.cos(roll) * z + np.sin(roll) * y) + np.sin(pitch) * x)


def ground_intersection(position_km: ArrayLike, direction: ArrayLike) -> Array:
    """Where rays from ``position_km`` along ``direction`` first meet the WGS84 ellipsoid
    (Earth-fixed km, ``(..., 3)``; NaN where a ray misses the Earth)."""
    r = np.asarray(position_km, dtype=np.float64)
    d = np.asarray(direction, dtype=np.float64)
    a = WGS84_A_KM
    b = a * (1.0 - WGS84_F)
    # scale z so that the ellipsoid becomes the unit sphere
    scale = np.array([1.0 / a, 1.0 / a, 1.0 / b])
    rs, ds = r * scale, d * scale
    qa = _dot(ds, ds)
    qb = 2.0 * _dot(rs, ds)
    qc = _dot(rs, rs) - 1.0
    disc = qb * qb - 4.0 * qa * qc
    with np.errstate(invalid="ignore"):
        t = (-qb - np.sqrt(disc)) / (2.0 * qa)
    t = np.where((disc >= 0) & (t > 0), t, np.nan)
    return np.asarray(r + t[..., None] * d)


def sun_itrf_km(times: TimeArray) -> Array:
    """The Sun's position in Earth-fixed coordinates (km), at each instant."""
    sun = sun_position_km(times)
    theta = gmst82(times)
    c, s = np.cos(theta), np.sin(theta)
    return np.stack(
        (c * sun[..., 0] + s * sun[..., 1], -s * sun[..., 0] + c * sun[..., 1], sun[..., 2]),
        axis=-1,
    )


@dataclass(frozen=True)
class ViewGeometry:
    """How satellites see targets: every field an array of the broadcast shape."""

    off_nadir_deg: Array
    roll_deg: Array
    pitch_deg: Array
    incidence_deg: Array
    view_azimuth_deg: Array
    slant_range_km: Array
    altitude_km: Array
    gsd_m: Array
    sun_elevation_deg: Array
    sun_azimuth_deg: Array
    satellite_sunlit: NDArray[np.bool_]
    #: time derivative of cos(off-nadir), 1/s: the slope that Newton steps on the cone need
    cos_off_nadir_rate: Array


def view_geometry(
    position_km: ArrayLike,
    velocity_km_s: ArrayLike,
    target_km: ArrayLike,
    target_enu: ArrayLike,
    times: TimeArray,
    nadir_gsd_m: ArrayLike = np.nan,
    *,
    sun: bool = True,
    gsd: bool = True,
) -> ViewGeometry:
    """The view of targets (Earth-fixed positions and east/north/up axes) from satellites
    (Earth-fixed states with Earth-relative velocity) at ``times``; all broadcast together.

    ``sun=False`` leaves the Sun's angles NaN (and the satellite sunlit), ``gsd=False`` the
    altitude and ground sample distance, for searches that only need the pointing."""
    r = np.asarray(position_km, dtype=np.float64)
    v = np.asarray(velocity_km_s, dtype=np.float64)
    p = np.asarray(target_km, dtype=np.float64)
    enu = np.asarray(target_enu, dtype=np.float64)
    x, y, z = lvlh_axes(r, v)
    los = p - r
    rng = np.linalg.norm(los, axis=-1)
    u = los / rng[..., None]
    cz, cy, cx = _dot(u, z), _dot(u, y), _dot(u, x)
    off = np.rad2deg(np.arccos(np.clip(cz, -1.0, 1.0)))
    # cos(off) = -(l.r) / (|l| |r|) with l = p - r, dl/dt = -v, dr/dt = v (target fixed on Earth)
    r_norm = np.linalg.norm(r, axis=-1)
    a_rate = _dot(v, los - r)
    cz_rate = -a_rate / (rng * r_norm) - cz * (-_dot(los, v) / rng**2 + _dot(r, v) / r_norm**2)
    pitch = np.rad2deg(np.arcsin(np.clip(cx, -1.0, 1.0)))
    roll = np.rad2deg(np.arctan2(cy, cz))
    back = -u  # target -> satellite
    up = _dot(back, enu[..., 2, :])
    incidence = np.rad2deg(np.arccos(np.clip(up, -1.0, 1.0)))
    azimuth = np.mod(
        np.rad2deg(np.arctan2(_dot(back, enu[..., 0, :]), _dot(back, enu[..., 1, :]))), 360
    )
    if gsd:
        _, _, altitude = itrf_to_geodetic(r)
        with np.errstate(invalid="ignore"):
            sample = np.asarray(nadir_gsd_m) * (rng / altitude) / np.sqrt(np.clip(up, 1e-6, 1.0))
    else:
        altitude = sample = np.full(off.shape, np.nan)
    if not sun:
        nan = np.full(off.shape, np.nan)
        lit = np.ones(off.shape, dtype=bool)
        return ViewGeometry(
            off, roll, pitch, incidence, azimuth, rng, altitude, sample, nan, nan, lit, cz_rate
        )
    sun_km = sun_itrf_km(times)
    to_sun = sun_km - p
    s_unit = to_sun / np.linalg.norm(to_sun, axis=-1, keepdims=True)
    sun_el = np.rad2deg(np.arcsin(np.clip(_dot(s_unit, enu[..., 2, :]), -1.0, 1.0)))
    sun_az = np.mod(
        np.rad2deg(np.arctan2(_dot(s_unit, enu[..., 0, :]), _dot(s_unit, enu[..., 1, :]))), 360.0
    )
    # shadow test in any frame: Earth-fixed positions of both bodies at the same instant
    _, penumbra = shadow_functions(r, np.broadcast_to(sun_km, r.shape))
    return ViewGeometry(
        off,
        roll,
        pitch,
        incidence,
        azimuth,
        rng,
        altitude,
        sample,
        sun_el,
        sun_az,
        penumbra >= 0,
        cz_rate,
    )
