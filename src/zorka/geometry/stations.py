"""Ground stations as geometry sees them: a place on the WGS84 ellipsoid and a visibility limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["GroundStation"]


@dataclass(frozen=True)
class GroundStation:
    """A ground station: geodetic position (WGS84) and the lowest elevation it can track.

    ``horizon_mask`` is a list of ``(azimuth_deg, elevation_deg)`` points; the limit between two
    points is interpolated linearly in azimuth (wrapping at 360), and the station sees a satellite
    only above both the mask and ``min_elevation_deg``.
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float = 0.0
    min_elevation_deg: float = 0.0
    horizon_mask: tuple[tuple[float, float], ...] | None = None
    capabilities: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        where = f"station {self.name!r}"
        if not -90.0 <= self.latitude_deg <= 90.0:
            raise ValueError(f"{where}: latitude {self.latitude_deg} is outside -90..90 degrees")
        if not -180.0 <= self.longitude_deg <= 360.0:
            raise ValueError(
                f"{where}: longitude {self.longitude_deg} is outside -180..360 degrees"
            )
        if not -500.0 <= self.altitude_m <= 9000.0:
            raise ValueError(f"{where}: altitude {self.altitude_m} m is outside -500..9000 m")
        if not -5.0 <= self.min_elevation_deg < 90.0:
            raise ValueError(
                f"{where}: minimum elevation {self.min_elevation_deg} is outside -5..90 degrees"
            )
        if self.horizon_mask is not None:
            mask = tuple((float(a), float(e)) for a, e in self.horizon_mask)
            for az, el in mask:
                if not 0.0 <= az <= 360.0 or not -5.0 <= el < 90.0:
                    raise ValueError(
                        f"{where}: horizon mask point ({az}, {el}) needs azimuth 0..360"
                        " and elevation -5..90 degrees"
                    )
            if not mask:
                mask = None  # type: ignore[assignment]
            object.__setattr__(self, "horizon_mask", mask)

    @classmethod
    def parse(cls, text: str) -> GroundStation:
        """From ``LAT,LON[,ALT_M[,NAME]]`` as typed on a command line."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) < 2 or len(parts) > 4:
            raise ValueError(
                f"station {text!r}: write LAT,LON[,ALT_M[,NAME]], e.g. 53.93,27.59,220,minsk"
            )
        try:
            lat, lon = float(parts[0]), float(parts[1])
            alt = float(parts[2]) if len(parts) > 2 and parts[2] else 0.0
        except ValueError:
            raise ValueError(
                f"station {text!r}: latitude, longitude and altitude must be numbers"
            ) from None
        name = parts[3] if len(parts) > 3 else f"{lat:.4f},{lon:.4f}"
        return cls(name, lat, lon, alt)

    @property
    def lowest_elevation_deg(self) -> float:
        """The lowest elevation at which the station can see anything (any azimuth)."""
        if not self.horizon_mask:
            return self.min_elevation_deg
        return max(self.min_elevation_deg, min(e for _, e in self.horizon_mask))

    def elevation_limit_deg(self, azimuth_deg: NDArray[np.float64]) -> NDArray[np.float64]:
        """The elevation a satellite must exceed at each azimuth to be seen."""
        az = np.asarray(azimuth_deg, dtype=np.float64) % 360.0
        if not self.horizon_mask:
            return np.full_like(az, self.min_elevation_deg)
        points = sorted(self.horizon_mask)
        xs = np.array([p[0] for p in points])
        ys = np.array([p[1] for p in points])
        # wrap so that interpolation runs through north
        xs = np.concatenate((xs - 360.0, xs, xs + 360.0))
        ys = np.concatenate((ys, ys, ys))
        limit = np.interp(az, xs, ys)
        return np.asarray(np.maximum(limit, self.min_elevation_deg), dtype=np.float64)


def stations_named(stations: Sequence[GroundStation], names: Sequence[str]) -> list[GroundStation]:
    """The stations named (case-insensitive); an unknown name raises, listing the choices."""
    by_name = {s.name.lower(): s for s in stations}
    out = []
    for name in names:
        if name.lower() not in by_name:
            known = ", ".join(s.name for s in stations) or "none"
            raise ValueError(f"no station named {name!r}; the mission has: {known}")
        out.append(by_name[name.lower()])
    return out
