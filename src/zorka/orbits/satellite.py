"""A satellite's orbit: SGP4 mean elements with their name, catalog number and provenance."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sgp4.api import WGS72, Satrec

from zorka.orbits.tle import TLE, format_tle

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy as np
    from numpy.typing import NDArray

__all__ = ["Satellite"]

_JD_UNIX = 2440587.5


@dataclass(eq=False)
class Satellite:
    """One satellite's orbit, ready for propagation.

    ``source`` says where the elements came from (a file and line, an OMM record, a fitted state
    vector with its residual) so that every epoch zorka uses can be traced back.
    """

    name: str
    norad_id: int
    satrec: Satrec
    source: str = "<unknown>"
    fit_residual_m: float | None = field(default=None)

    @classmethod
    def from_tle(cls, tle: TLE | tuple[str, str], name: str | None = None) -> Satellite:
        """From a :class:`~zorka.orbits.tle.TLE` or a pair of lines."""
        if not isinstance(tle, TLE):
            tle = TLE(tle[0].rstrip(), tle[1].rstrip(), name)
        satrec = tle.satrec()
        label = name or tle.name or f"NORAD {tle.norad_id}"
        return cls(label, tle.norad_id, satrec, f"TLE {tle.source}:{tle.lineno}")

    @classmethod
    def from_omm(cls, record: Mapping[str, Any], name: str | None = None) -> Satellite:
        """From one OMM record (keys as in CelesTrak's JSON: ``OBJECT_NAME``, ``EPOCH``, ...)."""
        from zorka.orbits.omm import satellite_from_omm

        return satellite_from_omm(record, name=name)

    @classmethod
    def from_state_vector(
        cls,
        name: str,
        norad_id: int,
        epoch: datetime,
        position_m: NDArray[np.float64] | tuple[float, float, float],
        velocity_m_s: NDArray[np.float64] | tuple[float, float, float],
        frame: str = "ITRF",
    ) -> Satellite:
        """Fit SGP4 mean elements reproducing a state vector (:mod:`~zorka.orbits.statevector`)."""
        from zorka.orbits.statevector import fit_state_vector

        return fit_state_vector(name, norad_id, epoch, position_m, velocity_m_s, frame=frame)

    @classmethod
    def from_elements(
        cls,
        name: str,
        norad_id: int,
        epoch: datetime,
        *,
        mean_motion_rev_day: float,
        eccentricity: float,
        inclination_deg: float,
        raan_deg: float,
        arg_perigee_deg: float,
        mean_anomaly_deg: float,
        bstar: float = 0.0,
        source: str = "elements",
    ) -> Satellite:
        """From mean elements (Kozai mean motion in revolutions per day, angles in degrees)."""
        satrec = Satrec()
        jd_epoch = (epoch.astimezone(UTC) - datetime(1949, 12, 31, tzinfo=UTC)) / timedelta(days=1)
        satrec.sgp4init(
            WGS72,
            "i",
            norad_id,
            jd_epoch,
            bstar,
            0.0,
            0.0,
            eccentricity,
            math.radians(arg_perigee_deg),
            math.radians(inclination_deg),
            math.radians(mean_anomaly_deg),
            mean_motion_rev_day * 2 * math.pi / 1440.0,
            math.radians(raan_deg),
        )
        return cls(name, norad_id, satrec, source)

    @property
    def epoch(self) -> datetime:
        """Epoch of the elements (UTC)."""
        days = self.satrec.jdsatepoch - _JD_UNIX + self.satrec.jdsatepochF
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=days)

    @property
    def period_s(self) -> float:
        """Anomalistic period from the (Brouwer) mean motion."""
        return float(2 * math.pi / self.satrec.no_kozai * 60.0)

    @property
    def is_deep_space(self) -> bool:
        """True for SDP4 orbits (period of 225 minutes or more)."""
        return self.period_s >= 225 * 60.0

    def to_tle(self) -> str:
        """The elements as 3-line TLE text."""
        return format_tle(self.satrec, self.name)

    def __repr__(self) -> str:
        epoch = f"{self.epoch:%Y-%m-%d %H:%M:%S}Z"
        return f"Satellite({self.name!r}, norad_id={self.norad_id}, epoch={epoch})"
