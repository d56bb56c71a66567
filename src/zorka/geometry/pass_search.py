"""The pass search itself: coarse grids, culmination brackets, refinement, horizon masks.

See :mod:`zorka.geometry.passes` for the method; this module holds its steps and the columnar
:class:`PassTable` they fill.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from zorka.geometry.events import newton_roots, refine_roots
from zorka.geometry.hermite import hermite_argmax, hermite_crossing
from zorka.geometry.pairs import PairGeometry
from zorka.geometry.stations import GroundStation
from zorka.geometry.topocentric import StationArray
from zorka.orbits.propagation import SGP4_ERRORS
from zorka.time import TimeArray, format_utc

__all__ = ["PassTable", "apply_masks", "coarse_search", "refine"]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]


_COLUMNS = (
    "aos_s",
    "tca_s",
    "los_s",
    "max_elevation_deg",
    "aos_azimuth_deg",
    "tca_azimuth_deg",
    "los_azimuth_deg",
)


@dataclass
class PassTable:
    """Passes as columns (seconds from ``t0``): what the search produces, before any objects."""

    satellite: IntArray
    station: IntArray
    values: dict[str, Array]
    clipped_start: NDArray[np.bool_]
    clipped_end: NDArray[np.bool_]

    @classmethod
    def empty(cls) -> PassTable:
        i = np.empty(0, dtype=np.intp)
        b = np.empty(0, dtype=bool)
        return cls(i, i.copy(), {k: np.empty(0) for k in _COLUMNS}, b, b.copy())

    def __len__(self) -> int:
        return int(self.satellite.size)

    def take(self, rows: IntArray) -> PassTable:
        return PassTable(
            self.satellite[rows],
            self.station[rows],
            {k: v[rows] for k, v in self.values.items()},
            self.clipped_start[rows],
            self.clipped_end[rows],
        )

    @classmethod
    def concat(cls, parts: Sequence[PassTable]) -> PassTable:
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.satellite for p in parts]),
            np.concatenate([p.station for p in parts]),
            {k: np.concatenate([p.values[k] for p in parts]) for k in _COLUMNS},
            np.concatenate([p.clipped_start for p in parts]),
            np.concatenate([p.clipped_end for p in parts]),
        )


# Columns of the candidate table built by the coarse search (one row per culmination).
_SAT, _STA, _LO, _HI, _S_LO, _DS_LO, _S_HI, _DS_HI = range(8)
_A_T, _A_S, _A_DS, _L_T, _L_S, _L_DS = range(8, 14)  # last sample below before, first after
_INNER = 14  # 0: a grid bracket; -1/+1: its low/high end is inside a grid step, sign unchecked
_NCOL = 15


def coarse_search(
    geometry: PairGeometry,
    members: IntArray,
    step: float,
    st: StationArray,
    sin_low: Array,
    low_deg: Array,
    t0: datetime,
    span: float,
    errors: dict[str, str],
) -> Array:
    """Culminations of one group of satellites on its coarse grid, as candidate-table rows."""
    grid = np.arange(0.0, span, step)
    grid = np.append(grid, span) if span - grid[-1] > 1e-6 else grid
    times = TimeArray(t0, grid)
    s, ds, cos_psi, r_norm, v_norm, error = geometry.grid(members, times)
    geometry.evaluations += error.size
    for row in np.flatnonzero(error.any(axis=1)):
        first = int(np.flatnonzero(error[row])[0])
        code = int(error[row, first])
        when = format_utc(t0 + timedelta(seconds=float(grid[first])), digits=0)
        errors[geometry.batch.satellites[members[row]].name] = (
            f"{SGP4_ERRORS.get(code, f'SGP4 error {code}')} (from {when})"
        )
    s = np.nan_to_num(s, nan=-2.0)
    ds = np.nan_to_num(ds, nan=0.0)
    n_t = grid.size

    # Rigorous prefilter: the geocentric angle psi between station and satellite changes no
    # faster than omega = |v_ecef| / |r|, so within a bracket psi >= (psi_a + psi_b - omega h) / 2.
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows of decayed satellites
        omega = np.nanmax(v_norm / r_norm, axis=1) * 1.05  # (n_sat,)
        r_max = np.nanmax(r_norm, axis=1)
    station_r = np.linalg.norm(st.position_km, axis=-1)  # (m,)
    psi = np.arccos(np.clip(np.nan_to_num(cos_psi, nan=-1.0), -1.0, 1.0))
    margin = np.deg2rad(low_deg - 1.0)  # geodetic and geocentric zenith differ by < 0.2 deg
    ratio = np.clip(station_r[None, :] * np.cos(margin)[None, :] / r_max[:, None], -1.0, 1.0)
    reach = np.arccos(ratio) - margin[None, :]  # (n_sat, m): largest visible psi

    below = s < sin_low[None, :, None]
    idx = np.arange(n_t)
    last_below = np.maximum.accumulate(np.where(below, idx, -1), axis=-1)
    next_below = np.minimum.accumulate(np.where(below, idx, n_t)[..., ::-1], axis=-1)[..., ::-1]

    parts: list[tuple[IntArray, IntArray, IntArray, IntArray, Array, Array, float]] = []
    # interior culminations: ds/dt goes from + to -
    c, m, i = np.nonzero((ds[..., :-1] > 0) & (ds[..., 1:] <= 0))
    bound = 0.5 * (psi[c, m, i] + psi[c, m, i + 1] - omega[c] * step)
    keep = bound <= reach[c, m]
    c, m, i = c[keep], m[keep], i[keep]
    parts.append((c, m, i, i + 1, grid[i], grid[i + 1], 0.0))
    # A culmination and a dip inside one grid step leave ds/dt with the same sign at both ends
    # (fast perigee passages of eccentric orbits). The cubic through s and ds/dt at the ends
    # shows them: the bracket of the peak then runs from the dip to the far end, and the dip's
    # own sign is checked on the exact geometry before the peak is refined.
    # Near-circular orbits have one culmination per half orbit, far more than a grid step
    # apart: only eccentric ones need the test.
    ecc = np.array([geometry.batch.satellites[i].satrec.ecco for i in members])
    eccentric = np.flatnonzero(ecc > 0.05)
    if eccentric.size:
        se, dse = s[eccentric], ds[eccentric]
        m0 = dse[..., :-1] * step
        m1 = dse[..., 1:] * step
        y0, y1 = se[..., :-1], se[..., 1:]
        qa = 6.0 * (y0 - y1) + 3.0 * (m0 + m1)
        qb = -6.0 * (y0 - y1) - 4.0 * m0 - 2.0 * m1
        disc2 = qb * qb - 4.0 * qa * m0
        same = (np.sign(m0) == np.sign(m1)) & (m0 != 0) & (disc2 > 0) & (qa != 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            disc = np.sqrt(np.where(same, disc2, 0.0))
            peak = np.where(same, (-qb - disc) / (2.0 * qa), np.nan)
            dip = np.where(same, (-qb + disc) / (2.0 * qa), np.nan)
        wiggle = same & (peak > 0) & (peak < 1) & (dip > 0) & (dip < 1)
        ce, m, i = np.nonzero(wiggle)
        x_dip = dip[ce, m, i]
        c = eccentric[ce]
        bound = 0.5 * (psi[c, m, i] + psi[c, m, i + 1] - omega[c] * step)
        keep = bound <= reach[c, m]
        c, m, i, x_dip = c[keep], m[keep], i[keep], x_dip[keep]
        falling = ds[c, m, i] < 0  # dip first, then the peak: the bracket is [dip, end]
        lo_w = np.where(falling, grid[i] + x_dip * step, grid[i])
        hi_w = np.where(falling, grid[i + 1], grid[i] + x_dip * step)
        for side, sel in ((-1.0, falling), (1.0, ~falling)):
            k = np.flatnonzero(sel)
            parts.append((c[k], m[k], i[k], i[k] + 1, lo_w[k], hi_w[k], side))
    # culminations at the window edges: visible at the start while descending, or at the end
    # while rising (the highest point inside the window is then the edge itself)
    for edge, rising in ((0, False), (n_t - 1, True)):
        slope = ds[..., edge]
        at_edge = (slope >= 0) if rising else (slope <= 0)
        c, m = np.nonzero(at_edge & ~below[..., edge])
        e = np.full(c.size, edge, dtype=np.intp)
        parts.append((c, m, e, e, grid[e], grid[e], 0.0))
    rows = []
    for c, m, i, j, lo_t, hi_t, inner in parts:
        kb = last_below[c, m, i]
        ka = next_below[c, m, j]
        kb_ok = np.maximum(kb, 0)
        ka_ok = np.minimum(ka, n_t - 1)
        table = np.empty((c.size, _NCOL))
        table[:, _SAT] = members[c]
        table[:, _STA] = m
        table[:, _LO], table[:, _HI] = lo_t, hi_t
        table[:, _INNER] = inner
        table[:, _S_LO], table[:, _DS_LO] = s[c, m, i], ds[c, m, i]
        table[:, _S_HI], table[:, _DS_HI] = s[c, m, j], ds[c, m, j]
        # NaN time: visible at the window edge, the pass is clipped there
        table[:, _A_T] = np.where(kb >= 0, grid[kb_ok], np.nan)
        table[:, _A_S], table[:, _A_DS] = s[c, m, kb_ok], ds[c, m, kb_ok]
        table[:, _L_T] = np.where(ka < n_t, grid[ka_ok], np.nan)
        table[:, _L_S], table[:, _L_DS] = s[c, m, ka_ok], ds[c, m, ka_ok]
        rows.append(table)
    return np.concatenate(rows)


def refine(geometry: PairGeometry, table: Array, sin_low: Array, span: float) -> PassTable:
    if table.shape[0] == 0:
        return PassTable.empty()
    sat = table[:, _SAT].astype(np.intp)
    sta = table[:, _STA].astype(np.intp)
    lo, hi = table[:, _LO], table[:, _HI]

    # 0. brackets with an end inside a grid step: that end's slope must have the right sign
    inner = np.flatnonzero(table[:, _INNER] != 0)
    if inner.size:
        low_end = table[inner, _INNER] < 0
        at = np.where(low_end, lo[inner], hi[inner])
        view = geometry.look(sat[inner], sta[inner], at)
        good = np.where(low_end, view.sin_elevation_rate > 0, view.sin_elevation_rate < 0)
        s_col = np.where(low_end, _S_LO, _S_HI)
        ds_col = np.where(low_end, _DS_LO, _DS_HI)
        table[inner, s_col] = view.sin_elevation
        table[inner, ds_col] = view.sin_elevation_rate
        drop = inner[~good]
        if drop.size:
            keep_rows = np.setdiff1d(np.arange(table.shape[0]), drop)
            table, sat, sta = table[keep_rows], sat[keep_rows], sta[keep_rows]
        lo, hi = table[:, _LO], table[:, _HI]

    # 1. TCA: zero of d(sin el)/dt in the grid bracket, Newton steps from the Hermite peak
    interior = np.flatnonzero(hi > lo)
    tca = lo.copy()
    if interior.size:
        t = table[interior]
        guess = hermite_argmax(
            t[:, _LO], t[:, _HI], t[:, _S_LO], t[:, _DS_LO], t[:, _S_HI], t[:, _DS_HI]
        )

        def rate(rows: IntArray, x: Array) -> tuple[Array, Array]:
            k = interior[rows]
            return geometry.rate_and_accel(sat[k], sta[k], x)

        tca[interior] = newton_roots(
            rate, lo[interior], hi[interior], guess, sign_lo=np.ones(interior.size), accept_s=0.3
        )
    at_tca = geometry.look(sat, sta, tca)
    keep = np.flatnonzero(at_tca.sin_elevation >= sin_low[sta])
    table, sat, sta, tca = table[keep], sat[keep], sta[keep], tca[keep]
    s_max = at_tca.sin_elevation[keep]
    az_tca = at_tca.azimuth_deg[keep]
    level = sin_low[sta]

    def above(rows: IntArray, x: Array) -> tuple[Array, Array]:
        view = geometry.look(sat[rows], sta[rows], x)
        return view.sin_elevation - level[rows], view.sin_elevation_rate

    # 2. AOS between the last grid sample below the limit and the TCA; LOS likewise after it
    clipped_start = np.isnan(table[:, _A_T])
    clipped_end = np.isnan(table[:, _L_T])
    aos = np.zeros_like(tca)
    los = np.full_like(tca, span)
    zeros = np.zeros_like(tca)
    for target, clipped, cols, before in (
        (aos, clipped_start, (_A_T, _A_S, _A_DS), True),
        (los, clipped_end, (_L_T, _L_S, _L_DS), False),
    ):
        rows = np.flatnonzero(~clipped)
        if rows.size == 0:
            continue
        far_t, far_s, far_ds = (table[rows, col] for col in cols)
        if before:
            a, b, ya, da, yb, db = far_t, tca[rows], far_s, far_ds, s_max[rows], zeros[rows]
        else:
            a, b, ya, da, yb, db = tca[rows], far_t, s_max[rows], zeros[rows], far_s, far_ds
        guess = hermite_crossing(a, b, ya, da, yb, db, level[rows])

        def sub(sub_rows: IntArray, x: Array, _rows: IntArray = rows) -> tuple[Array, Array]:
            return above(_rows[sub_rows], x)

        # below the limit before AOS, above it after TCA
        target[rows] = newton_roots(
            sub, a, b, guess, sign_lo=np.full(rows.size, -1.0 if before else 1.0), accept_s=0.3
        )
    at_aos = geometry.look(sat, sta, aos)
    at_los = geometry.look(sat, sta, los)
    el_max = np.rad2deg(np.arcsin(np.clip(s_max, -1.0, 1.0)))

    # 3. one pass per visible interval: several culminations in one interval (a satellite that
    # dips and climbs again without setting) make one pass, whose TCA is the highest
    found = PassTable(
        sat,
        sta,
        {
            "aos_s": aos,
            "tca_s": tca,
            "los_s": los,
            "max_elevation_deg": el_max,
            "aos_azimuth_deg": at_aos.azimuth_deg,
            "tca_azimuth_deg": az_tca,
            "los_azimuth_deg": at_los.azimuth_deg,
        },
        clipped_start,
        clipped_end,
    )
    # culminations of one visible interval share its AOS (to rounding of the root search)
    order = np.lexsort((aos, sta, sat))
    k_sat, k_sta, k_aos = sat[order], sta[order], aos[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = (k_sat[1:] != k_sat[:-1]) | (k_sta[1:] != k_sta[:-1]) | (np.diff(k_aos) > 0.5)
    group = np.cumsum(new)
    best = np.lexsort((-el_max[order], group))
    first = np.ones(best.size, dtype=bool)
    first[1:] = group[best][1:] != group[best][:-1]
    order = order[best]
    return found.take(order[first])


def apply_masks(
    geometry: PairGeometry,
    found: PassTable,
    stations: Sequence[GroundStation],
    step_s: float = 1.0,
) -> PassTable:
    """Split passes of masked stations into the pieces above the mask."""
    masked = np.array([bool(s.horizon_mask) for s in stations])
    rows = np.flatnonzero(masked[found.station]) if len(found) else np.empty(0, dtype=np.intp)
    if rows.size == 0:
        return found
    pieces: list[PassTable] = [found.take(np.flatnonzero(~masked[found.station]))]
    v = found.values
    for row in rows.tolist():
        k_sat, k_sta = int(found.satellite[row]), int(found.station[row])
        station = stations[k_sta]
        t_aos, t_tca, t_los = float(v["aos_s"][row]), float(v["tca_s"][row]), float(v["los_s"][row])
        n = max(3, math.ceil((t_los - t_aos) / step_s) + 1)
        t = np.linspace(t_aos, t_los, n)
        sats = np.full(n, k_sat, dtype=np.intp)
        stas = np.full(n, k_sta, dtype=np.intp)

        def margin(
            r: IntArray,
            tt: Array,
            _st: GroundStation = station,
            _sats: IntArray = sats,
            _stas: IntArray = stas,
        ) -> Array:
            view = geometry.look(_sats[r], _stas[r], tt)
            return view.elevation_deg - _st.elevation_limit_deg(view.azimuth_deg)

        f = margin(np.arange(n), t)
        inside = f >= 0
        if not inside.any():
            continue
        edges = np.flatnonzero(np.diff(inside.astype(np.int8)))
        rise_t = _edge_times(margin, t, f, [int(e) for e in edges if not inside[e]])
        set_t = _edge_times(margin, t, f, [int(e) for e in edges if inside[e]])
        starts = np.array(([t_aos] if inside[0] else []) + rise_t)
        ends = np.array(set_t + ([t_los] if inside[-1] else []))
        # elevation is unimodal over the pass: a piece's highest point is the TCA if the piece
        # holds it, else its end nearer the TCA
        tcas = np.clip(t_tca, starts, ends)
        m = starts.size
        idx = np.full(3 * m, k_sat, dtype=np.intp)
        view = geometry.look(
            idx, np.full(3 * m, k_sta, dtype=np.intp), np.concatenate((starts, tcas, ends))
        )
        el, az = view.elevation_deg, view.azimuth_deg
        pieces.append(
            PassTable(
                np.full(m, k_sat, dtype=np.intp),
                np.full(m, k_sta, dtype=np.intp),
                {
                    "aos_s": starts,
                    "tca_s": tcas,
                    "los_s": ends,
                    "max_elevation_deg": el[m : 2 * m],
                    "aos_azimuth_deg": az[:m],
                    "tca_azimuth_deg": az[m : 2 * m],
                    "los_azimuth_deg": az[2 * m :],
                },
                (starts == t_aos) & bool(found.clipped_start[row]),
                (ends == t_los) & bool(found.clipped_end[row]),
            )
        )
    return PassTable.concat(pieces)


def _edge_times(
    fun: Callable[[IntArray, Array], Array], t: Array, f: Array, edges: list[int]
) -> list[float]:
    if not edges:
        return []
    e = np.array(edges, dtype=np.intp)

    def sub(rows: IntArray, tt: Array) -> Array:
        return fun(e[rows], tt)

    roots = refine_roots(sub, t[e], t[e + 1], f[e], f[e + 1])
    return [float(x) for x in roots]
