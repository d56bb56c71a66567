"""Quick-looks: the thumbnail and the browse image (STAC asset roles ``thumbnail`` and
``overview``) of a product, made from its raster.

The raster is read decimated (by rasterio, from the file's internal overviews where it has them),
so a 20,000-pixel scene costs about what its quick-look does. Images of more than 8 bits per
sample are stretched per band between the 2nd and 98th percentiles of the valid pixels; 8-bit
ones (a delivered preview JPEG) are taken as they are, already made for the eye. Pixels outside
the scene (the dataset's mask: nodata or alpha, or, for a raster that declares neither, all bands
zero, which is how the BKA products fill the corners of a map-projected scene) are transparent in
the thumbnail and black in the browse image.

The thumbnail is a PNG (with transparency, for map overlays) at most :data:`THUMBNAIL_PX` on its
longer side; the browse image a JPEG at most :data:`OVERVIEW_PX`. Neither is georeferenced.

rasterio is an optional dependency; without it :func:`make_quicklooks` raises
:class:`QuickLookError` saying so, and ingest goes on without quick-looks.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zorka.products.product import BkaProduct

__all__ = [
    "OVERVIEW_PX",
    "THUMBNAIL_PX",
    "QuickLookError",
    "QuickLooks",
    "add_quicklooks",
    "make_quicklooks",
]

#: The longer side of a thumbnail, in pixels.
THUMBNAIL_PX = 256
#: The longer side of a browse image, in pixels.
OVERVIEW_PX = 1024

THUMBNAIL_NAME = "thumbnail.png"
OVERVIEW_NAME = "overview.jpg"


class QuickLookError(ValueError):
    """A quick-look that cannot be made; the message names the raster."""


@dataclass(frozen=True)
class QuickLooks:
    """The files made: a thumbnail, and a browse image unless none was asked for."""

    thumbnail: Path
    overview: Path | None


def _rasterio() -> Any:
    try:
        import rasterio  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        raise QuickLookError(
            "quick-looks need rasterio, which is not installed (pip install rasterio)"
        ) from None
    return rasterio


def _shape(width: int, height: int, longest: int) -> tuple[int, int]:
    """``(rows, columns)`` of a picture of the raster at most ``longest`` on its longer side."""
    scale = max(width, height) / longest
    if scale <= 1:
        return height, width
    return max(1, math.ceil(height / scale)), max(1, math.ceil(width / scale))


def _limits(data: NDArray[Any], valid: NDArray[np.bool_]) -> list[tuple[float, float]]:
    """Per band, the values that become 0 and 255."""
    if data.dtype == np.uint8:
        return [(0.0, 255.0)] * data.shape[0]
    limits = []
    for band in data:
        values = band[valid]
        if values.size == 0:
            limits.append((0.0, 1.0))
            continue
        low, high = np.percentile(values, [2.0, 98.0])
        limits.append((float(low), float(high) if high > low else float(low) + 1.0))
    return limits


def _to_bytes(data: NDArray[Any], limits: list[tuple[float, float]]) -> NDArray[np.uint8]:
    out = np.empty(data.shape, dtype=np.uint8)
    for i, (low, high) in enumerate(limits):
        scaled = (data[i].astype(np.float64) - low) * (255.0 / (high - low))
        out[i] = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    return out


def make_quicklooks(
    source: str | Path,
    folder: str | Path,
    *,
    bands: Sequence[int] | None = None,
    overview: bool = True,
    thumbnail_px: int = THUMBNAIL_PX,
    overview_px: int = OVERVIEW_PX,
) -> QuickLooks:
    """Make ``thumbnail.png`` (and ``overview.jpg`` if ``overview``) in ``folder`` from the
    raster ``source``.

    ``bands`` are the 1-based bands shown as red, green and blue (or one, shown grey); by
    default bands 1-3 of a raster with three or more, else band 1.
    """
    rasterio = _rasterio()
    from rasterio.enums import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        MaskFlags,
        Resampling,
    )
    from rasterio.errors import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        RasterioError,
    )

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        # Previews and quick-looks carry no georeferencing, and need none.
        with not_georeferenced_quietly():
            with rasterio.open(source) as dataset:
                chosen = list(bands or ((1, 2, 3) if dataset.count >= 3 else (1,)))
                if len(chosen) not in (1, 3) or not all(1 <= b <= dataset.count for b in chosen):
                    raise QuickLookError(
                        f"{source}: bands {chosen} cannot be shown (the raster has "
                        f"{dataset.count}; give one band, or three for red, green, blue)"
                    )
                declares_mask = any(
                    MaskFlags.all_valid not in flags for flags in dataset.mask_flag_enums
                )
                pictures = []
                for longest in (overview_px, thumbnail_px):
                    shape = _shape(dataset.width, dataset.height, longest)
                    data = dataset.read(
                        chosen, out_shape=(len(chosen), *shape), resampling=Resampling.average
                    )
                    if declares_mask:
                        valid = dataset.dataset_mask(out_shape=shape) > 0
                    else:
                        valid = np.any(data != 0, axis=0)
                    pictures.append((data, valid))
            limits = _limits(*pictures[0])
            thumbnail = folder / THUMBNAIL_NAME
            data, valid = pictures[1]
            rgba = np.concatenate([_to_bytes(data, limits), (valid * 255).astype(np.uint8)[None]])
            _write(rasterio, thumbnail, "PNG", rgba)
            browse = None
            if overview:
                data, valid = pictures[0]
                browse = folder / OVERVIEW_NAME
                _write(rasterio, browse, "JPEG", _to_bytes(data, limits) * valid[None])
    except RasterioError as error:
        raise QuickLookError(f"{source}: cannot be read as a raster: {error}") from None
    return QuickLooks(thumbnail, browse)


#: ``warnings.catch_warnings`` swaps the process's filters and puts them back on exit: two
#: threads inside it at once (processing on Dask's threads) restore each other's filters at the
#: wrong moment, and a warning escapes as an error. The blocks that silence rasterio take turns.
_QUIET = threading.RLock()


@contextmanager
def not_georeferenced_quietly() -> Iterator[None]:
    """Silence rasterio's NotGeoreferencedWarning (pictures and frames with RPCs need no
    geotransform), one thread at a time."""
    from rasterio.errors import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        NotGeoreferencedWarning,
    )

    with _QUIET, warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        yield


def _write(rasterio: Any, path: Path, driver: str, data: NDArray[np.uint8]) -> None:
    count, height, width = data.shape
    # No .aux.xml sidecar beside the picture: it would hold nothing.
    with (
        rasterio.Env(GDAL_PAM_ENABLED="NO"),
        rasterio.open(
            path, "w", driver=driver, width=width, height=height, count=count, dtype="uint8"
        ) as target,
    ):
        target.write(data)


def _natural_colour(product: BkaProduct) -> list[int] | None:
    """The bands of a multispectral product's raster that are red, green and blue.

    The raster's bands are taken to be in the passport's band order (MS1..MS4 for the BKA MUL
    products: blue, green, red, near infrared).
    """
    codes = list(product.passport.sensor_codes)
    if all(c in codes for c in ("MS1", "MS2", "MS3")):
        return [codes.index(c) + 1 for c in ("MS3", "MS2", "MS1")]
    return None


def add_quicklooks(product: BkaProduct, folder: str | Path) -> tuple[BkaProduct, list[str]]:
    """The product with quick-looks made in ``folder`` as its thumbnail and browse image, and
    the problems met (a quick-look that cannot be made is a problem, not a failure).

    From the product's raster when it is present: a thumbnail, and a browse image unless a
    preview was delivered (that one is kept). With no raster but a delivered preview and no
    thumbnail: a thumbnail from the preview. Quick-looks newer than their source are reused.
    """
    rasters = [href for href in product.data_hrefs if Path(href).is_file()]
    if rasters:
        source, bands, browse = rasters[0], _natural_colour(product), product.preview_href is None
    elif product.preview_href is not None and product.thumbnail_href is None:
        source, bands, browse = product.preview_href, None, False
    else:
        return product, []
    folder = Path(folder)
    thumbnail, overview = folder / THUMBNAIL_NAME, folder / OVERVIEW_NAME
    wanted = [thumbnail, overview] if browse else [thumbnail]
    source_time = Path(source).stat().st_mtime
    if not all(p.is_file() and p.stat().st_mtime >= source_time for p in wanted):
        try:
            make_quicklooks(source, folder, bands=bands, overview=browse)
        except QuickLookError as error:
            return product, [f"{product.name}: no quick-looks: {error}"]
    return (
        replace(
            product,
            thumbnail_href=str(thumbnail.resolve()),
            preview_href=str(overview.resolve()) if browse else product.preview_href,
        ),
        [],
    )
