"""Eclipses of satellites by the Earth: penumbra and umbra entry and exit.

A conical shadow: seen from the satellite, the Sun's disc (apparent radius ``a_s``) and the Earth's
(``a_e``) stand ``theta`` apart. The satellite is in umbra when ``theta < a_e - a_s`` and in some
shadow (penumbra or umbra) when ``theta < a_e + a_s``. The Earth is a sphere of the WGS84
equatorial radius, with no atmosphere: refraction and absorption move shadow entry by seconds,
which this model leaves out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zorka.geometry.events import refine_roots
from zorka.geometry.sun import SUN_RADIUS_KM, sun_position_km
from zorka.orbits.propagation import propagate, propagate_pairs
from zorka.orbits.satellite import Satellite
from zorka.time import TimeArray, format_utc, parse_utc

__all__ = ["EARTH_SHADOW_RADIUS_KM", "Eclipse", "find_eclipses", "shadow_functions", "sunlit"]

EARTH_SHADOW_RADIUS_KM = 6378.137
Array = NDArray[np.float64]


@dataclass(frozen=True)
class Eclipse:
    """One passage through the Earth's shadow. ``umbra_*`` are None when only penumbral."""

    satellite: str
    norad_id: int
    penumbra_start: datetime
    umbra_start: datetime | None
    umbra_end: datetime | None
    penumbra_end: datetime
    clipped_start: bool = False
    clipped_end: bool = False

    @property
    def duration_s(self) -> float:
        return (self.penumbra_end - self.penumbra_start).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        return {
            "satellite": self.satellite,
            "norad_id": self.norad_id,
            "penumbra_start": format_utc(self.penumbra_start),
            "umbra_start": format_utc(self.umbra_start) if self.umbra_start else None,
            "umbra_end": format_utc(self.umbra_end) if self.umbra_end else None,
            "penumbra_end": format_utc(self.penumbra_end),
            "duration_s": round(self.duration_s, 3),
            "partial": bool(self.clipped_start or self.clipped_end),
        }


def shadow_functions(position_km: Array, sun_km: Array) -> tuple[Array, Array]:
    """``(umbra, penumbra)``: negative inside the umbra / inside any shadow."""
    to_sun = sun_km - position_km
    d_sun = np.linalg.norm(to_sun, axis=-1)
    d_earth = np.linalg.norm(position_km, axis=-1)
    cos_theta = -np.einsum("...i,...i->...", position_km, to_sun) / (d_earth * d_sun)
    theta = np.arccos(np.clip(cos_theta, -1.0, 1.0))
    a_s = np.arcsin(np.clip(SUN_RADIUS_KM / d_sun, -1.0, 1.0))
    a_e = np.arcsin(np.clip(EARTH_SHADOW_RADIUS_KM / d_earth, -1.0, 1.0))
    return theta - (a_e - a_s), theta - (a_e + a_s)


def sunlit(position_km: Array, times: TimeArray) -> NDArray[np.bool_]:
    """True where a TEME position sees some of the Sun's disc."""
    _, penumbra = shadow_functions(position_km, sun_position_km(times))
    return np.asarray(penumbra >= 0)


def find_eclipses(
    satellites: Sequence[Satellite], start: datetime | str, end: datetime | str
) -> list[Eclipse]:
    """Every eclipse of every satellite between ``start`` and ``end``, sorted by start."""
    t0, t1 = parse_utc(start, field="start"), parse_utc(end, field="end")
    span = (t1 - t0).total_seconds()
    if span <= 0:
        raise ValueError("the time window ends before it starts")
    out: list[Eclipse] = []
    for k, sat in enumerate(satellites):
        step = min(max(sat.period_s / 60.0, 10.0), 600.0)
        times = TimeArray.linspace(t0, t1, step)
        eph = propagate([sat], times)
        r = eph.position_km[0]
        sun = sun_position_km(times)
        umbra, penumbra = shadow_functions(r, sun)
        ok = np.isfinite(penumbra)
        if not ok.all():
            times = times.at(times.seconds[ok])
            r, sun, umbra, penumbra = r[ok], sun[ok], umbra[ok], penumbra[ok]
            if times.seconds.size < 2:
                continue

        def fun(which: int, _sat: Satellite = sat) -> Any:
            def evaluate(rows: NDArray[np.intp], t: Array) -> Array:
                tt = TimeArray(t0, t)
                rr, _, _ = propagate_pairs([_sat], np.zeros(t.size, dtype=np.intp), tt)
                return shadow_functions(rr, sun_position_km(tt))[which]

            return evaluate

        crossings: dict[str, list[float]] = {}
        for label, g, which in (("umbra", umbra, 0), ("penumbra", penumbra, 1)):
            flips = np.flatnonzero(np.sign(g[:-1]) != np.sign(g[1:]))
            roots = refine_roots(
                fun(which), times.seconds[flips], times.seconds[flips + 1], g[flips], g[flips + 1]
            )
            crossings[label] = roots.tolist()
        out.extend(_assemble(sat, k, t0, times.seconds, penumbra, umbra, crossings))
    out.sort(key=lambda e: (e.penumbra_start, e.satellite))
    return out


def _intervals(grid: Array, g: Array, roots: list[float]) -> list[tuple[float, float]]:
    """The intervals where ``g < 0``, from its sign at the grid start and its sorted roots."""
    edges = [float(grid[0])] if g[0] < 0 else []
    edges += sorted(roots)
    if len(edges) % 2:
        edges.append(float(grid[-1]))
    return list(zip(edges[0::2], edges[1::2], strict=True))


def _assemble(
    sat: Satellite,
    k: int,
    t0: datetime,
    grid: Array,
    penumbra: Array,
    umbra: Array,
    crossings: dict[str, list[float]],
) -> list[Eclipse]:
    def at(seconds: float) -> datetime:
        return t0 + timedelta(seconds=seconds)

    umbrae = _intervals(grid, umbra, crossings["umbra"])
    out = []
    for a, b in _intervals(grid, penumbra, crossings["penumbra"]):
        # the umbra lies inside the penumbra that surrounds it
        inner = [(u0, u1) for u0, u1 in umbrae if a - 1e-3 <= u0 and u1 <= b + 1e-3]
        u0 = inner[0][0] if inner else None
        u1 = inner[-1][1] if inner else None
        out.append(
            Eclipse(
                sat.name,
                sat.norad_id,
                at(a),
                at(u0) if u0 is not None else None,
                at(u1) if u1 is not None else None,
                at(b),
                clipped_start=bool(a == grid[0]),
                clipped_end=bool(b == grid[-1]),
            )
        )
    return out
