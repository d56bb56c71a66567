"""Footprint shapefiles (``*_bounds.shp`` with ``.shx``, ``.dbf``, ``.prj``) of BKA products.

Each holds one polygon record: the scene outline in geographic WGS84 coordinates, with the
product's key attributes (producer, level, sensor, EPSG, acquisition time, angles) in the
``.dbf``. Read with pyshp, a small pure-Python shapefile reader.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import shapefile  # type: ignore[import-untyped]
from shapely.geometry import LinearRing, Polygon
from shapely.geometry.base import BaseGeometry

from zorka.products.errors import ProductFormatError

__all__ = ["Bounds", "read_bounds"]

_WGS84_NAMES = ("GCS_WGS_1984", 'DATUM["D_WGS_1984"', 'DATUM["WGS_1984"')


@dataclass(frozen=True)
class Bounds:
    """A footprint shapefile: geometry (lon/lat), attributes, ``.prj`` text, and oddities met."""

    source: str
    geometry: BaseGeometry
    attributes: Mapping[str, Any]
    prj: str | None
    issues: tuple[str, ...] = ()


def read_bounds(
    source: str | Path,
    *,
    shp: bytes | None = None,
    shx: bytes | None = None,
    dbf: bytes | None = None,
    prj: bytes | None = None,
) -> Bounds:
    """Read a one-record footprint shapefile from ``source`` (the ``.shp`` path) or from bytes.

    Raises :class:`~zorka.products.errors.ProductFormatError` if the file does not hold exactly
    one polygon, or if its ``.prj`` says it is not in geographic WGS84.
    """
    name = str(source)
    path = Path(source)
    if shp is None:
        shp = path.read_bytes()
        shx = _sibling(path, ".shx")
        dbf = _sibling(path, ".dbf")
        prj = _sibling(path, ".prj")
    try:
        # pyshp warns, then reads on, when a header is inconsistent; for a footprint that is
        # a corrupt file, so its warnings are errors here.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            reader = shapefile.Reader(
                shp=io.BytesIO(shp),
                shx=None if shx is None else io.BytesIO(shx),
                dbf=None if dbf is None else io.BytesIO(dbf),
            )
            records = reader.shapeRecords()
    except (shapefile.ShapefileException, ValueError, OSError, Warning) as error:
        raise ProductFormatError(name, f"not a readable shapefile: {error}") from None
    if len(records) != 1:
        raise ProductFormatError(name, f"expected one footprint record, found {len(records)}")
    record = records[0]
    if record.shape.shapeType not in (shapefile.POLYGON, shapefile.POLYGONZ, shapefile.POLYGONM):
        raise ProductFormatError(
            name, f"footprint is a {record.shape.shapeTypeName}, not a polygon"
        )
    prj_text = None if prj is None else prj.decode("ascii", errors="replace").strip()
    if prj_text is not None and not any(k in prj_text for k in _WGS84_NAMES):
        raise ProductFormatError(name, f"footprint is not in geographic WGS84: {prj_text[:80]}")
    points, parts = record.shape.points, [*record.shape.parts, len(record.shape.points)]
    rings = [LinearRing(points[a:b]) for a, b in pairwise(parts)]
    issues = [
        f"{name}: ring {i} is counter-clockwise; shapefile outer rings are clockwise"
        for i, ring in enumerate(rings)
        if ring.is_ccw and len(rings) == 1
    ]
    # Combining rings by symmetric difference makes holes and islands right whatever
    # direction the writer gave them, which not every BKA footprint gets right.
    geometry: BaseGeometry = Polygon(rings[0])
    for ring in rings[1:]:
        geometry = geometry.symmetric_difference(Polygon(ring))
    attributes = dict(record.record.as_dict()) if dbf is not None else {}
    return Bounds(
        source=name, geometry=geometry, attributes=attributes, prj=prj_text, issues=tuple(issues)
    )


def _sibling(path: Path, suffix: str) -> bytes | None:
    sibling = path.with_suffix(suffix)
    return sibling.read_bytes() if sibling.exists() else None
