"""Imaging targets: points and areas on the WGS84 ellipsoid, and reading them from GeoJSON.

An area is kept as a shapely polygon in longitude/latitude degrees over a *continuous* longitude
range: a polygon that crosses the antimeridian runs past 180 (say 177..182) instead of being split,
so that shapely's planar operations see one connected shape. GeoJSON output splits it again at
±180 as RFC 7946 asks (:func:`to_geojson_geometry`). Areas and every other metric computation go
through a Lambert azimuthal equal-area projection centred on the target (pyproj, on the WGS84
ellipsoid), whose areas are exact and whose distortion stays small over a country.

GeoJSON edges are straight lines in longitude/latitude (RFC 7946, section 3.1.1); before a polygon
is projected its edges are cut into pieces of at most :data:`DENSIFY_DEG`, so that the projected
polygon follows those straight lines and not the chords between the projected corners.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry

from zorka.orbits.frames import enu_matrix, geodetic_to_itrf

__all__ = [
    "DENSIFY_DEG",
    "AreaTarget",
    "PointTarget",
    "Target",
    "TargetError",
    "read_targets",
    "to_geojson_geometry",
]

Array = NDArray[np.float64]

#: Longest edge (degrees of longitude/latitude) kept when a polygon is projected: about 5 km.
DENSIFY_DEG = 0.05


@dataclass(frozen=True)
class TargetError:
    """A GeoJSON feature that was refused: its index in the input, its name if it had one, why."""

    index: int
    name: str | None
    reason: str

    def __str__(self) -> str:
        who = f"feature {self.index}" + (f" ({self.name!r})" if self.name else "")
        return f"{who}: {self.reason}"


def _check_overrides(
    where: str, max_off_nadir_deg: float | None, min_sun_elevation_deg: float | None
) -> None:
    if max_off_nadir_deg is not None and not 0.0 <= max_off_nadir_deg < 90.0:
        raise ValueError(f"{where}: max_off_nadir_deg {max_off_nadir_deg} is outside 0..90 degrees")
    if min_sun_elevation_deg is not None and not -90.0 <= min_sun_elevation_deg <= 90.0:
        raise ValueError(
            f"{where}: min_sun_elevation_deg {min_sun_elevation_deg} is outside -90..90 degrees"
        )


@dataclass(frozen=True)
class PointTarget:
    """A point to image: WGS84 geodetic position.

    ``max_off_nadir_deg`` and ``min_sun_elevation_deg``, when set, are this request's own limits
    (a customer may accept at most 15° off nadir); they tighten, never loosen, a sensor's.
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float = 0.0
    max_off_nadir_deg: float | None = None
    min_sun_elevation_deg: float | None = None
    properties: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        where = f"target {self.name!r}"
        if not -90.0 <= self.latitude_deg <= 90.0:
            raise ValueError(f"{where}: latitude {self.latitude_deg} is outside -90..90 degrees")
        if not -180.0 <= self.longitude_deg <= 180.0:
            raise ValueError(
                f"{where}: longitude {self.longitude_deg} is outside -180..180 degrees"
            )
        if not -500.0 <= self.altitude_m <= 9000.0:
            raise ValueError(f"{where}: altitude {self.altitude_m} m is outside -500..9000 m")
        _check_overrides(where, self.max_off_nadir_deg, self.min_sun_elevation_deg)

    @property
    def position_km(self) -> Array:
        """Earth-fixed position (km)."""
        return geodetic_to_itrf(self.latitude_deg, self.longitude_deg, self.altitude_m / 1000.0)

    @property
    def enu(self) -> Array:
        """Rows east, north, up of the local horizon, Earth-fixed (3 × 3)."""
        return enu_matrix(self.latitude_deg, self.longitude_deg)


def _shift(geometry: BaseGeometry, dlon: float) -> BaseGeometry:
    return shapely.transform(geometry, lambda xy: xy + np.array([dlon, 0.0]))


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.is_empty else []
    if isinstance(geometry, MultiPolygon):
        return [p for p in geometry.geoms if not p.is_empty]
    if hasattr(geometry, "geoms"):
        return [p for g in geometry.geoms for p in _polygons(g)]
    return []


