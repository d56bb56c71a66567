"""Processing levels: raw payload data to L0, L1A and map-projected L1B/L1C products.

- **L0**: the raw lines of one acquisition, decoded (12-bit samples in big-endian words, see
  :mod:`zorka.simulator.payload`) and time-ordered, each with its exposure time.
- **L1A**: the L0 image in sensor geometry with its RPC, fitted to the rigorous push-broom model
  of the satellite's orbit and attitude (:mod:`zorka.processing.geometry`); written as a GeoTIFF
  carrying the RPC in GDAL's RPC domain, and the RPC as JSON beside it, like a BKA L1A frame
  (data + RPC passport).
- **L1B**: the L1A image resampled onto a UTM grid with the RPC at the ellipsoid (height 0).
- **L1C**: the same, orthorectified at a terrain height (a constant or a function of
  longitude and latitude; zorka has no DEM, so the default is 0 m).

Map-projected products are resampled ground to image (each output pixel's ground point is
projected into the L1A image with the RPC and interpolated bilinearly), written as Cloud-Optimised
GeoTIFFs (GDAL's COG driver: tiled, DEFLATE, internal overviews) with quick-looks, and described
by STAC items that the catalog ingests.

rasterio is needed to write files; without it :class:`ProcessingError` says so.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pystac
from numpy.typing import NDArray
from pyproj import Transformer
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.view import ViewExtension
from shapely.geometry import Polygon, mapping
from shapely.geometry.polygon import orient

from zorka.catalog.sqlite import SQLiteCatalog
from zorka.orbits.frames import itrf_to_geodetic
from zorka.orbits.propagation import propagate
from zorka.orbits.satellite import Satellite
from zorka.processing.geometry import FitReport, PushbroomModel, PushbroomSensor, fit_rpc
from zorka.products.quicklook import make_quicklooks, not_georeferenced_quietly
from zorka.products.rpc import RPCModel
from zorka.simulator.payload import IMAGE_WIDTH, LINES_PER_S, Acquisition, raw_image
from zorka.time import TimeArray

__all__ = [
    "COG_MEDIA_TYPE",
    "L0Product",
    "L1AFrame",
    "MapProduct",
    "ProcessingError",
    "collection_dict",
    "ingest_items",
    "l0_from_acquisition",
    "l1a_from_l0",
    "map_product",
    "stac_item",
    "synthetic_acquisition",
    "write_cog",
    "write_l1a",
    "write_map_product",
]

COG_MEDIA_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"
NODATA = 0

Terrain = float | Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]


class ProcessingError(RuntimeError):
    """A product that cannot be made; the message says why."""


def _rasterio() -> Any:
    try:
        import rasterio  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        raise ProcessingError(
            "writing L1 products needs rasterio, which is not installed (pip install rasterio)"
        ) from None
    return rasterio


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@dataclass(frozen=True)
class L0Product:
    """Time-ordered raw lines: ``lines`` is ``(n_lines, width)`` 12-bit samples; line ``i`` was
    exposed at ``start + line_times_s[i]``."""

    satellite: str
    number: int
    start: datetime
    line_times_s: NDArray[np.float64]
    lines: NDArray[np.uint16]
    roll_deg: float
    pitch_deg: float
    gain: str

    @property
    def line_period_s(self) -> float:
        return 1.0 / LINES_PER_S

    @property
    def name(self) -> str:
        return f"{_slug(self.satellite)}-{self.number:04d}-{self.start:%Y%m%dT%H%M%S}"


def synthetic_acquisition(
    satellite: Satellite,
    start: datetime,
    duration_s: float,
    roll_deg: float,
    pitch_deg: float = 0.0,
    *,
    number: int = 1,
    gain: str = "NORMAL",
) -> Acquisition:
    """An acquisition as the simulator makes it (TEME position at the start, raw data)."""
    eph = propagate([satellite], TimeArray.from_offsets(start, [0.0]))
    acq = Acquisition(
        satellite.name,
        number,
        start,
        start + timedelta(seconds=duration_s),
        gain,
        roll_deg,
        pitch_deg,
        eph.position_km[0, 0].copy(),
    )
    acq.data = raw_image(acq)
    return acq


def l0_from_acquisition(acquisition: Acquisition) -> L0Product:
    """Decode an acquisition's raw data into time-tagged lines."""
    if not acquisition.data:
        raise ProcessingError(f"{acquisition.satellite} #{acquisition.number}: no raw data")
    words = np.frombuffer(acquisition.data, dtype=">u2")
    if words.size % IMAGE_WIDTH:
        raise ProcessingError(
            f"{acquisition.satellite} #{acquisition.number}: {words.size} samples is not a whole"
            f" number of {IMAGE_WIDTH}-sample lines"
        )
    lines = words.reshape(-1, IMAGE_WIDTH).astype(np.uint16)
    times = np.arange(lines.shape[0], dtype=np.float64) / LINES_PER_S
    return L0Product(
        acquisition.satellite,
        acquisition.number,
        acquisition.start,
        times,
        lines,
        acquisition.roll_deg,
        acquisition.pitch_deg,
        acquisition.gain,
    )


