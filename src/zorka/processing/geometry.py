"""A push-broom camera model from orbit and attitude, and RPCs fitted to it.

The rigorous model: image line ``l`` is exposed at ``start + l * line_period_s`` (line centres,
GDAL's convention: ``(0, 0)`` is the centre of the first pixel); at that instant the satellite's
Earth-fixed state comes from SGP4 (TEME rotated to ITRF). The body frame is the orbital frame of
:func:`zorka.geometry.sensor.lvlh_axes` turned by the roll (about ``x``) then the pitch (about the
rolled ``y``), as :func:`zorka.geometry.sensor.pointing` does. The detectors sit on a straight line
in the focal plane across the track: sample ``s`` looks along ``z_b + tan(a) y_b`` with
``tan(a) = (s - (n - 1) / 2) * ifov``, so positive samples look to the right of the track.
A ray meets the ground where it crosses the surface at a geodetic height ``h`` above WGS84.

The RPC (RPC00B, :class:`zorka.products.rpc.RPCModel`) is fitted terrain-independently: the
rigorous model locates a grid of image points at several heights, and least squares fits the
ratios of cubics to that 3-D grid of ground points (with the usual re-weighting by the fitted
denominator, Tao and Hu 2001).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zorka.geometry.sensor import lvlh_axes
from zorka.orbits.frames import WGS84_A_KM, WGS84_F, itrf_to_geodetic, teme_to_itrf
from zorka.orbits.propagation import propagate
from zorka.orbits.satellite import Satellite
from zorka.products.rpc import RPCModel, _terms
from zorka.time import TimeArray

__all__ = ["FitReport", "PushbroomModel", "PushbroomSensor", "fit_rpc"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class PushbroomSensor:
    """A linear detector array: ``detectors`` across the track, ``ifov`` (tangent of one
    detector's angle, radians), a line every ``line_period_s``."""

    detectors: int
    ifov: float
    line_period_s: float

    @classmethod
    def from_swath(
        cls,
        swath_km: float,
        gsd_m: float,
        altitude_km: float,
        ground_speed_km_s: float,
        *,
        detectors: int | None = None,
        line_period_s: float | None = None,
    ) -> PushbroomSensor:
        """The camera that sees ``swath_km`` at ``gsd_m`` from ``altitude_km`` (at nadir): field
        of view from swath and altitude, detector count from swath over gsd, line period from
        ground speed over gsd. ``detectors`` and ``line_period_s`` override (a binned camera,
        like the simulator's raw format, keeps the field of view with fewer detectors)."""
        n = detectors if detectors is not None else max(2, round(swath_km * 1000.0 / gsd_m))
        half_fov = math.atan(swath_km / 2.0 / altitude_km)
        ifov = 2.0 * math.tan(half_fov) / n
        period = line_period_s if line_period_s is not None else gsd_m / 1000.0 / ground_speed_km_s
        return cls(n, ifov, period)

    @classmethod
    def for_orbit(
        cls,
        satellite: Satellite,
        when: datetime,
        swath_km: float,
        gsd_m: float,
        *,
        detectors: int | None = None,
        line_period_s: float | None = None,
    ) -> PushbroomSensor:
        """:meth:`from_swath` with the altitude and ground speed of ``satellite`` at ``when``."""
        times = TimeArray.from_offsets(when, [0.0])
        eph = propagate([satellite], times)
        r, v = teme_to_itrf(eph.position_km[0], eph.velocity_km_s[0], times)
        assert v is not None
        _, _, altitude = itrf_to_geodetic(r[0])
        radius = float(np.linalg.norm(r[0])) - float(altitude)
        speed = float(np.linalg.norm(v[0])) * radius / float(np.linalg.norm(r[0]))
        return cls.from_swath(
            swath_km,
            gsd_m,
            float(altitude),
            speed,
            detectors=detectors,
            line_period_s=line_period_s,
        )

    @property
    def fov_deg(self) -> float:
        """The full field of view across the track."""
        return math.degrees(2.0 * math.atan(self.ifov * self.detectors / 2.0))

    def tan_angle(self, sample: ArrayLike) -> Array:
        """Tangent of the across-track angle of (fractional) samples."""
        return (np.asarray(sample, dtype=np.float64) - (self.detectors - 1) / 2.0) * self.ifov


def _ellipsoid_hit(r: Array, d: Array, height_km: Array) -> Array:
    """First crossing of rays with the ellipsoid of semi-axes ``a + h``, ``b + h``."""
    a = WGS84_A_KM + height_km
    b = WGS84_A_KM * (1.0 - WGS84_F) + height_km
    scale = np.stack((1.0 / a, 1.0 / a, 1.0 / b), axis=-1)
    rs, ds = r * scale, d * scale
    qa = np.einsum("...i,...i->...", ds, ds)
    qb = 2.0 * np.einsum("...i,...i->...", rs, ds)
    qc = np.einsum("...i,...i->...", rs, rs) - 1.0
    disc = qb * qb - 4.0 * qa * qc
    with np.errstate(invalid="ignore"):
        t = (-qb - np.sqrt(disc)) / (2.0 * qa)
    t = np.where((disc >= 0) & (t > 0), t, np.nan)
    return np.asarray(r + t[..., None] * d)


@dataclass(frozen=True)
class PushbroomModel:
    """The rigorous model of one acquisition: a satellite, the first line's time, the attitude
    (roll and pitch, degrees, fixed during the acquisition), the camera and the line count."""

    satellite: Satellite
    start: datetime
    roll_deg: float
    pitch_deg: float
    sensor: PushbroomSensor
    lines: int

    @property
    def samples(self) -> int:
        return self.sensor.detectors

    def state_itrf(self, line: ArrayLike) -> tuple[Array, Array]:
        """Earth-fixed position (km) and Earth-relative velocity (km/s) at (fractional) lines."""
        seconds = np.asarray(line, dtype=np.float64) * self.sensor.line_period_s
        flat = seconds.ravel()
        times = TimeArray.from_offsets(self.start, flat)
        eph = propagate([self.satellite], times)
        if eph.error.any():
            raise ValueError(f"{self.satellite.name}: SGP4 failed: {eph.errors()}")
        r, v = teme_to_itrf(eph.position_km[0], eph.velocity_km_s[0], times)
        assert v is not None
        return r.reshape(*seconds.shape, 3), v.reshape(*seconds.shape, 3)

    def line_of_sight(self, line: ArrayLike, sample: ArrayLike) -> tuple[Array, Array]:
        """Satellite position and unit line of sight (Earth-fixed) of image points."""
        ln, smp = np.broadcast_arrays(
            np.asarray(line, dtype=np.float64), np.asarray(sample, dtype=np.float64)
        )
        r, v = self.state_itrf(ln)
        x, y, z = lvlh_axes(r, v)
        roll, pitch = math.radians(self.roll_deg), math.radians(self.pitch_deg)
        y_r = math.cos(roll) * y - math.sin(roll) * z
        z_r = math.cos(roll) * z + math.sin(roll) * y
        z_b = math.cos(pitch) * z_r + math.sin(pitch) * x
        d = z_b + self.sensor.tan_angle(smp)[..., None] * y_r
        return r, d / np.linalg.norm(d, axis=-1, keepdims=True)

    def image_to_ground(
        self, line: ArrayLike, sample: ArrayLike, height_m: ArrayLike = 0.0
    ) -> tuple[Array, Array]:
        """Latitude and longitude (degrees) where image points meet the surface ``height_m``
        above the ellipsoid (NaN where the ray misses the Earth)."""
        r, d = self.line_of_sight(line, sample)
        h_km = np.broadcast_to(np.asarray(height_m, dtype=np.float64) / 1000.0, r.shape[:-1])
        # the scaled ellipsoid is not the surface of constant geodetic height: correct the
        # height it is asked for until the hit is at the wanted height (millimetres in 3 steps)
        h_eff = h_km.copy()
        for _ in range(4):
            p = _ellipsoid_hit(r, d, h_eff)
            lat, lon, h = itrf_to_geodetic(p)
            h_eff = h_eff + (h_km - h)
        return lat, lon


@dataclass(frozen=True)
class FitReport:
    """How well an RPC reproduces the rigorous model on check points off the fitting grid."""

    rms_px: float
    max_px: float
    check_points: int


def _normalisation(values: Array) -> tuple[float, float]:
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    off = (lo + hi) / 2.0
    return off, max((hi - lo) / 2.0, 1e-9)


def _solve(terms: Array, target: Array, weights: Array) -> tuple[Array, Array]:
    """Linear least squares for ``num / den`` with ``den[0] = 1``: rows ``num.T - t den'.T``."""
    a = np.concatenate([terms.T, -target[:, None] * terms[1:].T], axis=1) * weights[:, None]
    solution, *_ = np.linalg.lstsq(a, target * weights, rcond=1e-14)
    coef = np.asarray(solution, dtype=np.float64)
    return coef[:20], np.concatenate([[1.0], coef[20:]])


def fit_rpc(
    model: PushbroomModel,
    heights_m: tuple[float, float] = (-500.0, 3000.0),
    *,
    grid: int = 15,
    layers: int = 6,
    iterations: int = 3,
) -> tuple[RPCModel, FitReport]:
    """Fit an RPC00B to the rigorous model over the image at heights in ``heights_m``, and
    check it on a staggered grid (image point -> rigorous ground -> RPC -> image)."""
    ln = np.linspace(-0.5, model.lines - 0.5, grid)
    sm = np.linspace(-0.5, model.samples - 0.5, grid)
    hs = np.linspace(heights_m[0], heights_m[1], layers)
    line, sample, height = (a.ravel() for a in np.meshgrid(ln, sm, hs, indexing="ij"))
    lat, lon = model.image_to_ground(line, sample, height)
    ok = np.isfinite(lat)
    line, sample, height, lat, lon = line[ok], sample[ok], height[ok], lat[ok], lon[ok]
    if line.size < 40:
        raise ValueError("too few image points reach the ground to fit an RPC")
    l_off, l_scale = _normalisation(line)
    s_off, s_scale = _normalisation(sample)
    la_off, la_scale = _normalisation(lat)
    lo_off, lo_scale = _normalisation(lon)
    h_off, h_scale = _normalisation(height)
    t = _terms((lon - lo_off) / lo_scale, (lat - la_off) / la_scale, (height - h_off) / h_scale)
    rn = (line - l_off) / l_scale
    cn = (sample - s_off) / s_scale
    w_line = np.ones_like(rn)
    w_samp = np.ones_like(cn)
    for _ in range(iterations):
        line_num, line_den = _solve(t, rn, w_line)
        samp_num, samp_den = _solve(t, cn, w_samp)
        w_line = 1.0 / np.abs(line_den @ t)
        w_samp = 1.0 / np.abs(samp_den @ t)
    rpc = RPCModel(
        line_off=l_off,
        samp_off=s_off,
        lat_off=la_off,
        lon_off=lo_off,
        height_off=h_off,
        line_scale=l_scale,
        samp_scale=s_scale,
        lat_scale=la_scale,
        lon_scale=lo_scale,
        height_scale=h_scale,
        line_num=tuple(float(c) for c in line_num),
        line_den=tuple(float(c) for c in line_den),
        samp_num=tuple(float(c) for c in samp_num),
        samp_den=tuple(float(c) for c in samp_den),
    )
    return rpc, check_rpc(rpc, model, heights_m)


def check_rpc(
    rpc: RPCModel,
    model: PushbroomModel,
    heights_m: tuple[float, float] = (-500.0, 3000.0),
    *,
    points: int = 500,
    seed: int = 0,
) -> FitReport:
    """Image error (pixels) of the RPC at random image points located by the rigorous model."""
    rng = np.random.default_rng(seed)
    line = rng.uniform(-0.5, model.lines - 0.5, points)
    sample = rng.uniform(-0.5, model.samples - 0.5, points)
    height = rng.uniform(heights_m[0], heights_m[1], points)
    lat, lon = model.image_to_ground(line, sample, height)
    r, c = rpc.ground_to_image(lat, lon, height)
    err = np.hypot(r - line, c - sample)
    err = err[np.isfinite(err)]
    return FitReport(float(np.sqrt(np.mean(err**2))), float(err.max()), int(err.size))