def _unwrapped_ring(coords: ArrayLike) -> Array:
    xy = np.array(coords, dtype=np.float64)[:, :2]
    # a step of more than 180° between neighbours is a jump across the antimeridian, not a real
    # edge spanning half the globe: continue the longitude past ±180 instead
    xy[:, 0] = np.unwrap(xy[:, 0], period=360.0)
    return xy


def _continuous_polygon(polygon: Polygon) -> Polygon:
    shell = _unwrapped_ring(polygon.exterior.coords)
    if abs(shell[-1, 0] - shell[0, 0]) > 1e-9:
        raise ValueError("the outer ring goes round a pole; split the area into smaller polygons")
    centre = 0.5 * (shell[:, 0].min() + shell[:, 0].max())
    holes = []
    for ring in polygon.interiors:
        hole = _unwrapped_ring(ring.coords)
        mid = 0.5 * (hole[:, 0].min() + hole[:, 0].max())
        hole[:, 0] += 360.0 * round((centre - mid) / 360.0)
        holes.append(hole)
    return Polygon(shell, holes)


def _continuous(geometry: BaseGeometry) -> Polygon | MultiPolygon:
    """The polygon(s) over one continuous longitude range, parts split at ±180 joined again."""
    parts = [_continuous_polygon(p) for p in _polygons(geometry)]
    if not parts:
        raise ValueError("the geometry holds no polygon")
    if len(parts) == 1:
        joined: BaseGeometry = parts[0]
    else:
        # move every part to the side of the antimeridian where the largest one lies
        ref = max(parts, key=lambda p: p.area).centroid.x
        moved = [_shift(p, 360.0 * round((ref - p.centroid.x) / 360.0)) for p in parts]
        joined = shapely.union_all(moved)
    # keep the centre of the range inside -180..180
    mid = 0.5 * (joined.bounds[0] + joined.bounds[2])
    if not -180.0 <= mid <= 180.0:
        joined = _shift(joined, -360.0 * math.floor((mid + 180.0) / 360.0))
    out = _polygons(joined)
    return out[0] if len(out) == 1 else MultiPolygon(out)


def to_geojson_geometry(geometry: BaseGeometry) -> dict[str, Any]:
    """A lon/lat polygon (continuous longitudes, possibly past ±180) as an RFC 7946 GeoJSON
    geometry: longitudes within -180..180, split at the antimeridian into a MultiPolygon."""
    pieces: list[Polygon] = []
    west, _, east, _ = geometry.bounds
    for k in range(math.floor((west + 180.0) / 360.0), math.floor((east + 180.0) / 360.0) + 1):
        lo = -180.0 + 360.0 * k
        part = geometry.intersection(box(lo, -90.0, lo + 360.0, 90.0))
        pieces.extend(_polygons(_shift(part, -360.0 * k)))
    if not pieces:
        return {"type": "Polygon", "coordinates": []}
    if len(pieces) == 1:
        return dict(mapping(shapely.set_precision(pieces[0], 0.0)))
    return dict(mapping(MultiPolygon(pieces)))


