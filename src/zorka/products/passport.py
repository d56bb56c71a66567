"""BKA product passports: the ``*_pasp-en.xml`` file that comes with every BKA product.

A passport is a small XML document (``<MetaData>``, format version 1.2.4 in the known deliveries)
describing one product: who made it, the processing level (``0`` for an L1A bundle of frames,
``B`` georeferenced, ``C`` orthorectified), the instrument (``PAN`` or ``MUL``), acquisition time
and angles, the scene's corners, its reference system and its raster size.

:func:`read_passport` keeps every leaf of the document in :attr:`ProductPassport.fields` and
reports what it did not expect (:attr:`ProductPassport.unknown`) and what it expected but did not
find (:attr:`ProductPassport.missing`); a missing field is ``None``, never a guessed default.
Only the fields without which the product cannot be catalogued (satellite, instrument, level,
acquisition time, the four corners) raise :class:`~zorka.products.errors.ProductFormatError`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from zorka.products.errors import ProductFormatError

__all__ = [
    "CORNER_NAMES",
    "PassportBand",
    "ProductPassport",
    "read_passport",
]

#: The passport's corner names, in the order of its ``Corner1``..``Corner4`` tags.
CORNER_NAMES = ("SW", "NW", "NE", "SE")

_PROCESSING = "Processing"
_ACQ = "Satellite_Data/Scene_Acquisition"
_GEO = "Geo_Reference"
_SCENE = "Geo_Reference/Scene_Geoposition"
_IMAGE = "Image_Info"

# Every leaf path this reader understands. Paths matching _KNOWN_PATTERNS (numbered or per-band
# tags) are understood too. Anything else lands in ProductPassport.unknown.
_KNOWN_PATHS = frozenset(
    [
        "Version",
        "Language",
        "Production/Copyright",
        "Production/Producer",
        "Production/PackAppId",
        "Production/JobId",
        "Production/Creation_Date",
        f"{_PROCESSING}/Mission",
        f"{_PROCESSING}/Satellite",
        f"{_PROCESSING}/Instrument",
        f"{_PROCESSING}/Sensor_Code",
        f"{_PROCESSING}/Band",
        f"{_PROCESSING}/Level",
        f"{_PROCESSING}/Level_Info",
        f"{_PROCESSING}/Level_Data",
        f"{_PROCESSING}/Radiometric",
        f"{_PROCESSING}/Geometric",
        f"{_PROCESSING}/Percent_Cloud_Cover",
        f"{_PROCESSING}/Country_Cover_Cod",
        f"{_PROCESSING}/Country_Cover",
        f"{_PROCESSING}/Scenes_Count",
        f"{_PROCESSING}/Legend",
        f"{_ACQ}/Satellite",
        f"{_ACQ}/Acquisition_Time_GMT",
        f"{_ACQ}/Sun_Elevation",
        f"{_ACQ}/Sun_Azimuth",
        f"{_ACQ}/Viewing_Angle",
        f"{_ACQ}/Center/Center_Lat",
        f"{_ACQ}/Center/Center_Lon",
        "Satellite_Data/Routes_Count",
        "Satellite_Data/Routes_Data/Routes_Count",
        "Radiometry/Correction",
        f"{_GEO}/Datum",
        f"{_GEO}/Ellipsoid",
        f"{_GEO}/Map_Projection",
        f"{_GEO}/Hemisphere",
        f"{_GEO}/EPSG_code",
        f"{_GEO}/EPSG_tables",
        f"{_GEO}/Elevation_Data/Elevation_Source",
        f"{_GEO}/Elevation_Data/SRTM_Version",
        f"{_SCENE}/Geodetic_Coordinates/Geo_units",
        f"{_SCENE}/Map_Coordinates/Map_units",
        f"{_SCENE}/Bounds/File_Name",
        f"{_SCENE}/Ground_Resolution/PixelSize_Easting",
        f"{_SCENE}/Ground_Resolution/PixelSize_Northing",
        f"{_SCENE}/Ground_Resolution/PixelSize_units",
        f"{_IMAGE}/File_Format",
        f"{_IMAGE}/Compression",
        f"{_IMAGE}/Band_Composite",
        f"{_IMAGE}/Samples",
        f"{_IMAGE}/Width",
        f"{_IMAGE}/Height",
        f"{_IMAGE}/Type",
        f"{_IMAGE}/Bits_per_Pixel",
        f"{_IMAGE}/Data_NBits",
        f"{_IMAGE}/Data_Type",
        f"{_IMAGE}/Byte_Order",
        f"{_IMAGE}/Resample/Method",
    ]
)
_KNOWN_PATTERNS = (
    re.compile(rf"{_PROCESSING}/Scene\d+_File_Name"),
    re.compile(rf"{_PROCESSING}/Bundle_MK/Band_\w+/(Folder|Images_Count)"),
    re.compile(r"Radiometry/Spectral/Band_\w+/(band_index|band_code|band_info)"),
    re.compile(rf"{_SCENE}/Geodetic_Coordinates/Corner\d_[NS][EW]_(Lat|Lon)"),
    re.compile(rf"{_SCENE}/Map_Coordinates/Corner\d_[NS][EW]_(Easting|Northing)"),
)

# Fields every passport of a known delivery has; their absence is reported in `missing`.
_EXPECTED_PATHS = (
    "Version",
    "Production/Producer",
    "Production/Creation_Date",
    f"{_PROCESSING}/Mission",
    f"{_PROCESSING}/Sensor_Code",
    f"{_PROCESSING}/Level_Info",
    f"{_PROCESSING}/Percent_Cloud_Cover",
    f"{_PROCESSING}/Country_Cover_Cod",
    f"{_ACQ}/Sun_Elevation",
    f"{_ACQ}/Sun_Azimuth",
    f"{_ACQ}/Viewing_Angle",
    f"{_ACQ}/Center/Center_Lat",
    f"{_ACQ}/Center/Center_Lon",
    f"{_GEO}/Datum",
    f"{_GEO}/EPSG_code",
    f"{_SCENE}/Ground_Resolution/PixelSize_Easting",
    f"{_SCENE}/Ground_Resolution/PixelSize_Northing",
    f"{_IMAGE}/Width",
    f"{_IMAGE}/Height",
)


@dataclass(frozen=True)
class PassportBand:
    """One spectral band as the passport lists it (``Radiometry/Spectral/Band_*``)."""

    index: int
    code: str
    info: str


@dataclass(frozen=True)
class ProductPassport:
    """The contents of one BKA product passport.

    Angles are in degrees, lengths in metres, times timezone-aware UTC. Corners are
    ``(lat_deg, lon_deg)`` keyed by :data:`CORNER_NAMES`; map corners are ``(easting_m,
    northing_m)`` in :attr:`epsg`. ``level`` is the passport's own code: ``"0"`` (L1A bundle of
    frames), ``"B"`` (L1B, georeferenced) or ``"C"`` (L1C, orthorectified).
    """

    source: str
    version: str | None
    producer: str | None
    copyright: str | None
    job_id: str | None
    creation_time: datetime | None
    mission: str | None
    satellite: str
    instrument: str
    sensor_codes: tuple[str, ...]
    band_description: str | None
    level: str
    level_info: str | None
    level_data: str | None
    cloud_cover_percent: float | None
    country_code: str | None
    country: str | None
    acquisition_time: datetime
    sun_elevation_deg: float | None
    sun_azimuth_deg: float | None
    viewing_angle_deg: float | None
    center: tuple[float, float] | None
    corners: Mapping[str, tuple[float, float]]
    map_corners: Mapping[str, tuple[float, float]] | None
    datum: str | None
    map_projection: str | None
    epsg: int | None
    elevation_source: str | None
    pixel_size_m: tuple[float, float] | None
    width: int | None
    height: int | None
    samples: int | None
    bits_per_pixel: int | None
    file_format: str | None
    band_composite: str | None
    bands: tuple[PassportBand, ...]
    scene_files: tuple[str, ...]
    bounds_file: str | None
    bundle_folders: Mapping[str, tuple[str, int]]
    fields: Mapping[str, str]
    unknown: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def corner_lonlat(self) -> list[tuple[float, float]]:
        """The corners as ``(lon, lat)`` in SW, NW, NE, SE order: a polygon ring, unclosed."""
        return [(self.corners[k][1], self.corners[k][0]) for k in CORNER_NAMES]


def _flatten(element: ET.Element, prefix: str, out: dict[str, str]) -> None:
    for child in element:
        path = f"{prefix}/{child.tag}" if prefix else child.tag
        if len(child):
            _flatten(child, path, out)
        else:
            out[path] = (child.text or "").strip()


class _Fields:
    """Typed access to the flattened passport that records what was expected and absent."""

    def __init__(self, source: str, values: dict[str, str]) -> None:
        self.source = source
        self.values = values
        self.missing: list[str] = []

    def text(self, path: str) -> str | None:
        value = self.values.get(path)
        if value is None or value == "":
            if path in _EXPECTED_PATHS and path not in self.missing:
                self.missing.append(path)
            return None
        return value

    def required(self, path: str) -> str:
        value = self.values.get(path)
        if not value:
            raise ProductFormatError(self.source, "required field is missing or empty", field=path)
        return value

    def number(self, path: str) -> float | None:
        value = self.text(path)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            raise ProductFormatError(self.source, f"not a number: {value!r}", field=path) from None

    def integer(self, path: str) -> int | None:
        value = self.number(path)
        if value is None:
            return None
        if value != int(value):
            raise ProductFormatError(self.source, f"not an integer: {value!r}", field=path)
        return int(value)


def _parse_utc(source: str, path: str, value: str) -> datetime:
    try:
        # Acquisition_Time_GMT carries no zone designator; the tag says GMT.
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise ProductFormatError(source, f"not an ISO time: {value!r}", field=path) from None


def _parse_creation(source: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        # "11.06.2021 15:35:41": day.month.year; the passport gives no time zone, so the time
        # stays naive rather than being guessed to be UTC or Minsk time.
        return datetime.strptime(value, "%d.%m.%Y %H:%M:%S")
    except ValueError:
        raise ProductFormatError(
            source, f"not a dd.mm.yyyy HH:MM:SS time: {value!r}", field="Production/Creation_Date"
        ) from None


def _corners(f: _Fields, group: str, suffixes: tuple[str, str]) -> dict[str, tuple[float, float]]:
    corners: dict[str, tuple[float, float]] = {}
    for i, name in enumerate(CORNER_NAMES, start=1):
        a_path = f"{_SCENE}/{group}/Corner{i}_{name}_{suffixes[0]}"
        b_path = f"{_SCENE}/{group}/Corner{i}_{name}_{suffixes[1]}"
        a, b = f.values.get(a_path), f.values.get(b_path)
        if a is None or b is None:
            return {}
        try:
            corners[name] = (float(a), float(b))
        except ValueError:
            raise ProductFormatError(
                f.source, f"corner is not numeric: {a!r}, {b!r}", field=a_path
            ) from None
    return corners


def read_passport(source: str | Path, data: bytes | None = None) -> ProductPassport:
    """Read a BKA product passport from a file, or from ``data`` read elsewhere (a zip member).

    ``source`` names the passport in error messages and in :attr:`ProductPassport.source`.
    Raises :class:`~zorka.products.errors.ProductFormatError` on malformed XML or when a field
    needed to catalogue the product is missing.
    """
    name = str(source)
    raw = Path(source).read_bytes() if data is None else data
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as error:
        raise ProductFormatError(name, f"not well-formed XML: {error}") from None
    if root.tag != "MetaData":
        raise ProductFormatError(name, f"root element is <{root.tag}>, expected <MetaData>")
    values: dict[str, str] = {}
    _flatten(root, "", values)
    f = _Fields(name, values)

    corners = _corners(f, "Geodetic_Coordinates", ("Lat", "Lon"))
    if not corners:
        raise ProductFormatError(
            name, "four corners are required", field=f"{_SCENE}/Geodetic_Coordinates"
        )
    map_corners = _corners(f, "Map_Coordinates", ("Easting", "Northing")) or None

    acq_path = f"{_ACQ}/Acquisition_Time_GMT"
    acquisition_time = _parse_utc(name, acq_path, f.required(acq_path))

    center_lat, center_lon = (
        f.number(f"{_ACQ}/Center/Center_Lat"),
        f.number(f"{_ACQ}/Center/Center_Lon"),
    )
    center = None if center_lat is None or center_lon is None else (center_lat, center_lon)
    px_e = f.number(f"{_SCENE}/Ground_Resolution/PixelSize_Easting")
    px_n = f.number(f"{_SCENE}/Ground_Resolution/PixelSize_Northing")
    units = values.get(f"{_SCENE}/Ground_Resolution/PixelSize_units", "meters")
    if units != "meters":
        raise ProductFormatError(
            name, f"pixel size unit {units!r} is not meters", field="PixelSize_units"
        )

    bands: list[PassportBand] = []
    band_paths = sorted(
        {p.rsplit("/", 1)[0] for p in values if p.startswith("Radiometry/Spectral/")}
    )
    for band_path in band_paths:
        index = f.integer(f"{band_path}/band_index")
        bands.append(
            PassportBand(
                index=-1 if index is None else index,
                code=values.get(f"{band_path}/band_code", ""),
                info=values.get(f"{band_path}/band_info", ""),
            )
        )

    bundle: dict[str, tuple[str, int]] = {}
    prefix = f"{_PROCESSING}/Bundle_MK/"
    for band_path in sorted({p.rsplit("/", 1)[0] for p in values if p.startswith(prefix)}):
        folder = f.required(f"{band_path}/Folder")
        count = f.integer(f"{band_path}/Images_Count")
        bundle[band_path.rsplit("_", 1)[1]] = (folder, 0 if count is None else count)

    scene_files = tuple(
        values[p]
        for p in sorted(values)
        if re.fullmatch(rf"{_PROCESSING}/Scene\d+_File_Name", p) and values[p]
    )
    sensor_codes = tuple((f.text(f"{_PROCESSING}/Sensor_Code") or "").split())
    epsg = f.integer(f"{_GEO}/EPSG_code")

    unknown = tuple(
        p
        for p in values
        if p not in _KNOWN_PATHS
        and not any(r.fullmatch(p) for r in _KNOWN_PATTERNS)
        # Empty container tags such as <Resample/> on L1A carry nothing to report.
        and values[p] != ""
    )

    passport = ProductPassport(
        source=name,
        version=f.text("Version"),
        producer=f.text("Production/Producer"),
        copyright=f.text("Production/Copyright"),
        job_id=f.text("Production/JobId"),
        creation_time=_parse_creation(name, f.text("Production/Creation_Date")),
        mission=f.text(f"{_PROCESSING}/Mission"),
        satellite=f.required(f"{_PROCESSING}/Satellite"),
        instrument=f.required(f"{_PROCESSING}/Instrument"),
        sensor_codes=sensor_codes,
        band_description=f.text(f"{_PROCESSING}/Band"),
        level=f.required(f"{_PROCESSING}/Level"),
        level_info=f.text(f"{_PROCESSING}/Level_Info"),
        level_data=f.text(f"{_PROCESSING}/Level_Data"),
        cloud_cover_percent=f.number(f"{_PROCESSING}/Percent_Cloud_Cover"),
        country_code=f.text(f"{_PROCESSING}/Country_Cover_Cod"),
        country=f.text(f"{_PROCESSING}/Country_Cover"),
        acquisition_time=acquisition_time,
        sun_elevation_deg=f.number(f"{_ACQ}/Sun_Elevation"),
        sun_azimuth_deg=f.number(f"{_ACQ}/Sun_Azimuth"),
        viewing_angle_deg=f.number(f"{_ACQ}/Viewing_Angle"),
        center=center,
        corners=corners,
        map_corners=map_corners,
        datum=f.text(f"{_GEO}/Datum"),
        map_projection=f.text(f"{_GEO}/Map_Projection"),
        epsg=epsg,
        elevation_source=f.text(f"{_GEO}/Elevation_Data/Elevation_Source"),
        pixel_size_m=None if px_e is None or px_n is None else (px_e, px_n),
        width=f.integer(f"{_IMAGE}/Width"),
        height=f.integer(f"{_IMAGE}/Height"),
        samples=f.integer(f"{_IMAGE}/Samples"),
        bits_per_pixel=f.integer(f"{_IMAGE}/Bits_per_Pixel"),
        file_format=f.text(f"{_IMAGE}/File_Format"),
        band_composite=f.text(f"{_IMAGE}/Band_Composite"),
        bands=tuple(bands),
        scene_files=scene_files,
        bounds_file=f.text(f"{_SCENE}/Bounds/File_Name"),
        bundle_folders=bundle,
        fields=values,
        unknown=unknown,
        missing=(),
    )
    # `missing` is only complete once every field has been asked for above.
    return replace(passport, missing=tuple(f.missing))