@dataclass(frozen=True)
class L1AFrame:
    """An L0 image in sensor geometry with its RPC and the RPC's fit to the rigorous model."""

    l0: L0Product
    model: PushbroomModel
    rpc: RPCModel
    fit: FitReport

    @property
    def data(self) -> NDArray[np.uint16]:
        return self.l0.lines


def l1a_from_l0(
    l0: L0Product,
    satellite: Satellite,
    *,
    swath_km: float = 23.3,
    gsd_m: float = 2.1,
) -> L1AFrame:
    """The L1A frame: the camera of ``swath_km`` (the satellite's published swath) read out as
    the raw format's ``IMAGE_WIDTH`` detectors at ``LINES_PER_S``, and its fitted RPC."""
    sensor = PushbroomSensor.for_orbit(
        satellite,
        l0.start,
        swath_km,
        gsd_m,
        detectors=l0.lines.shape[1],
        line_period_s=l0.line_period_s,
    )
    model = PushbroomModel(
        satellite, l0.start, l0.roll_deg, l0.pitch_deg, sensor, l0.lines.shape[0]
    )
    rpc, fit = fit_rpc(model)
    return L1AFrame(l0, model, rpc, fit)


def write_l1a(frame: L1AFrame, folder: str | Path) -> Path:
    """``<name>-l1a.tif`` (RPC in its metadata) and ``<name>-l1a-rpc.json``; returns the TIFF."""
    rasterio = _rasterio()
    from rasterio.rpc import RPC  # type: ignore[import-untyped, unused-ignore]

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{frame.l0.name}-l1a"
    rpc_json = folder / f"{stem}-rpc.json"
    rpc_json.write_text(json.dumps(frame.rpc.to_gdal(), indent=1) + "\n")
    path = folder / f"{stem}.tif"
    height, width = frame.data.shape
    with (
        not_georeferenced_quietly(),
        rasterio.open(
            path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint16"
        ) as dst,
    ):
        dst.write(frame.data, 1)
        dst.rpcs = RPC.from_gdal(frame.rpc.to_gdal())
    return path


def _utm_epsg(lon: float, lat: float) -> int:
    zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


@dataclass(frozen=True)
class MapProduct:
    """A map-projected image: ``transform`` is the affine ``(a, b, c, d, e, f)`` of pixel corners
    in the UTM zone ``epsg``; ``footprint`` the lon/lat outline of the valid pixels."""

    frame: L1AFrame
    level: str
    data: NDArray[np.uint16]
    epsg: int
    transform: tuple[float, float, float, float, float, float]
    footprint: Polygon

    @property
    def name(self) -> str:
        return f"{self.frame.l0.name}-{self.level.lower()}"


def _bilinear(
    image: NDArray[np.uint16], line: NDArray[np.float64], sample: NDArray[np.float64]
) -> NDArray[np.uint16]:
    rows, cols = image.shape
    inside = (line >= -0.5) & (line <= rows - 0.5) & (sample >= -0.5) & (sample <= cols - 0.5)
    r = np.clip(np.nan_to_num(line), 0.0, rows - 1.0)
    c = np.clip(np.nan_to_num(sample), 0.0, cols - 1.0)
    r0 = np.minimum(np.floor(r).astype(np.intp), rows - 2 if rows > 1 else 0)
    c0 = np.minimum(np.floor(c).astype(np.intp), cols - 2 if cols > 1 else 0)
    r1 = np.minimum(r0 + 1, rows - 1)
    c1 = np.minimum(c0 + 1, cols - 1)
    fr, fc = r - r0, c - c0
    img = image.astype(np.float64)
    value = (
        img[r0, c0] * (1 - fr) * (1 - fc)
        + img[r0, c1] * (1 - fr) * fc
        + img[r1, c0] * fr * (1 - fc)
        + img[r1, c1] * fr * fc
    )
    # 0 is nodata: valid pixels keep at least 1
    out = np.where(inside, np.clip(np.rint(value), 1, 65535), NODATA)
    return out.astype(np.uint16)