@dataclass(frozen=True, eq=False)
class AreaTarget:
    """An area to image: a polygon in longitude/latitude degrees (WGS84, on the ellipsoid).

    The polygon given may cross the antimeridian in any of the usual ways (split into parts at
    ±180 as RFC 7946 does, or with longitudes running past ±180, or jumping across it); it is kept
    joined over a continuous longitude range (:attr:`polygon`). Limits as for
    :class:`PointTarget`.
    """

    name: str
    polygon: Polygon | MultiPolygon
    max_off_nadir_deg: float | None = None
    min_sun_elevation_deg: float | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"target {self.name!r}"
        _check_overrides(where, self.max_off_nadir_deg, self.min_sun_elevation_deg)
        if not isinstance(self.polygon, Polygon | MultiPolygon) or self.polygon.is_empty:
            raise ValueError(f"{where}: an area needs a non-empty Polygon or MultiPolygon")
        for p in _polygons(self.polygon):
            for ring in (p.exterior, *p.interiors):
                _, lat = ring.xy
                if min(lat) < -90.0 or max(lat) > 90.0:
                    raise ValueError(f"{where}: latitudes must be within -90..90 degrees")
        try:
            joined = _continuous(self.polygon)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        reason = shapely.is_valid_reason(joined)
        if reason != "Valid Geometry":
            raise ValueError(f"{where}: the polygon is not valid: {_explain(reason)}")
        if joined.area <= 0.0:
            raise ValueError(f"{where}: the polygon has no area")
        west, _, east, _ = joined.bounds
        if east - west > 180.0:
            raise ValueError(
                f"{where}: the area spans {east - west:.0f}° of longitude; areas wider than a"
                " hemisphere are not supported, split it"
            )
        object.__setattr__(self, "polygon", joined)

    @cached_property
    def centre(self) -> tuple[float, float]:
        """Latitude and longitude (degrees, longitude within -180..180) of the area's centroid."""
        c = self.polygon.centroid
        return float(c.y), float((c.x + 180.0) % 360.0 - 180.0)

    @cached_property
    def _to_local(self) -> Transformer:
        lat, lon = self.centre
        laea = f"+proj=laea +lat_0={lat:.9f} +lon_0={lon:.9f} +ellps=WGS84 +units=km +no_defs"
        return Transformer.from_crs("EPSG:4326", laea, always_xy=True)

    def to_local(self, geometry: BaseGeometry) -> BaseGeometry:
        """A lon/lat geometry (continuous longitudes) in the target's equal-area plane (km)."""
        t = self._to_local
        return shapely.transform(
            geometry, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))
        )

    def local_xy(self, longitude_deg: ArrayLike, latitude_deg: ArrayLike) -> tuple[Array, Array]:
        """Points in the target's equal-area plane (km)."""
        x, y = self._to_local.transform(
            np.asarray(longitude_deg, dtype=np.float64), np.asarray(latitude_deg, dtype=np.float64)
        )
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    @cached_property
    def densified(self) -> Polygon | MultiPolygon:
        """The polygon with no edge longer than :data:`DENSIFY_DEG` (same shape, lon/lat)."""
        out = shapely.segmentize(self.polygon, DENSIFY_DEG)
        assert isinstance(out, Polygon | MultiPolygon)
        return out

    @cached_property
    def local(self) -> BaseGeometry:
        """The polygon in the target's equal-area plane (km), edges following lon/lat lines."""
        return self.to_local(self.densified)

    @cached_property
    def area_km2(self) -> float:
        """The area on the WGS84 ellipsoid, square kilometres."""
        return float(self.local.area)

    @cached_property
    def radius_km(self) -> float:
        """The largest distance (km, in the equal-area plane) from the centre to the boundary."""
        pts = shapely.get_coordinates(self.local)
        return float(np.max(np.hypot(pts[:, 0], pts[:, 1])))

    def covers(self, longitude_deg: float, latitude_deg: float) -> bool:
        """True when a point (longitude in any 360° convention) lies in the area or on its edge."""
        return any(
            self.polygon.covers(Point(longitude_deg + 360.0 * k, latitude_deg)) for k in (-1, 0, 1)
        )

    def to_geojson(self) -> dict[str, Any]:
        """The target as a GeoJSON Feature (RFC 7946: split at the antimeridian)."""
        props = dict(self.properties)
        props["name"] = self.name
        return {
            "type": "Feature",
            "id": self.name,
            "properties": props,
            "geometry": to_geojson_geometry(self.polygon),
        }


Target = PointTarget | AreaTarget


