"""The rational polynomial camera model (RPC00B term order, 20 terms, normalised coordinates).

An RPC maps ground ``(lat, lon, height)`` to image ``(line, sample)`` as a ratio of two cubic
polynomials in normalised coordinates, one ratio for the line and one for the sample. The
coefficient order is the RPC00B one used by NITF, GDAL and the BKA frame passports:

    1, L, P, H, LP, LH, PH, L², P², H², PLH, L³, LP², LH², L²P, P³, PH², L²H, P²H, H³

with ``P`` normalised latitude, ``L`` normalised longitude and ``H`` normalised height. Pixel
coordinates follow GDAL's convention: ``(0, 0)`` is the centre of the first pixel, so an image of
``width × height`` pixels spans ``-0.5 .. width - 0.5`` in samples.

Everything here takes and returns numpy arrays (scalars broadcast), so a frame outline or a grid
of a million points is one call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

__all__ = ["RPCModel", "union_footprint"]

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

N_TERMS = 20


def _terms(L: FloatArray, P: FloatArray, H: FloatArray) -> FloatArray:
    """The 20 RPC00B monomials, stacked on a new first axis."""
    return np.stack(
        [
            np.ones_like(L),
            L,
            P,
            H,
            L * P,
            L * H,
            P * H,
            L * L,
            P * P,
            H * H,
            P * L * H,
            L * L * L,
            L * P * P,
            L * H * H,
            L * L * P,
            P * P * P,
            P * H * H,
            L * L * H,
            P * P * H,
            H * H * H,
        ]
    )


@dataclass(frozen=True)
class RPCModel:
    """One RPC camera model: offsets and scales, and the four 20-term coefficient vectors.

    Latitudes and longitudes are in degrees (WGS84), heights in metres above the ellipsoid,
    lines and samples in pixels.
    """

    line_off: float
    samp_off: float
    lat_off: float
    lon_off: float
    height_off: float
    line_scale: float
    samp_scale: float
    lat_scale: float
    lon_scale: float
    height_scale: float
    line_num: tuple[float, ...]
    line_den: tuple[float, ...]
    samp_num: tuple[float, ...]
    samp_den: tuple[float, ...]

    def __post_init__(self) -> None:
        for name in ("line_num", "line_den", "samp_num", "samp_den"):
            n = len(getattr(self, name))
            if n != N_TERMS:
                raise ValueError(f"RPC {name} has {n} coefficients, expected {N_TERMS}")
        for name in ("line_scale", "samp_scale", "lat_scale", "lon_scale", "height_scale"):
            if getattr(self, name) == 0:
                raise ValueError(f"RPC {name} is zero")

    @classmethod
    def from_gdal(cls, metadata: Mapping[str, str]) -> RPCModel:
        """Build a model from GDAL's RPC metadata domain (``LINE_OFF``, ``LINE_NUM_COEFF``...)."""

        def coeffs(key: str) -> tuple[float, ...]:
            return tuple(float(v) for v in metadata[key].split())

        return cls(
            line_off=float(metadata["LINE_OFF"]),
            samp_off=float(metadata["SAMP_OFF"]),
            lat_off=float(metadata["LAT_OFF"]),
            lon_off=float(metadata["LONG_OFF"]),
            height_off=float(metadata["HEIGHT_OFF"]),
            line_scale=float(metadata["LINE_SCALE"]),
            samp_scale=float(metadata["SAMP_SCALE"]),
            lat_scale=float(metadata["LAT_SCALE"]),
            lon_scale=float(metadata["LONG_SCALE"]),
            height_scale=float(metadata["HEIGHT_SCALE"]),
            line_num=coeffs("LINE_NUM_COEFF"),
            line_den=coeffs("LINE_DEN_COEFF"),
            samp_num=coeffs("SAMP_NUM_COEFF"),
            samp_den=coeffs("SAMP_DEN_COEFF"),
        )

    def to_gdal(self) -> dict[str, str]:
        """The model as GDAL's RPC metadata domain (also the STAC ``rpc`` asset's content)."""

        def join(values: tuple[float, ...]) -> str:
            return " ".join(repr(v) for v in values)

        return {
            "LINE_OFF": repr(self.line_off),
            "SAMP_OFF": repr(self.samp_off),
            "LAT_OFF": repr(self.lat_off),
            "LONG_OFF": repr(self.lon_off),
            "HEIGHT_OFF": repr(self.height_off),
            "LINE_SCALE": repr(self.line_scale),
            "SAMP_SCALE": repr(self.samp_scale),
            "LAT_SCALE": repr(self.lat_scale),
            "LONG_SCALE": repr(self.lon_scale),
            "HEIGHT_SCALE": repr(self.height_scale),
            "LINE_NUM_COEFF": join(self.line_num),
            "LINE_DEN_COEFF": join(self.line_den),
            "SAMP_NUM_COEFF": join(self.samp_num),
            "SAMP_DEN_COEFF": join(self.samp_den),
        }

    @cached_property
    def _coefficients(self) -> FloatArray:
        return np.array([self.line_num, self.line_den, self.samp_num, self.samp_den])

    def _normalised(
        self, P: FloatArray, L: FloatArray, H: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        num_den = np.tensordot(self._coefficients, _terms(L, P, H), axes=1)
        return num_den[0] / num_den[1], num_den[2] / num_den[3]

    def ground_to_image(
        self, lat_deg: ArrayLike, lon_deg: ArrayLike, height_m: ArrayLike
    ) -> tuple[FloatArray, FloatArray]:
        """Project ground points to image ``(line, sample)``; inputs broadcast together."""
        lat, lon, h = np.broadcast_arrays(
            np.asarray(lat_deg, float), np.asarray(lon_deg, float), np.asarray(height_m, float)
        )
        P = (lat - self.lat_off) / self.lat_scale
        L = (lon - self.lon_off) / self.lon_scale
        H = (h - self.height_off) / self.height_scale
        r, c = self._normalised(P, L, H)
        return r * self.line_scale + self.line_off, c * self.samp_scale + self.samp_off

    def image_to_ground(
        self,
        line: ArrayLike,
        sample: ArrayLike,
        height_m: ArrayLike | None = None,
        *,
        tolerance_px: float = 1e-6,
        max_iterations: int = 30,
    ) -> tuple[FloatArray, FloatArray]:
        """Locate image points on the ground at a given height (default: the RPC's height offset).

        The forward model is inverted by Newton's method with a finite-difference Jacobian, all
        points at once. Points that have not converged to ``tolerance_px`` (in image pixels)
        after ``max_iterations`` come back as NaN rather than as a wrong answer.
        """
        h_in = self.height_off if height_m is None else height_m
        r_target, c_target, h = np.broadcast_arrays(
            np.asarray(line, float), np.asarray(sample, float), np.asarray(h_in, float)
        )
        # Work in normalised units, where the model is close to linear with slope near one.
        rt = (r_target - self.line_off) / self.line_scale
        ct = (c_target - self.samp_off) / self.samp_scale
        H = (h - self.height_off) / self.height_scale
        P = np.zeros_like(rt)
        L = np.zeros_like(rt)
        step = 1e-6
        tol_r = tolerance_px / abs(self.line_scale)
        tol_c = tolerance_px / abs(self.samp_scale)
        # Far outside the model's domain the polynomials overflow; such points end as NaN
        # through the convergence test, so the floating-point warnings carry no news.
        with np.errstate(all="ignore"):
            for _ in range(max_iterations):
                r0, c0 = self._normalised(P, L, H)
                dr, dc = rt - r0, ct - c0
                if ((np.abs(dr) < tol_r) & (np.abs(dc) < tol_c)).all():
                    break
                r_p, c_p = self._normalised(P + step, L, H)
                r_l, c_l = self._normalised(P, L + step, H)
                a, b = (r_p - r0) / step, (r_l - r0) / step
                c, d = (c_p - c0) / step, (c_l - c0) / step
                det = a * d - b * c
                P = P + (d * dr - b * dc) / det
                L = L + (a * dc - c * dr) / det
            r0, c0 = self._normalised(P, L, H)
            converged = (np.abs(rt - r0) < tol_r) & (np.abs(ct - c0) < tol_c)
        lat = np.where(converged, P * self.lat_scale + self.lat_off, np.nan)
        lon = np.where(converged, L * self.lon_scale + self.lon_off, np.nan)
        return lat, lon

    def footprint(
        self,
        width: int,
        height: int,
        height_m: float | None = None,
        *,
        points_per_edge: int = 16,
        last_line: float | None = None,
    ) -> Polygon:
        """The ground outline of a ``width × height`` pixel image, as a lon/lat polygon.

        Each edge is sampled at ``points_per_edge`` points, because an RPC's edges are curves:
        four corners alone would cut off the bulge of a wide frame. ``last_line`` (a pixel
        centre, default ``height - 1``) clips the outline after that line: the part of the
        image a product actually contains.
        """
        t = np.linspace(0.0, 1.0, points_per_edge, endpoint=False)
        r_max = (height - 1 if last_line is None else last_line) + 0.5
        c_max = width - 0.5
        span = r_max + 0.5
        lines = np.concatenate(
            [np.full_like(t, -0.5), -0.5 + t * span, np.full_like(t, r_max), r_max - t * span]
        )
        samples = np.concatenate(
            [-0.5 + t * width, np.full_like(t, c_max), c_max - t * width, np.full_like(t, -0.5)]
        )
        lat, lon = self.image_to_ground(lines, samples, height_m)
        if np.isnan(lat).any():
            raise ValueError("RPC inversion did not converge on the image outline")
        polygon = Polygon(np.column_stack([lon, lat]))
        # The ring's direction depends on the sensor's scan direction; GeoJSON wants CCW.
        return orient(polygon, sign=1.0)


def union_footprint(footprints: Iterable[BaseGeometry]) -> BaseGeometry:
    """The union of frame footprints: a bundle's footprint. A Polygon when the frames overlap."""
    return shapely.union_all(list(footprints))
