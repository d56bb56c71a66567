"""Where a satellite stands in a ground station's sky: azimuth, elevation, range and their rates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from zorka.geometry.stations import GroundStation
from zorka.orbits.frames import EARTH_ROTATION_RAD_S, enu_matrix, geodetic_to_itrf

__all__ = ["MU_KM3_S2", "Look", "StationArray", "look", "sin_elevation_accel"]

MU_KM3_S2 = 398600.4418

Array = NDArray[np.float64]


@dataclass(frozen=True)
class StationArray:
    """Stations as arrays: ITRF positions (km) and their east/north/up axes."""

    stations: tuple[GroundStation, ...]
    position_km: Array  # (m, 3)
    enu: Array  # (m, 3, 3) rows east, north, up

    @classmethod
    def of(cls, stations: Sequence[GroundStation]) -> StationArray:
        lat = np.array([s.latitude_deg for s in stations], dtype=np.float64)
        lon = np.array([s.longitude_deg for s in stations], dtype=np.float64)
        alt = np.array([s.altitude_m for s in stations], dtype=np.float64) / 1000.0
        return cls(tuple(stations), geodetic_to_itrf(lat, lon, alt), enu_matrix(lat, lon))


@dataclass(frozen=True)
class Look:
    """Topocentric view of satellites from stations; arrays broadcast as the inputs did."""

    sin_elevation: Array
    sin_elevation_rate: Array  # d(sin el)/dt, 1/s
    azimuth_deg: Array
    range_km: Array
    range_rate_km_s: Array

    @property
    def elevation_deg(self) -> Array:
        return np.rad2deg(np.arcsin(np.clip(self.sin_elevation, -1.0, 1.0)))


def look(
    position_km: Array,
    velocity_km_s: Array,
    station_km: Array,
    enu: Array,
) -> Look:
    """Topocentric view of ITRF satellite states from stations (all arrays broadcast).

    ``position_km``/``velocity_km_s`` are ITRF with Earth-relative velocity, ``(..., 3)``;
    ``station_km`` ``(..., 3)`` and ``enu`` ``(..., 3, 3)`` broadcast against them.
    """
    rho = position_km - station_km
    rng = np.sqrt(np.einsum("...i,...i->...", rho, rho))
    east = np.einsum("...i,...i->...", rho, enu[..., 0, :])
    north = np.einsum("...i,...i->...", rho, enu[..., 1, :])
    up = np.einsum("...i,...i->...", rho, enu[..., 2, :])
    up_rate = np.einsum("...i,...i->...", velocity_km_s, enu[..., 2, :])
    range_rate = np.einsum("...i,...i->...", rho, velocity_km_s) / rng
    s = up / rng
    s_rate = (up_rate - s * range_rate) / rng
    az = np.mod(np.rad2deg(np.arctan2(east, north)), 360.0)
    return Look(s, s_rate, az, rng, range_rate)


def sin_elevation_accel(
    position_km: Array, velocity_km_s: Array, station_km: Array, enu: Array
) -> Array:
    """Second time derivative of the sine of elevation, from a two-body force in the Earth frame.

    Used only as the slope of Newton steps towards culminations: the neglected J2 and drag terms
    are a part in a thousand of it, which slows convergence by as much and moves no root.
    """
    r = position_km
    v = velocity_km_s
    r3 = np.einsum("...i,...i->...", r, r) ** 1.5
    w = EARTH_ROTATION_RAD_S
    # a = -mu r/|r|^3 - 2 w x v - w x (w x r), with w along z
    ax = -MU_KM3_S2 * r[..., 0] / r3 + 2.0 * w * v[..., 1] + w * w * r[..., 0]
    ay = -MU_KM3_S2 * r[..., 1] / r3 - 2.0 * w * v[..., 0] + w * w * r[..., 1]
    az = -MU_KM3_S2 * r[..., 2] / r3
    a = np.stack((ax, ay, az), axis=-1)
    rho = r - station_km
    u = enu[..., 2, :]
    d = np.sqrt(np.einsum("...i,...i->...", rho, rho))
    d1 = np.einsum("...i,...i->...", rho, v) / d
    d2 = (np.einsum("...i,...i->...", v, v) + np.einsum("...i,...i->...", rho, a) - d1 * d1) / d
    up = np.einsum("...i,...i->...", rho, u)
    up1 = np.einsum("...i,...i->...", v, u)
    up2 = np.einsum("...i,...i->...", a, u)
    s = up / d
    s1 = (up1 - s * d1) / d
    # s = up/d  =>  s'' = (up'' - 2 s' d' - s d'') / d
    return np.asarray((up2 - 2.0 * s1 * d1 - s * d2) / d)
