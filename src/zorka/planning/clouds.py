"""A gridded cloud forecast: the chance of cloud on a latitude/longitude grid at a few times.

A forecast file is JSON (``zorka schema clouds``): ascending ``lat`` and ``lon`` (degrees), the
``times`` (ISO-8601 UTC, ascending) and ``probability[t][i][j]`` (0..1) at ``times[t]``,
``lat[i]``, ``lon[j]``; or NPZ with the same arrays (``times`` as seconds since the Unix epoch);
or CSV with a ``lat,lon,time,probability`` header and one line per grid node and time.

The forecast is bilinear in space and linear in time, held constant beyond the grid's edges.
:func:`apply_clouds` gives every request without its own ``cloud_probability`` the forecast's
mean over the request's window (inside the horizon) at its point, or its area's centroid: the
planners, the plan's copy of the requests and the checker then all count the same value.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely.geometry
from numpy.typing import NDArray
from pydantic import BaseModel, Field, ValidationError

from zorka.mission.fields import SPEC_CONFIG, UtcTime
from zorka.mission.schemas import register_schema
from zorka.planning.requests import Request, RequestSet
from zorka.time import parse_utc

__all__ = [
    "CloudFile",
    "CloudForecast",
    "apply_clouds",
    "clouds_json_schema",
    "read_clouds",
]

Array = NDArray[np.float64]

#: How many instants of a request's window the forecast is averaged over.
WINDOW_SAMPLES = 25


class CloudFile(BaseModel):
    """A cloud forecast file (JSON form)."""

    model_config = SPEC_CONFIG

    description: str | None = Field(default=None, description="what forecast this is")
    lat: list[float] = Field(min_length=1, description="grid latitudes, ascending, degrees")
    lon: list[float] = Field(min_length=1, description="grid longitudes, ascending, degrees")
    times: list[UtcTime] = Field(min_length=1, description="forecast times, ascending, UTC")
    probability: list[list[list[float]]] = Field(
        description="chance of cloud (0..1), indexed [time][lat][lon]"
    )


@dataclass(frozen=True)
class CloudForecast:
    """Chance of cloud on a grid: ``probability[t, i, j]`` at ``times_s[t]`` (Unix seconds),
    ``lat[i]``, ``lon[j]``."""

    lat: Array
    lon: Array
    times_s: Array
    probability: Array

    def __post_init__(self) -> None:
        shape = (self.times_s.size, self.lat.size, self.lon.size)
        if self.probability.shape != shape:
            raise ValueError(f"probability has shape {self.probability.shape}, not {shape}")
        for name, axis in (("lat", self.lat), ("lon", self.lon), ("times", self.times_s)):
            if axis.size == 0 or np.any(np.diff(axis) <= 0):
                raise ValueError(f"{name} must be non-empty and strictly ascending")
        if not np.all(np.isfinite(self.probability)) or np.any(
            (self.probability < 0) | (self.probability > 1)
        ):
            raise ValueError("probabilities must be between 0 and 1")

    def at(self, lat_deg: float, lon_deg: float, when: datetime) -> float:
        """The chance of cloud at a place and time."""
        t = when.timestamp()
        ti, tw = _bracket(self.times_s, t)
        ii, iw = _bracket(self.lat, lat_deg)
        ji, jw = _bracket(self.lon, lon_deg)

        def spatial(k: int) -> float:
            g = self.probability[k]
            a = (1 - jw) * g[ii, ji] + jw * g[ii, ji + 1 if jw > 0 else ji]
            b = (1 - jw) * g[ii + 1 if iw > 0 else ii, ji] + jw * g[
                ii + 1 if iw > 0 else ii, ji + 1 if jw > 0 else ji
            ]
            return float((1 - iw) * a + iw * b)

        p0 = spatial(ti)
        if tw == 0:
            return p0
        return (1 - tw) * p0 + tw * spatial(ti + 1)

    def mean(self, lat_deg: float, lon_deg: float, t0: datetime, t1: datetime) -> float:
        """The chance of cloud at a place, averaged over ``[t0, t1]``."""
        if t1 <= t0:
            return self.at(lat_deg, lon_deg, t0)
        step = (t1 - t0) / (WINDOW_SAMPLES - 1)
        return float(
            np.mean([self.at(lat_deg, lon_deg, t0 + k * step) for k in range(WINDOW_SAMPLES)])
        )


def _bracket(axis: Array, x: float) -> tuple[int, float]:
    """The index below ``x`` on ``axis`` and the weight of the one above (0 beyond the ends)."""
    if axis.size == 1 or x <= axis[0]:
        return 0, 0.0
    if x >= axis[-1]:
        return axis.size - 1, 0.0
    i = int(np.searchsorted(axis, x, side="right")) - 1
    return i, float((x - axis[i]) / (axis[i + 1] - axis[i]))


def _from_model(doc: CloudFile) -> CloudForecast:
    return CloudForecast(
        np.asarray(doc.lat, dtype=float),
        np.asarray(doc.lon, dtype=float),
        np.asarray([t.timestamp() for t in doc.times], dtype=float),
        np.asarray(doc.probability, dtype=float),
    )


def _from_csv(text: str) -> CloudForecast:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"lat", "lon", "time", "probability"} <= set(rows[0]):
        raise ValueError("a CSV forecast needs the columns lat,lon,time,probability")
    values: dict[tuple[float, float, float], float] = {}
    for n, row in enumerate(rows, start=2):
        try:
            key = (
                float(row["time"])
                if _is_number(row["time"])
                else parse_utc(row["time"]).timestamp(),
                float(row["lat"]),
                float(row["lon"]),
            )
            values[key] = float(row["probability"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"line {n}: {exc}") from None
    times = sorted({k[0] for k in values})
    lats = sorted({k[1] for k in values})
    lons = sorted({k[2] for k in values})
    grid = np.full((len(times), len(lats), len(lons)), np.nan)
    for (t, la, lo), p in values.items():
        grid[times.index(t), lats.index(la), lons.index(lo)] = p
    if np.isnan(grid).any():
        raise ValueError("the CSV does not give every (lat, lon, time) node of its grid")
    return CloudForecast(np.array(lats), np.array(lons), np.array(times), grid)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_clouds(source: str | Path | Mapping[str, Any]) -> CloudForecast:
    """A forecast from a file (JSON, NPZ or CSV, by suffix) or from parsed JSON data.

    Raises ``ValueError`` saying what is wrong.
    """
    try:
        if isinstance(source, Mapping):
            return _from_model(CloudFile.model_validate(dict(source)))
        path = Path(source)
        suffix = path.suffix.lower()
        if suffix == ".npz":
            with np.load(path) as data:
                return CloudForecast(
                    np.asarray(data["lat"], dtype=float),
                    np.asarray(data["lon"], dtype=float),
                    np.asarray(data["times"], dtype=float),
                    np.asarray(data["probability"], dtype=float),
                )
        text = path.read_text(encoding="utf-8")
        if suffix == ".csv":
            return _from_csv(text)
        return _from_model(CloudFile.model_validate(json.loads(text)))
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e["loc"])
        raise ValueError(f"{where}: {e['msg']}") from None
    except (OSError, KeyError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read the forecast: {exc}") from None


def _location(request: Request) -> tuple[float, float]:
    """Latitude and longitude of a point, or of an area's centroid, degrees."""
    shape = shapely.geometry.shape(request.geometry.model_dump())
    c = shape.centroid
    return float(c.y), float(c.x)


def apply_clouds(
    requests: RequestSet, forecast: CloudForecast, start: datetime, end: datetime
) -> RequestSet:
    """The requests, each without its own ``cloud_probability`` given the forecast's mean over
    its window inside ``[start, end]`` at its location (a request's own probability wins)."""
    out = []
    for r in requests.requests:
        if r.cloud_probability is not None:
            out.append(r)
            continue
        t0, t1 = max(r.earliest, start), min(r.latest, end)
        if t1 < t0:
            t0 = t1 = r.earliest
        lat, lon = _location(r)
        p = round(min(1.0, max(0.0, forecast.mean(lat, lon, t0, t1))), 6)
        out.append(r.model_copy(update={"cloud_probability": p}))
    return requests.model_copy(update={"requests": out})


def clouds_json_schema() -> dict[str, Any]:
    """The JSON Schema of cloud forecast files (draft 2020-12), JSON form."""
    schema = CloudFile.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "zorka cloud forecast",
        **{key: value for key, value in schema.items() if key != "title"},
    }


register_schema(
    "clouds",
    "cloud forecasts: chance of cloud on a lat/lon grid at forecast times (JSON, NPZ or CSV)",
    "zorka.planning.clouds:clouds_json_schema",
)