def _explain(reason: str) -> str:
    # GEOS says "Self-intersection[27.5 53.1]"; say where in words a user can check
    if "[" in reason and reason.endswith("]"):
        what, _, where = reason[:-1].partition("[")
        parts = where.split()
        if len(parts) >= 2:
            return f"{what.lower()} at longitude {parts[0]}, latitude {parts[1]}"
    return reason


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _position(value: Any, what: str) -> list[float]:
    if not isinstance(value, list) or not 2 <= len(value) <= 3:
        raise ValueError(f"{what} must be a position [longitude, latitude(, altitude)]")
    if not all(_is_number(v) for v in value):
        raise ValueError(f"{what} holds something that is not a finite number: {value!r}")
    return [float(v) for v in value]


def _ring(value: Any, what: str) -> list[list[float]]:
    if not isinstance(value, list) or not all(isinstance(p, list) for p in value):
        raise ValueError(f"{what} must be a list of positions [longitude, latitude]")
    ring = [_position(p, f"{what}, position {k}") for k, p in enumerate(value)]
    if len(ring) < 4:
        raise ValueError(f"{what} has {len(ring)} positions; a closed ring needs at least 4")
    if ring[0][:2] != ring[-1][:2]:
        raise ValueError(
            f"{what} is not closed: its first position {ring[0][:2]} and last {ring[-1][:2]}"
            " differ (GeoJSON repeats the first position at the end)"
        )
    for lon, lat, *_ in ring:
        if not -90.0 <= lat <= 90.0:
            raise ValueError(f"{what}: latitude {lat} is outside -90..90 degrees")
        if not -360.0 <= lon <= 360.0:
            raise ValueError(
                f"{what}: longitude {lon} is outside -180..180 degrees (and outside -360..360,"
                " which a ring continued across the antimeridian may use)"
            )
    return ring


def _polygon(value: Any, what: str) -> Polygon:
    if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
        raise ValueError(f"{what} must be a list of rings, each a list of [longitude, latitude]")
    if value and value[0] and all(_is_number(v) for v in value[0]):
        raise ValueError(
            f"{what} is one ring, not a list of rings: wrap it in one more pair of brackets"
        )
    rings = [_ring(r, f"{what}, ring {k}") for k, r in enumerate(value)]
    shell = _unwrapped_ring(rings[0])
    return Polygon(shell, [_unwrapped_ring(r) for r in rings[1:]])


def _geometry_targets(
    geometry: Any, name: str, limits: dict[str, float | None], props: dict[str, Any]
) -> list[Target]:
    if not isinstance(geometry, Mapping):
        raise ValueError("has no geometry (a Point, MultiPoint, Polygon or MultiPolygon)")
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind in ("Point", "MultiPoint", "Polygon", "MultiPolygon") and not isinstance(coords, list):
        raise ValueError(f"the {kind} has no coordinates list")
    if kind == "Point":
        lon, lat, *alt = _position(coords, "the Point")
        return [PointTarget(name, lat, lon, alt[0] if alt else 0.0, **limits, properties=props)]
    if kind == "MultiPoint":
        assert isinstance(coords, list)
        points = [_position(p, f"the MultiPoint, position {k}") for k, p in enumerate(coords)]
        if not points:
            raise ValueError("the MultiPoint has no positions")
        return [
            PointTarget(
                name if len(points) == 1 else f"{name}[{k}]",
                lat,
                lon,
                alt[0] if alt else 0.0,
                **limits,
                properties=props,
            )
            for k, (lon, lat, *alt) in enumerate(points)
        ]
    if kind == "Polygon":
        polygon = _polygon(coords, "the Polygon")
        return [AreaTarget(name, _checked(polygon, "the Polygon"), **limits, properties=props)]
    if kind == "MultiPolygon":
        assert isinstance(coords, list)
        if not coords:
            raise ValueError("the MultiPolygon has no polygons")
        parts = [
            _checked(
                _polygon(p, f"the MultiPolygon, polygon {k}"), f"the MultiPolygon, polygon {k}"
            )
            for k, p in enumerate(coords)
        ]
        return [AreaTarget(name, MultiPolygon(parts), **limits, properties=props)]
    known = "Point, MultiPoint, Polygon or MultiPolygon"
    if kind is None:
        raise ValueError(f"the geometry has no type; use {known}")
    raise ValueError(f"geometry type {kind!r} is not a target; use {known}")


