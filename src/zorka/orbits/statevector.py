"""SGP4 mean elements fitted to state vectors (position and velocity at an instant).

Operators and product passports give a satellite's orbit as a state vector, often Earth-fixed;
zorka propagates with SGP4, whose elements are *mean* elements. The two differ by SGP4's own
short-period terms (kilometres in semi-major axis), so the osculating Keplerian elements of the
state are only the starting point: Newton's method on the six elements, with a finite-difference
Jacobian of SGP4 itself, then moves them until SGP4 at the epoch gives back the state, to well
under a millimetre.
With several state vectors the same machinery does a least-squares fit over the arc.

The elements are solved in equinoctial form (``n``, ``e·sin ϖ``, ``e·cos ϖ``, ``tan(i/2)·sin Ω``,
``tan(i/2)·cos Ω``, mean longitude), which stays well conditioned for the near-circular orbits of
Earth-observation satellites, where perigee and mean anomaly separately are not. It fails for
retrograde equatorial orbits (inclination near 180°), and may not converge for deep-space orbits
within a few hundredths of a degree of the equator (SDP4's Lyddane node there is not smooth) or
for perigees that the osculating elements put inside the Earth; no Earth-observation satellite flies
any of those.

A TLE cannot carry a fitted orbit at this precision (angles to 1e-4°, about 10 m): keep fitted
satellites as OMM (:func:`zorka.orbits.omm.write_omm`) or refit them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sgp4.api import WGS72, Satrec

from zorka.orbits.frames import itrf_to_teme
from zorka.orbits.satellite import Satellite
from zorka.time import TimeArray, format_utc, julian_date, parse_utc

__all__ = ["MU_WGS72_KM3_S2", "fit_state_vector", "fit_state_vectors", "osculating_elements"]

MU_WGS72_KM3_S2 = 398600.8  # SGP4's gravity constant (WGS72), so the first guess matches its model

Frame = Literal["ITRF", "TEME"]
Array = NDArray[np.float64]

_EPOCH0 = datetime(1949, 12, 31, tzinfo=UTC)  # sgp4init counts epochs in days from here
_TWO_PI = 2.0 * math.pi
# Finite-difference steps for n (relative) and for the five other elements (absolute): big enough
# to stay clear of SGP4's rounding, small enough for its curvature.
_STEP_N_REL = 1e-8
_STEP = 1e-8


def osculating_elements(
    position_km: ArrayLike, velocity_km_s: ArrayLike, mu_km3_s2: float = MU_WGS72_KM3_S2
) -> dict[str, float]:
    """Osculating Keplerian elements of an inertial (TEME) state vector.

    Returns ``mean_motion_rad_min``, ``eccentricity``, ``inclination_rad``, ``raan_rad``,
    ``arg_perigee_rad`` and ``mean_anomaly_rad``, with perigee and node set to zero where the
    orbit leaves them undefined (circular, equatorial). Raises :class:`ValueError` for an orbit
    that is not bound.
    """
    x = _equinoctial_from_state(
        np.asarray(position_km, float), np.asarray(velocity_km_s, float), mu_km3_s2
    )
    return _classical(x)


def _equinoctial_from_state(r: Array, v: Array, mu: float) -> Array:
    rn = float(np.linalg.norm(r))
    v2 = float(v @ v)
    energy = v2 / 2.0 - mu / rn
    if energy >= 0.0:
        raise ValueError(
            f"the state is not a bound orbit (speed {math.sqrt(v2):.3f} km/s at {rn:.1f} km "
            "from the Earth's centre): check the units (metres, m/s) and the frame"
        )
    a = -mu / (2.0 * energy)
    h = np.cross(r, v)
    w = h / np.linalg.norm(h)
    # direct equinoctial elements: p, q from the orbit normal; f, g span the orbit plane
    p = w[0] / (1.0 + w[2])
    q = -w[1] / (1.0 + w[2])
    s = 1.0 + p * p + q * q
    f = np.array([1.0 - p * p + q * q, 2.0 * p * q, -2.0 * p]) / s
    g = np.array([2.0 * p * q, 1.0 + p * p - q * q, 2.0 * q]) / s
    e_vec = ((v2 - mu / rn) * r - float(r @ v) * v) / mu
    ey, ex = float(e_vec @ g), float(e_vec @ f)  # e sin(varpi), e cos(varpi)
    e = math.hypot(ex, ey)
    varpi = math.atan2(ey, ex)
    true_longitude = math.atan2(float(r @ g), float(r @ f))
    nu = true_longitude - varpi
    big_e = math.atan2(math.sqrt(1.0 - e * e) * math.sin(nu), e + math.cos(nu))
    mean_anomaly = big_e - e * math.sin(big_e)
    n_rad_min = math.sqrt(mu / a**3) * 60.0
    return np.array([n_rad_min, ey, ex, p, q, mean_anomaly + varpi])


def _classical(x: Array) -> dict[str, float]:
    n, ey, ex, p, q, lam = (float(v) for v in x)
    e = math.hypot(ex, ey)
    varpi = math.atan2(ey, ex)
    raan = math.atan2(p, q) % _TWO_PI
    return {
        "mean_motion_rad_min": n,
        "eccentricity": e,
        "inclination_rad": 2.0 * math.atan(math.hypot(p, q)),
        "raan_rad": raan,
        "arg_perigee_rad": (varpi - raan) % _TWO_PI,
        "mean_anomaly_rad": (lam - varpi) % _TWO_PI,
    }


def _satrec(x: Array, norad_id: int, epoch_days: float, bstar: float) -> Satrec | None:
    el = _classical(x)
    if not 0.0 <= el["eccentricity"] < 1.0 or el["mean_motion_rad_min"] <= 0.0:
        return None
    satrec = Satrec()
    satrec.sgp4init(
        WGS72,
        "i",
        norad_id,
        epoch_days,
        bstar,
        0.0,
        0.0,
        el["eccentricity"],
        el["arg_perigee_rad"],
        el["inclination_rad"],
        el["mean_anomaly_rad"],
        el["mean_motion_rad_min"],
        el["raan_rad"],
    )
    return None if satrec.error else satrec


class _Problem:
    """SGP4 states at the sample instants as a function of the six equinoctial elements."""

    def __init__(
        self,
        norad_id: int,
        epoch: datetime,
        times: Sequence[datetime],
        r_km: Array,
        v_km_s: Array,
        bstar: float,
        velocity_weight_s: float,
    ) -> None:
        self.norad_id = norad_id
        self.epoch_days = (epoch - _EPOCH0) / timedelta(days=1)
        split = [julian_date(t) for t in times]
        self.jd = np.array([s[0] for s in split])
        self.fr = np.array([s[1] for s in split])
        self.r = r_km
        self.v = v_km_s
        self.bstar = bstar
        self.velocity_weight_s = velocity_weight_s

    def states(self, x: Array) -> tuple[Array, Array] | None:
        satrec = _satrec(x, self.norad_id, self.epoch_days, self.bstar)
        if satrec is None:
            return None
        err, r, v = satrec.sgp4_array(self.jd, self.fr)
        if np.any(err):
            return None
        return np.asarray(r), np.asarray(v)

    def residual(self, x: Array) -> Array | None:
        got = self.states(x)
        if got is None:
            return None
        r, v = got
        return np.concatenate(
            ((r - self.r).ravel(), ((v - self.v) * self.velocity_weight_s).ravel())
        )


def _steps(x: Array) -> Array:
    return np.array([abs(x[0]) * _STEP_N_REL, _STEP, _STEP, _STEP, _STEP, _STEP])


def _jacobian(problem: _Problem, x: Array) -> Array:
    steps = _steps(x)
    columns = []
    for j, h in enumerate(steps):
        dx = np.zeros(6)
        dx[j] = h
        plus, minus = problem.residual(x + dx), problem.residual(x - dx)
        if plus is None or minus is None:
            raise ValueError("SGP4 fails next to these elements; the state is not a usable orbit")
        columns.append((plus - minus) / (2.0 * h))
    return np.stack(columns, axis=1)


def _solve(problem: _Problem, x0: Array, max_iterations: int) -> Array:
    """Gauss-Newton (Newton when square) with step halving."""
    x = x0.copy()
    res = problem.residual(x)
    if res is None:
        el = _classical(x)
        a_km = (MU_WGS72_KM3_S2 / (el["mean_motion_rad_min"] / 60.0) ** 2) ** (1.0 / 3.0)
        raise ValueError(
            "SGP4 cannot start from the osculating elements of this state (eccentricity "
            f"{el['eccentricity']:.4f}, perigee height "
            f"{a_km * (1.0 - el['eccentricity']) - 6378.135:.0f} km)"
        )
    cost = float(res @ res)
    for _ in range(max_iterations):
        jac = _jacobian(problem, x)
        step = np.linalg.lstsq(jac, -res, rcond=None)[0]
        scale = 1.0
        while scale > 1e-4:
            trial = x + scale * step
            trial_res = problem.residual(trial)
            if trial_res is not None and float(trial_res @ trial_res) < cost:
                break
            scale *= 0.5
        else:
            return x  # no step improves the fit: converged as far as SGP4's rounding allows
        x, res = trial, trial_res
        new_cost = float(res @ res)
        # stop once an iteration gains nothing measurable (below a micrometre)
        if cost - new_cost < 1e-18 * max(1, res.size):
            return x
        cost = new_cost
    return x


def _to_teme(
    times: Sequence[datetime],
    position_m: ArrayLike,
    velocity_m_s: ArrayLike,
    frame: str,
    dut1_s: float | None,
    xp_arcsec: float,
    yp_arcsec: float,
) -> tuple[Array, Array]:
    r_km = np.asarray(position_m, dtype=np.float64).reshape(-1, 3) / 1000.0
    v_km_s = np.asarray(velocity_m_s, dtype=np.float64).reshape(-1, 3) / 1000.0
    if r_km.shape != v_km_s.shape or r_km.shape[0] != len(times):
        raise ValueError(
            f"{len(times)} epochs, {r_km.shape[0]} positions and {v_km_s.shape[0]} velocities: "
            "give one position and one velocity per epoch"
        )
    if not np.all(np.isfinite(r_km)) or not np.all(np.isfinite(v_km_s)):
        raise ValueError("state vectors hold NaN or infinite values")
    radius = np.linalg.norm(r_km, axis=1)
    if np.any(radius < 6300.0) or np.any(radius > 500000.0):
        raise ValueError(
            f"position {radius.min() * 1000:.0f} m from the Earth's centre is not an orbit; "
            "positions are in metres from the centre"
        )
    if frame == "TEME":
        return r_km, v_km_s
    if frame == "ITRF":
        r_teme, v_teme = itrf_to_teme(
            r_km,
            v_km_s,
            TimeArray.from_datetimes(times),
            dut1_s=dut1_s,
            xp_arcsec=xp_arcsec,
            yp_arcsec=yp_arcsec,
        )
        assert v_teme is not None
        return r_teme, v_teme
    raise ValueError(f"frame {frame!r} is not ITRF (Earth-fixed) or TEME (SGP4's inertial frame)")


def _fit(
    name: str,
    norad_id: int,
    epoch: datetime,
    times: list[datetime],
    r_km: Array,
    v_km_s: Array,
    bstar: float,
    max_iterations: int,
) -> tuple[Satellite, Array]:
    if not 0 <= norad_id <= 339999:
        raise ValueError(f"NORAD id {norad_id} is outside 0..339999, the range SGP4 takes")
    # the sample nearest the epoch gives the osculating first guess
    nearest = int(np.argmin([abs((t - epoch).total_seconds()) for t in times]))
    x0 = _equinoctial_from_state(r_km[nearest], v_km_s[nearest], MU_WGS72_KM3_S2)
    # shift its mean longitude to the epoch, so that an arc not starting there begins close
    x0[5] -= x0[0] * (times[nearest] - epoch).total_seconds() / 60.0
    # Velocity residuals weigh as position residuals over 1/n (a radian of orbit), the scale at
    # which the two say the same thing about the elements.
    problem = _Problem(norad_id, epoch, times, r_km, v_km_s, bstar, 60.0 / x0[0])
    x = _solve(problem, x0, max_iterations)
    satrec = _satrec(x, norad_id, problem.epoch_days, bstar)
    got = problem.states(x)
    if satrec is None or got is None:
        raise ValueError("the fit left SGP4 with elements it cannot propagate")
    miss_m = np.linalg.norm(got[0] - r_km, axis=1) * 1000.0
    return Satellite(name, norad_id, satrec, "state vector fit"), miss_m


def fit_state_vector(
    name: str,
    norad_id: int,
    epoch: datetime | str,
    position_m: ArrayLike,
    velocity_m_s: ArrayLike,
    frame: Frame | str = "ITRF",
    *,
    bstar: float = 0.0,
    dut1_s: float | None = None,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
    max_iterations: int = 30,
    tolerance_m: float = 0.01,
) -> Satellite:
    """A satellite whose SGP4 state at ``epoch`` is the given one.

    ``position_m`` and ``velocity_m_s`` are in ``frame``: ``"ITRF"`` (Earth-fixed, velocity
    relative to the rotating Earth, as product passports give it) or ``"TEME"``. ``bstar``
    (1/earth radii) is kept fixed; zero means no drag, right for arcs of hours, not weeks.
    ``dut1_s`` (UT1-UTC, by default from zorka's IERS table) and the pole coordinates go to the
    ITRF->TEME rotation. The SGP4 position misses the given one by
    :attr:`Satellite.fit_residual_m`, typically micrometres; more than ``tolerance_m`` raises
    :class:`ValueError`.
    """
    when = parse_utc(epoch, field="epoch")
    r_km, v_km_s = _to_teme([when], position_m, velocity_m_s, frame, dut1_s, xp_arcsec, yp_arcsec)
    sat, miss_m = _fit(name, norad_id, when, [when], r_km, v_km_s, bstar, max_iterations)
    residual = float(miss_m[0])
    if residual > tolerance_m:
        raise ValueError(
            f"state vector fit for {name} did not converge: SGP4 misses the state by "
            f"{residual:.3g} m after {max_iterations} iterations"
        )
    sat.fit_residual_m = residual
    stamp = format_utc(when, digits=6)
    sat.source = f"state vector fit ({frame.upper()}, {stamp}), residual {residual:.2g} m"
    return sat


def fit_state_vectors(
    name: str,
    norad_id: int,
    epochs: Sequence[datetime | str],
    positions_m: ArrayLike,
    velocities_m_s: ArrayLike,
    frame: Frame | str = "ITRF",
    *,
    epoch: datetime | str | None = None,
    bstar: float = 0.0,
    dut1_s: float | None = None,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
    max_iterations: int = 30,
) -> Satellite:
    """A satellite fitted by least squares to several state vectors of one arc.

    ``positions_m`` and ``velocities_m_s`` are ``(n, 3)``, one row per epoch, in ``frame`` (see
    :func:`fit_state_vector`). The elements' epoch is ``epoch``, by default the first of
    ``epochs``. Velocities weigh as positions over one radian of orbit. The root-mean-square
    position miss over the arc becomes :attr:`Satellite.fit_residual_m`; it measures how well SGP4
    follows the arc, so it is reported, never refused.
    """
    times = [parse_utc(t, field="epochs") for t in epochs]
    if not times:
        raise ValueError("no state vectors to fit")
    when = times[0] if epoch is None else parse_utc(epoch, field="epoch")
    r_km, v_km_s = _to_teme(times, positions_m, velocities_m_s, frame, dut1_s, xp_arcsec, yp_arcsec)
    sat, miss_m = _fit(name, norad_id, when, times, r_km, v_km_s, bstar, max_iterations)
    rms = float(np.sqrt(np.mean(miss_m**2)))
    sat.fit_residual_m = rms
    span = f"{format_utc(min(times))} to {format_utc(max(times))}"
    sat.source = (
        f"state vector fit to {len(times)} vectors ({frame.upper()}, {span}), "
        f"residual {rms:.2g} m RMS, {float(miss_m.max()):.2g} m max"
    )
    return sat
