"""STAC 1.1 items and collections for BKA products, built with pystac.

One item per product; its id is the product's name as delivered. Collections group items per
satellite and level (``bka-l1a``, ``bka-l1b``, ``bka-l1c``). Items carry the eo, projection,
view and sat extensions, whose schemas are validated offline (see
:mod:`zorka.products.stac_validation`).

Band wavelengths are those of the Kanopus-V/BKA cameras (MS1–MS4 centres 0.492, 0.558, 0.675 and
0.782 µm; PAN 0.52–0.85 µm). No band widths are given for MS1–MS4: they are not in the
product files, and none is invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pystac
from pystac.extensions.eo import Band, EOExtension
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.sat import SatExtension
from pystac.extensions.view import ViewExtension
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import Polygon, orient

from zorka.products.product import BkaProduct

__all__ = [
    "SATELLITES",
    "SatelliteInfo",
    "collection_for",
    "collection_id",
    "item_from_product",
]

GEOTIFF = "image/tiff; application=geotiff"
TIFF = "image/tiff"


@dataclass(frozen=True)
class SatelliteInfo:
    """What STAC wants about a satellite that the product files do not say."""

    platform: str
    constellation: str
    international_designator: str


#: Satellites by the name their passports use.
SATELLITES = {
    "BKA": SatelliteInfo(
        platform="bka", constellation="kanopus-v", international_designator="2012-039B"
    ),
}

# The camera names: the EOP metadata calls the pair "MSS_PSS", and L1A frame passports are
# named mss*/pss*: MSS is the multispectral camera, PSS the panchromatic one.
_INSTRUMENTS = {"MUL": "mss", "PAN": "pss"}

_BANDS: dict[str, dict[str, Any]] = {
    "MS1": {"common_name": "blue", "center_wavelength": 0.492},
    "MS2": {"common_name": "green", "center_wavelength": 0.558},
    "MS3": {"common_name": "red", "center_wavelength": 0.675},
    "MS4": {"common_name": "nir", "center_wavelength": 0.782},
    "PAN": {"common_name": "pan", "center_wavelength": 0.685, "full_width_half_max": 0.33},
}


def collection_id(product: BkaProduct) -> str:
    """The id of the collection a product belongs to: ``<platform>-<level>``, e.g. ``bka-l1c``."""
    return f"{_satellite(product).platform}-{product.level.lower()}"


def _satellite(product: BkaProduct) -> SatelliteInfo:
    try:
        return SATELLITES[product.passport.satellite]
    except KeyError:
        raise ValueError(
            f"{product.name}: satellite {product.passport.satellite!r} is not in "
            f"zorka.products.stac.SATELLITES ({', '.join(SATELLITES)})"
        ) from None


def _band_dicts(codes: tuple[str, ...]) -> tuple[list[Band], list[dict[str, Any]]]:
    """The eo:bands (eo v1.1.0) and STAC 1.1 ``bands`` entries for band codes."""
    eo_bands, bands = [], []
    for code in codes:
        spec = _BANDS[code]
        eo_bands.append(Band.create(name=code, **spec))
        band: dict[str, Any] = {"name": code}
        band.update({f"eo:{k}": v for k, v in spec.items()})
        bands.append(band)
    return eo_bands, bands


def _geometry(product: BkaProduct) -> BaseGeometry:
    if product.frames:
        # An L1A bundle's true coverage is its frames' union; simplified to well under a pixel.
        geometry = product.rpc_footprint().simplify(2e-5, preserve_topology=True)
    elif product.bounds is not None:
        geometry = product.bounds.geometry
    else:
        geometry = Polygon(product.passport.corner_lonlat)
    if isinstance(geometry, Polygon):
        geometry = orient(geometry, sign=1.0)
    return geometry


def item_from_product(product: BkaProduct, collection_href: str | None = None) -> pystac.Item:
    """The STAC item of a product, with its extensions and assets. Asset hrefs are local paths.

    With ``collection_href`` the item names its collection (:func:`collection_id`) and links to
    it; STAC requires the link whenever the ``collection`` field is set.
    """
    passport = product.passport
    satellite = _satellite(product)
    geometry = _geometry(product)
    start: datetime | None = None
    end: datetime | None = None
    if product.eop is not None:
        start, end = product.eop.start_time, product.eop.end_time
    item = pystac.Item(
        id=product.name,
        geometry=mapping(geometry),
        bbox=list(geometry.bounds),
        datetime=passport.acquisition_time,
        start_datetime=start,
        end_datetime=end,
        properties={},
    )
    if collection_href is not None:
        item.collection_id = collection_id(product)
        item.add_link(
            pystac.Link(pystac.RelType.COLLECTION, collection_href, pystac.MediaType.JSON)
        )
    props = item.properties
    props["platform"] = satellite.platform
    props["constellation"] = satellite.constellation
    props["instruments"] = [_INSTRUMENTS.get(passport.instrument, passport.instrument.lower())]
    if passport.pixel_size_m is not None:
        props["gsd"] = passport.pixel_size_m[0]
    # processing:level names the level; the processing extension's schema is not held offline,
    # so the extension is not declared (undeclared fields validate as plain properties).
    props["processing:level"] = product.level
    if passport.country_code:
        props["bka:country_code"] = passport.country_code
    if passport.job_id:
        props["bka:job_id"] = passport.job_id

    codes = tuple(c for c in passport.sensor_codes if c in _BANDS)
    eo_bands, bands = _band_dicts(codes)
    eo = EOExtension.ext(item, add_if_missing=True)
    eo.cloud_cover = passport.cloud_cover_percent
    eo.bands = eo_bands

    view = ViewExtension.ext(item, add_if_missing=True)
    view.sun_elevation = passport.sun_elevation_deg
    view.sun_azimuth = passport.sun_azimuth_deg
    view.off_nadir = passport.viewing_angle_deg

    SatExtension.ext(
        item, add_if_missing=True
    ).platform_international_designator = satellite.international_designator

    proj = ProjectionExtension.ext(item, add_if_missing=True)
    if not product.frames:
        proj.code = f"EPSG:{passport.epsg}" if passport.epsg else None
        if passport.width is not None and passport.height is not None:
            proj.shape = [passport.height, passport.width]
        if product.world_file is not None:
            proj.transform = list(product.world_file.transform)
    else:
        # L1A frames are raw camera geometry located by RPCs: they have no map projection.
        proj.code = None

    _add_assets(product, item, eo_bands, bands)
    return item


def _add_assets(
    product: BkaProduct,
    item: pystac.Item,
    eo_bands: list[Band],
    bands: list[dict[str, Any]],
) -> None:
    passport = product.passport
    for i, href in enumerate(product.data_hrefs):
        asset = pystac.Asset(
            href=href,
            media_type=GEOTIFF,
            roles=["data"],
            title=f"{passport.instrument} {product.level} image",
            extra_fields={"bands": bands, "eo:bands": [b.to_dict() for b in eo_bands]},
        )
        item.add_asset("data" if i == 0 else f"data-{i + 1}", asset)
    if product.archive_href is not None:
        item.add_asset(
            "archive",
            pystac.Asset(
                href=product.archive_href,
                media_type="application/zip",
                roles=["data", "archive"],
                title="Delivery as received (EOP metadata, passports, rasters)",
                extra_fields={"bands": bands, "eo:bands": [b.to_dict() for b in eo_bands]},
            ),
        )
    if product.passport_href is not None:
        item.add_asset(
            "metadata",
            pystac.Asset(
                href=product.passport_href,
                media_type="application/xml",
                roles=["metadata"],
                title="BKA product passport",
            ),
        )
    if product.preview_href is not None:
        item.add_asset(
            "overview",
            pystac.Asset(
                href=product.preview_href,
                media_type=_picture_type(product.preview_href),
                roles=["overview"],
                title="Preview",
            ),
        )
    if product.thumbnail_href is not None:
        item.add_asset(
            "thumbnail",
            pystac.Asset(
                href=product.thumbnail_href,
                media_type=_picture_type(product.thumbnail_href),
                roles=["thumbnail"],
                title="Thumbnail",
            ),
        )
    for frame in product.frames:
        key = f"{frame.band}-{frame.passport.source.rsplit('_', 1)[-1].removesuffix('.xml')}"
        band_eo, band_bands = _band_dicts((frame.band,)) if frame.band in _BANDS else ([], [])
        if frame.data_href is not None:
            item.add_asset(
                key,
                pystac.Asset(
                    href=frame.data_href,
                    media_type=TIFF,
                    roles=["data"],
                    title=f"Frame {key}",
                    extra_fields={
                        "bands": band_bands,
                        "eo:bands": [b.to_dict() for b in band_eo],
                        "proj:shape": [frame.passport.height, frame.passport.width],
                    },
                ),
            )
        item.add_asset(
            f"{key}-rpc",
            pystac.Asset(
                href=frame.passport_href,
                media_type="text/plain; charset=windows-1251",
                roles=["metadata", "rpc"],
                title=f"Frame passport of {key}: time, orbit state, attitude and RPC",
            ),
        )


def _picture_type(href: str) -> str:
    """The media type of a preview or thumbnail: PNG (zorka's thumbnails) or JPEG."""
    return pystac.MediaType.PNG if href.lower().endswith(".png") else pystac.MediaType.JPEG


def collection_for(collection: str, items: list[pystac.Item]) -> pystac.Collection:
    """A collection with the given id whose extent covers ``items`` (at least one)."""
    if not items:
        raise ValueError(f"collection {collection} needs at least one item for its extent")
    west = min(i.bbox[0] for i in items if i.bbox)
    south = min(i.bbox[1] for i in items if i.bbox)
    east = max(i.bbox[2] for i in items if i.bbox)
    north = max(i.bbox[3] for i in items if i.bbox)
    times = [t for i in items for t in (i.datetime, *_range(i)) if t is not None]
    platform, _, level = collection.partition("-")
    return pystac.Collection(
        id=collection,
        description=f"{platform.upper()} products at processing level {level.upper()}",
        title=f"{platform.upper()} {level.upper()}",
        extent=pystac.Extent(
            pystac.SpatialExtent([[west, south, east, north]]),
            pystac.TemporalExtent([[min(times), max(times)]]),
        ),
        license="other",
        summaries=pystac.Summaries({"platform": [platform], "processing:level": [level.upper()]}),
    )


def _range(item: pystac.Item) -> tuple[datetime | None, datetime | None]:
    return item.common_metadata.start_datetime, item.common_metadata.end_datetime
