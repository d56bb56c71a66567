"""Ground-station passes: AOS, TCA and LOS of every satellite over every station.

How the search works, and why it is fast:

1. Each satellite is sampled on a coarse grid, about a tenth of its orbit apart (shorter at the
   perigee of eccentric orbits). The sine of the elevation, ``s``, has one maximum per orbit over a
   station, so a sign change of its time derivative between two samples (computed exactly from the
   SGP4 velocity, not by differencing) marks every culmination, grazing ones included.
2. Culminations that cannot reach the horizon are dropped with a rigorous bound: the geocentric
   angle between station and satellite cannot change faster than the satellite's Earth-relative
   angular rate, so a bracket whose end angles are too far apart holds no visible point.
3. The rest are refined together (:func:`zorka.geometry.events.refine_roots`): TCA where ``ds/dt``
   is zero, then AOS and LOS where the elevation crosses the station's limit, each to 1 ms.
4. Horizon masks split a pass where the mask rises above the track; each visible piece is a pass.

Passes cut by the window are clipped to it and flagged, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zorka.geometry.pairs import PairGeometry, coarse_step_s
from zorka.geometry.pass_search import (
    _COLUMNS,
    _NCOL,
    _STA,
    PassTable,
    apply_masks,
    coarse_search,
    refine,
)
from zorka.geometry.stations import GroundStation
from zorka.geometry.topocentric import StationArray, look
from zorka.orbits.frames import teme_to_itrf
from zorka.orbits.propagation import propagate
from zorka.orbits.satellite import Satellite
from zorka.orbits.sgp4batch import SGP4Batch
from zorka.time import TimeArray, format_utc, parse_utc

__all__ = ["PASS_KEYS", "Pass", "PassReport", "PassTable", "find_passes", "track"]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]

# satellites x stations x instants held at once by the coarse search (about 100 MB)
_CELLS = 2_000_000

PASS_KEYS = (
    "satellite",
    "norad_id",
    "station",
    "aos",
    "tca",
    "los",
    "max_elevation_deg",
    "aos_azimuth_deg",
    "tca_azimuth_deg",
    "los_azimuth_deg",
    "duration_s",
    "partial",
)


@dataclass(frozen=True)
class Pass:
    """One pass of a satellite over a station."""

    satellite: str
    norad_id: int
    station: str
    aos: datetime
    tca: datetime
    los: datetime
    max_elevation_deg: float
    aos_azimuth_deg: float
    tca_azimuth_deg: float
    los_azimuth_deg: float
    clipped_start: bool = False
    clipped_end: bool = False

    @property
    def duration_s(self) -> float:
        return (self.los - self.aos).total_seconds()

    @property
    def partial(self) -> bool:
        """True when the search window cut the pass."""
        return self.clipped_start or self.clipped_end

    def to_dict(self) -> dict[str, Any]:
        """The pass as JSON-ready values, with exactly the keys of ``PASS_KEYS``."""
        return {
            "satellite": self.satellite,
            "norad_id": self.norad_id,
            "station": self.station,
            "aos": format_utc(self.aos),
            "tca": format_utc(self.tca),
            "los": format_utc(self.los),
            "max_elevation_deg": round(self.max_elevation_deg, 3),
            "aos_azimuth_deg": round(self.aos_azimuth_deg, 3),
            "tca_azimuth_deg": round(self.tca_azimuth_deg, 3),
            "los_azimuth_deg": round(self.los_azimuth_deg, 3),
            "duration_s": round(self.duration_s, 3),
            "partial": self.partial,
        }


class PassReport:
    """The passes found and the satellites that could not be propagated.

    The search fills a columnar :class:`PassTable`; :attr:`passes` turns it into :class:`Pass`
    objects sorted by AOS when first asked for.
    """

    def __init__(
        self,
        satellites: Sequence[Satellite],
        stations: Sequence[GroundStation],
        t0: datetime,
        table: PassTable | None = None,
    ) -> None:
        self.satellites = satellites
        self.stations = stations
        self.t0 = t0
        self.table = table if table is not None else PassTable.empty()
        self.errors: dict[str, str] = {}
        self.evaluations = 0

    def __len__(self) -> int:
        return len(self.table)

    @cached_property
    def passes(self) -> list[Pass]:
        """Every pass, sorted by AOS, then station and satellite."""
        t = self.table
        v = t.values
        order = np.lexsort((t.satellite, t.station, v["aos_s"]))
        base = np.datetime64(self.t0.replace(tzinfo=None), "us")

        def instants(seconds: Array) -> list[datetime]:
            micro = np.round(seconds[order] * 1e6).astype("timedelta64[us]")
            return [d.replace(tzinfo=UTC) for d in (base + micro).tolist()]

        aos, tca, los = instants(v["aos_s"]), instants(v["tca_s"]), instants(v["los_s"])
        cols = [v[k][order].tolist() for k in _COLUMNS[3:]]
        sat_names = [s.name for s in self.satellites]
        sat_ids = [s.norad_id for s in self.satellites]
        sta_names = [s.name for s in self.stations]
        out = []
        for k, (i_sat, i_sta, c0, c1) in enumerate(
            zip(
                t.satellite[order].tolist(),
                t.station[order].tolist(),
                t.clipped_start[order].tolist(),
                t.clipped_end[order].tolist(),
                strict=True,
            )
        ):
            out.append(
                Pass(
                    sat_names[i_sat],
                    sat_ids[i_sat],
                    sta_names[i_sta],
                    aos[k],
                    tca[k],
                    los[k],
                    cols[0][k],
                    cols[1][k],
                    cols[2][k],
                    cols[3][k],
                    c0,
                    c1,
                )
            )
        return out


def find_passes(
    satellites: Sequence[Satellite],
    stations: Sequence[GroundStation],
    start: datetime | str,
    end: datetime | str,
    *,
    min_elevation_deg: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PassReport:
    """Every pass of every satellite over every station between ``start`` and ``end``.

    ``min_elevation_deg`` replaces each station's own minimum (its horizon mask still applies).
    ``progress(done, total)`` is called as satellite groups are searched.
    """
    t0, t1 = parse_utc(start, field="start"), parse_utc(end, field="end")
    span = (t1 - t0).total_seconds()
    if span <= 0:
        raise ValueError(f"the time window ends ({t1:%Y-%m-%dT%H:%M:%SZ}) before it starts")
    if min_elevation_deg is not None and not -5.0 <= min_elevation_deg < 90.0:
        raise ValueError(f"minimum elevation {min_elevation_deg} is outside -5..90 degrees")
    if min_elevation_deg is not None:
        stations = [replace(s, min_elevation_deg=min_elevation_deg) for s in stations]
    report = PassReport(satellites, stations, t0)
    if not satellites or not stations:
        return report
    st = StationArray.of(stations)
    # the lowest elevation each station can see at any azimuth: passes are searched against it,
    # and horizon masks are applied afterwards
    low = np.array([s.lowest_elevation_deg for s in stations])
    sin_low = np.sin(np.deg2rad(low))
    batch = SGP4Batch(satellites)
    geometry = PairGeometry(batch, st, t0)

    steps = np.array([coarse_step_s(s) for s in satellites])
    tables = []
    done = 0
    for step in np.unique(steps):
        members = np.flatnonzero(steps == step)
        n_t = int(span // step) + 2
        # bound the coarse arrays (satellites x stations x instants) to keep memory flat for
        # catalogues of satellites and thousands of targets alike
        per_sat = max(1, _CELLS // n_t)
        for i in range(0, members.size, per_sat):
            group = members[i : i + per_sat]
            per_station = max(1, _CELLS // (group.size * n_t))
            for a in range(0, len(stations), per_station):
                b = a + per_station
                sub = StationArray(st.stations[a:b], st.position_km[a:b], st.enu[a:b])
                sub_geometry = PairGeometry(batch, sub, t0)
                table = coarse_search(
                    sub_geometry,
                    group,
                    float(step),
                    sub,
                    sin_low[a:b],
                    low[a:b],
                    t0,
                    span,
                    report.errors,
                )
                table[:, _STA] += a
                geometry.evaluations += sub_geometry.evaluations
                tables.append(table)
            done += group.size
            if progress:
                progress(done, len(satellites))

    table = np.concatenate(tables) if tables else np.empty((0, _NCOL))
    found = refine(geometry, table, sin_low, span)
    report.table = apply_masks(geometry, found, stations)
    report.evaluations += geometry.evaluations
    return report


def track(
    satellite: Satellite,
    station: GroundStation,
    start: datetime | str,
    end: datetime | str,
    step_s: float = 1.0,
) -> dict[str, Any]:
    """Azimuth, elevation, range and range rate of one satellite from one station, for antennas."""
    t0, t1 = parse_utc(start, field="start"), parse_utc(end, field="end")
    if step_s <= 0:
        raise ValueError(f"track step must be positive, not {step_s}")
    span = (t1 - t0).total_seconds()
    if span < 0:
        raise ValueError("the track ends before it starts")
    # whole steps from the start, and the end itself: antenna controllers want a regular grid
    seconds = np.arange(0.0, span, step_s)
    times = TimeArray(t0, np.append(seconds, span) if span - seconds[-1] > 1e-6 else seconds)
    eph = propagate([satellite], times)
    r, v = teme_to_itrf(eph.position_km[0], eph.velocity_km_s[0], times)
    assert v is not None
    st = StationArray.of([station])
    view = look(r, v, st.position_km[0], st.enu[0])
    return {
        "time": times.iso(),
        "azimuth_deg": view.azimuth_deg,
        "elevation_deg": view.elevation_deg,
        "range_km": view.range_km,
        "range_rate_km_s": view.range_rate_km_s,
    }