def _checked(polygon: Polygon, what: str) -> Polygon:
    reason = shapely.is_valid_reason(polygon)
    if reason != "Valid Geometry":
        raise ValueError(f"{what} is not valid: {_explain(reason)}")
    if polygon.area <= 0.0:
        raise ValueError(f"{what} has no area")
    return polygon


def _limits(props: Mapping[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key in ("max_off_nadir_deg", "min_sun_elevation_deg"):
        value = props.get(key)
        if value is not None and not _is_number(value):
            raise ValueError(f"properties.{key} must be a number, not {value!r}")
        out[key] = None if value is None else float(value)
    return out


def _load(source: str | Path | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(source, Mapping):
        return source
    text = source if isinstance(source, str) and source.lstrip().startswith("{") else None
    where = "GeoJSON text"
    if text is None:
        path = Path(source)
        where = str(path)
        text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{where}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(doc, dict):
        raise ValueError(
            f"{where}: GeoJSON must be an object with a 'type', not {type(doc).__name__}"
        )
    return doc


def read_targets(
    source: str | Path | Mapping[str, Any],
) -> tuple[list[Target], list[TargetError]]:
    """The targets of a GeoJSON document, and the features refused (with index and reason).

    ``source`` is a path, GeoJSON text or an already parsed object: a FeatureCollection, a
    Feature, or a bare Point, MultiPoint, Polygon or MultiPolygon. A target's name is the
    feature's ``id``, else ``properties.name``, else ``feature[i]``; a MultiPoint of several
    positions gives one target per position, named ``NAME[k]``. ``properties.max_off_nadir_deg``
    and ``properties.min_sun_elevation_deg`` set the request's own limits. A refused feature
    does not stop the others: every valid feature is returned.
    """
    doc = _load(source)
    kind = doc.get("type")
    features: Sequence[Any]
    if kind == "FeatureCollection":
        raw = doc.get("features")
        if not isinstance(raw, list):
            raise ValueError("the FeatureCollection has no 'features' list")
        features = raw
    elif kind == "Feature":
        features = [doc]
    elif kind is None:
        raise ValueError("GeoJSON needs a 'type' (FeatureCollection, Feature or a geometry)")
    else:
        features = [{"type": "Feature", "properties": {}, "geometry": doc}]

    targets: list[Target] = []
    errors: list[TargetError] = []
    used: dict[str, int] = {}
    for index, feature in enumerate(features):
        name: str | None = None
        try:
            if not isinstance(feature, Mapping):
                raise ValueError(f"is not a GeoJSON object but {type(feature).__name__}")
            if feature.get("type") != "Feature":
                raise ValueError(f"has type {feature.get('type')!r}; a feature's type is 'Feature'")
            props = feature.get("properties") or {}
            if not isinstance(props, Mapping):
                raise ValueError("'properties' must be an object or null")
            ident = feature.get("id")
            label = ident if ident is not None else props.get("name")
            if label is not None and not isinstance(label, str) and not _is_number(label):
                raise ValueError(f"its id or properties.name must be text or a number: {label!r}")
            name = str(label) if label is not None else f"feature[{index}]"
            found = _geometry_targets(feature.get("geometry"), name, _limits(props), dict(props))
            for t in found:
                if t.name in used:
                    raise ValueError(
                        f"the name {t.name!r} is already used by feature {used[t.name]};"
                        " give each feature its own id or properties.name"
                    )
            for t in found:
                used[t.name] = index
            targets.extend(found)
        except ValueError as exc:
            reason = str(exc)
            prefix = f"target {name!r}: "
            errors.append(TargetError(index, name, reason.removeprefix(prefix)))
    return targets, errors
