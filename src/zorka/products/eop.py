"""OGC Earth Observation metadata (EOP, OGC 10-157) as it comes in BKA zip deliveries.

The delivery's ``NNN_bka_ID.xml`` is an ``EarthObservation`` document (version 1.2.2, in the
``sar`` namespace though the sensor is optical) with the identifier, processing level, platform
and instrument, the acquisition period and the footprint as a GML ``posList`` in EPSG:4326 axis
order, latitude first.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from zorka.products.errors import ProductFormatError

__all__ = ["EopMetadata", "read_eop"]

_NS = {
    "eop": "http://earth.esa.int/eop",
    "gml": "http://www.opengis.net/gml",
}


@dataclass(frozen=True)
class EopMetadata:
    """The fields of an EOP document that describe a product. Absent fields are ``None``."""

    source: str
    identifier: str
    parent_identifier: str | None
    processing_level: str | None
    product_format: str | None
    orthorectification: str | None
    start_time: datetime
    end_time: datetime
    platform: str | None
    instrument: str | None
    sensor_type: str | None
    product_uri: str | None
    footprint: BaseGeometry
    missing: tuple[str, ...]


def _time(source: str, field: str, text: str | None) -> datetime:
    if not text:
        raise ProductFormatError(source, "required time is missing", field=field)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ProductFormatError(source, f"not an ISO time: {text!r}", field=field) from None


def _polygon(source: str, poslist: str, srs: str | None) -> Polygon:
    if srs not in (None, "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"):
        raise ProductFormatError(source, f"footprint srsName {srs!r} is not EPSG:4326")
    try:
        values = [float(v) for v in poslist.split()]
    except ValueError:
        raise ProductFormatError(source, "posList is not numeric", field="gml:posList") from None
    if len(values) % 2 or len(values) < 8:
        raise ProductFormatError(source, "posList needs >= 4 lat/lon pairs", field="gml:posList")
    # EPSG:4326 is latitude, longitude.
    return Polygon(list(zip(values[1::2], values[0::2], strict=True)))


def read_eop(source: str | Path, data: bytes | None = None) -> EopMetadata:
    """Read an EOP ``EarthObservation`` document from a file or from ``data``."""
    name = str(source)
    raw = Path(source).read_bytes() if data is None else data
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as error:
        raise ProductFormatError(name, f"not well-formed XML: {error}") from None
    if not root.tag.endswith("}EarthObservation"):
        raise ProductFormatError(name, f"root element {root.tag} is not EarthObservation")
    missing: list[str] = []

    def text(path: str) -> str | None:
        element = root.find(path, _NS)
        value = None if element is None or element.text is None else element.text.strip()
        if not value:
            missing.append(path.rsplit("/", 1)[-1])
            return None
        return value

    identifier = text("gml:metaDataProperty/eop:EarthObservationMetaData/eop:identifier")
    if identifier is None:
        raise ProductFormatError(name, "required field is missing", field="eop:identifier")
    meta = "gml:metaDataProperty/eop:EarthObservationMetaData"
    proc = f"{meta}/eop:processing/eop:ProcessingInformation"
    equip = "gml:using/eop:EarthObservationEquipment"
    polygons = [
        _polygon(name, element.text or "", _srs(root))
        for element in root.iterfind(".//gml:Polygon/gml:exterior/gml:LinearRing/gml:posList", _NS)
    ]
    if not polygons:
        raise ProductFormatError(name, "no footprint polygon", field="eop:Footprint")
    footprint: BaseGeometry = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    return EopMetadata(
        source=name,
        identifier=identifier,
        parent_identifier=text(f"{meta}/eop:parentIdentifier"),
        processing_level=text(f"{proc}/eop:processingLevel"),
        product_format=text(f"{proc}/eop:nativeProductFormat"),
        orthorectification=text(f"{proc}/eop:orthorectification"),
        start_time=_time(
            name, "gml:beginPosition", text("gml:validTime/gml:TimePeriod/gml:beginPosition")
        ),
        end_time=_time(
            name, "gml:endPosition", text("gml:validTime/gml:TimePeriod/gml:endPosition")
        ),
        platform=text(f"{equip}/eop:platform/eop:Platform/eop:shortName"),
        instrument=text(f"{equip}/eop:instrument/eop:Instrument/eop:shortName"),
        sensor_type=text(f"{equip}/eop:sensor/eop:Sensor/eop:sensorType"),
        product_uri=text("gml:using/eop:product/eop:ProductInformation/eop:fileName"),
        footprint=footprint,
        missing=tuple(missing),
    )


def _srs(root: ET.Element) -> str | None:
    element = root.find(".//gml:MultiSurface", _NS)
    if element is None:
        element = root.find(".//gml:Polygon", _NS)
    return None if element is None else element.get("srsName")