def map_product(
    frame: L1AFrame,
    level: str = "L1C",
    *,
    terrain: Terrain = 0.0,
    pixel_m: float | None = None,
) -> MapProduct:
    """Resample an L1A frame onto a north-up UTM grid (``pixel_m``, default the frame's
    across-track sample spacing at nadir). L1B is at the ellipsoid; L1C at ``terrain`` (metres
    above WGS84, a constant or a function of longitude and latitude arrays)."""
    if level not in ("L1B", "L1C"):
        raise ValueError(f"level must be L1B or L1C, not {level!r}")
    rpc = frame.rpc
    rows, cols = frame.data.shape
    if pixel_m is None:
        pixel_m = _nadir_sample_m(frame)
    mean_h = 0.0 if level == "L1B" or callable(terrain) else float(terrain)
    outline = rpc.footprint(cols, rows, mean_h if not callable(terrain) else 0.0)
    centre = outline.centroid
    epsg = _utm_epsg(centre.x, centre.y)
    to_utm = Transformer.from_crs(4326, epsg, always_xy=True)
    to_geo = Transformer.from_crs(epsg, 4326, always_xy=True)
    ex, ny = to_utm.transform(*np.asarray(outline.exterior.coords).T)
    margin = 2 * pixel_m
    x0 = math.floor((float(np.min(ex)) - margin) / pixel_m) * pixel_m
    y0 = math.ceil((float(np.max(ny)) + margin) / pixel_m) * pixel_m
    width = math.ceil((float(np.max(ex)) + margin - x0) / pixel_m)
    height = math.ceil((y0 - float(np.min(ny)) + margin) / pixel_m)
    xs = x0 + (np.arange(width) + 0.5) * pixel_m
    ys = y0 - (np.arange(height) + 0.5) * pixel_m
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = to_geo.transform(gx, gy)
    lon, lat = np.asarray(lon), np.asarray(lat)
    if level == "L1B":
        h: Any = 0.0
    elif callable(terrain):
        h = terrain(lon, lat)
    else:
        h = float(terrain)
    line, sample = rpc.ground_to_image(lat, lon, h)
    data = _bilinear(frame.data, line, sample)
    footprint = rpc.footprint(cols, rows, mean_h)
    transform = (pixel_m, 0.0, x0, 0.0, -pixel_m, y0)
    return MapProduct(frame, level, data, epsg, transform, orient(footprint, sign=1.0))


def _nadir_sample_m(frame: L1AFrame) -> float:
    r, _ = frame.model.state_itrf(np.array([0.0]))
    _, _, altitude = itrf_to_geodetic(r[0])
    return float(altitude) * 1000.0 * frame.model.sensor.ifov


def write_cog(product: MapProduct, path: str | Path) -> Path:
    """Write a map product as a Cloud-Optimised GeoTIFF (COG driver when GDAL has it, else a
    tiled GeoTIFF with overviews)."""
    rasterio = _rasterio()
    from affine import Affine  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from rasterio.enums import Resampling  # type: ignore[import-untyped, unused-ignore]

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = product.data.shape
    profile: dict[str, Any] = {
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "uint16",
        "crs": f"EPSG:{product.epsg}",
        "transform": Affine(*product.transform),
        "nodata": NODATA,
        "compress": "deflate",
    }
    with rasterio.Env(GDAL_PAM_ENABLED="NO") as env:
        if "COG" in env.drivers():
            with rasterio.open(
                path, "w", driver="COG", blocksize=256, overviews="auto", **profile
            ) as dst:
                dst.write(product.data, 1)
        else:  # pragma: no cover - GDAL before 3.1
            with rasterio.open(
                path, "w", driver="GTiff", tiled=True, blockxsize=256, blockysize=256, **profile
            ) as dst:
                dst.write(product.data, 1)
                factors = [f for f in (2, 4, 8, 16) if max(width, height) / f >= 64]
                if factors:
                    dst.build_overviews(factors, Resampling.average)
    return path


