"""The Sun's position, for lighting at targets and for eclipses.

The low-precision solar coordinates of the Astronomical Almanac (as in Vallado's ``sun``): about
0.01 degree in direction over 1950-2050, which is a fraction of the Sun's own radius, enough for
shadow entry to well under a second and for sun elevation at a target to the issue's 0.05 degree.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from zorka.time import TimeArray

__all__ = ["AU_KM", "SUN_RADIUS_KM", "sun_position_km"]

AU_KM = 149597870.7
SUN_RADIUS_KM = 696000.0

Array = NDArray[np.float64]


def sun_position_km(times: TimeArray) -> Array:
    """Geocentric Sun position (km, ``(..., 3)``) in the mean-of-date equator frame.

    Mean of date and TEME differ by the nutation in longitude (under 20 arcseconds), which this
    formula's own error exceeds; zorka uses the result in TEME directly.
    """
    t = times.centuries_since_j2000()
    mean_long = np.deg2rad(np.mod(280.460 + 36000.771 * t, 360.0))
    anomaly = np.deg2rad(np.mod(357.5291092 + 35999.05034 * t, 360.0))
    ecl_long = mean_long + np.deg2rad(
        1.914666471 * np.sin(anomaly) + 0.019994643 * np.sin(2.0 * anomaly)
    )
    obliquity = np.deg2rad(23.439291 - 0.0130042 * t)
    dist = (
        1.000140612 - 0.016708617 * np.cos(anomaly) - 0.000139589 * np.cos(2.0 * anomaly)
    ) * AU_KM
    return np.stack(
        (
            dist * np.cos(ecl_long),
            dist * np.cos(obliquity) * np.sin(ecl_long),
            dist * np.sin(obliquity) * np.sin(ecl_long),
        ),
        axis=-1,
    )