def stac_item(
    product: MapProduct,
    data_href: str,
    *,
    thumbnail_href: str | None = None,
    overview_href: str | None = None,
    rpc_href: str | None = None,
) -> pystac.Item:
    """The STAC item of a map product (projection and view extensions, COG data asset)."""
    l0 = product.frame.l0
    end = l0.start + timedelta(seconds=float(l0.line_times_s[-1]) + l0.line_period_s)
    platform = _slug(l0.satellite)
    collection = f"{platform}-{product.level.lower()}"
    geometry = product.footprint
    item = pystac.Item(
        id=product.name,
        geometry=mapping(geometry),
        bbox=list(geometry.bounds),
        datetime=l0.start,
        start_datetime=l0.start,
        end_datetime=end,
        properties={},
        collection=collection,
    )
    item.add_link(
        pystac.Link(
            pystac.RelType.COLLECTION, f"../../collections/{collection}", pystac.MediaType.JSON
        )
    )
    props = item.properties
    props["platform"] = platform
    props["instruments"] = ["pss"]
    props["gsd"] = round(product.transform[0], 3)
    props["processing:level"] = product.level
    props["zorka:acquisition"] = l0.number
    props["zorka:rpc_fit_rms_px"] = product.frame.fit.rms_px
    view = ViewExtension.ext(item, add_if_missing=True)
    off_nadir = math.degrees(
        math.acos(math.cos(math.radians(l0.roll_deg)) * math.cos(math.radians(l0.pitch_deg)))
    )
    view.off_nadir = round(off_nadir, 3)
    proj = ProjectionExtension.ext(item, add_if_missing=True)
    proj.code = f"EPSG:{product.epsg}"
    proj.shape = [int(product.data.shape[0]), int(product.data.shape[1])]
    proj.transform = list(product.transform)
    item.add_asset(
        "data",
        pystac.Asset(data_href, media_type=COG_MEDIA_TYPE, roles=["data"], title=product.level),
    )
    if thumbnail_href is not None:
        item.add_asset(
            "thumbnail",
            pystac.Asset(thumbnail_href, media_type=pystac.MediaType.PNG, roles=["thumbnail"]),
        )
    if overview_href is not None:
        item.add_asset(
            "overview",
            pystac.Asset(overview_href, media_type=pystac.MediaType.JPEG, roles=["overview"]),
        )
    if rpc_href is not None:
        item.add_asset(
            "rpc",
            pystac.Asset(
                rpc_href,
                media_type=pystac.MediaType.JSON,
                roles=["metadata", "rpc"],
                title="RPC of the L1A frame (GDAL RPC domain keys)",
            ),
        )
    return item


def write_map_product(
    product: MapProduct, folder: str | Path, rpc_href: str | None
) -> dict[str, Any]:
    """Write the COG and its quick-looks under ``folder/<name>/``; returns the STAC item dict."""
    target = Path(folder) / product.name
    cog = write_cog(product, target / f"{product.name}.tif")
    looks = make_quicklooks(cog, target)
    item = stac_item(
        product,
        str(cog.resolve()),
        thumbnail_href=str(looks.thumbnail.resolve()),
        overview_href=None if looks.overview is None else str(looks.overview.resolve()),
        rpc_href=rpc_href,
    )
    SQLiteCatalog.check_item(item.to_dict(include_self_link=False))
    result: dict[str, Any] = item.to_dict(include_self_link=False)
    return result


def collection_dict(collection_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A collection covering ``items`` (STAC item dicts, at least one)."""
    boxes = np.array([i["bbox"] for i in items], dtype=np.float64)
    starts = [i["properties"].get("start_datetime") or i["properties"]["datetime"] for i in items]
    ends = [i["properties"].get("end_datetime") or i["properties"]["datetime"] for i in items]
    platform, _, level = collection_id.rpartition("-")
    collection = pystac.Collection(
        id=collection_id,
        description=f"{platform} products at processing level {level.upper()} (zorka)",
        title=f"{platform} {level.upper()}",
        extent=pystac.Extent(
            pystac.SpatialExtent(
                [[*boxes[:, :2].min(axis=0).tolist(), *boxes[:, 2:].max(axis=0).tolist()]]
            ),
            pystac.TemporalExtent(
                [
                    [
                        pystac.utils.str_to_datetime(min(starts)),
                        pystac.utils.str_to_datetime(max(ends)),
                    ]
                ]
            ),
        ),
        license="other",
    )
    result: dict[str, Any] = collection.to_dict(include_self_link=False)
    return result


def ingest_items(catalog: SQLiteCatalog, items: list[dict[str, Any]]) -> int:
    """Store items and (create or widen) their collections; returns how many were stored."""
    if not items:
        return 0
    catalog.ingest(items)
    by_collection: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_collection.setdefault(str(item["collection"]), []).append(item)
    for cid, members in by_collection.items():
        old = catalog.collection(cid)
        new = collection_dict(cid, members)
        if old is not None:
            (a0, b0, a1, b1) = old["extent"]["spatial"]["bbox"][0]
            (c0, d0, c1, d1) = new["extent"]["spatial"]["bbox"][0]
            new["extent"]["spatial"]["bbox"] = [
                [min(a0, c0), min(b0, d0), max(a1, c1), max(b1, d1)]
            ]
            (s0, e0), (s1, e1) = (
                old["extent"]["temporal"]["interval"][0],
                new["extent"]["temporal"]["interval"][0],
            )
            new["extent"]["temporal"]["interval"] = [[min(s0, s1), max(e0, e1)]]
        catalog.put_collection(new)
    return len(items)
