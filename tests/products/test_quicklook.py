"""Quick-looks from rasters: thumbnails and browse images.

The shared BKA products carry previews but not their rasters, so the rasters here are synthetic
GeoTIFFs written with rasterio: a tenth of the real MUL L1C scene's size, on its UTM grid, with
the scene a tilted strip and zeros around it as in the real map-projected products.
"""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine  # rasterio's own dependency
from numpy.typing import NDArray

from zorka.catalog import SQLiteCatalog, ingest_paths
from zorka.products import (
    QuickLookError,
    add_quicklooks,
    make_quicklooks,
    read_product_folder,
)
from zorka.products.quicklook import OVERVIEW_PX, THUMBNAIL_PX

MUL_C = "4077631-0220-MUL-C-1-1-1100761-150924T044238-ID"
# The scene's upper-left corner on UTM 48S (from its world file), 10x the 10.5 m pixels.
TRANSFORM = Affine(105.0, 0.0, 593_847.0, 0.0, -105.0, 9_341_520.0)


def strip(width: int, height: int) -> NDArray[np.bool_]:
    """A strip tilted like a descending pass, inside a ``height x width`` grid."""
    rows, cols = np.mgrid[0:height, 0:width]
    centre = width / 2 + (rows - height / 2) * -0.2
    return np.abs(cols - centre) < width * 0.35


def write_mul(path: Path, width: int = 306, height: int = 680, nodata: float | None = None) -> None:
    """A 4-band uint16 scene (MS1..MS4), the corners zero. Red (MS3) brightens eastwards and
    blue (MS1) westwards, so that which band is shown in which colour can be told."""
    inside = strip(width, height)
    rng = np.random.default_rng(6)
    east = np.linspace(0.0, 1.0, width)[None, :]
    levels = {1: 300 * (1.5 - east), 2: 500 + 0 * east, 3: 2500 * (0.5 + east), 4: 1800 + 0 * east}
    data = np.zeros((4, height, width), dtype=np.uint16)
    for band, level in levels.items():
        noise = (level + rng.normal(0, 30, (height, width))).clip(1, 4095)
        data[band - 1] = np.where(inside, noise, 0).astype(np.uint16)
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 4,
        "dtype": "uint16",
        "crs": "EPSG:32748",
        "transform": TRANSFORM,
        "nodata": nodata,
    }
    with rasterio.open(path, "w", **profile) as target:
        target.write(data)


def read(path: Path) -> NDArray[np.uint8]:
    with pytest.warns(rasterio.errors.NotGeoreferencedWarning), rasterio.open(path) as source:
        return np.asarray(source.read())


@pytest.mark.parametrize("nodata", [None, 0.0])
def test_thumbnail_and_browse_image_of_a_multispectral_raster(
    tmp_path: Path, nodata: float | None
) -> None:
    raster = tmp_path / "scene.tif"
    write_mul(raster, nodata=nodata)
    made = make_quicklooks(raster, tmp_path / "ql", bands=[3, 2, 1])
    assert made.thumbnail.name == "thumbnail.png" and made.thumbnail.read_bytes()[:4] == b"\x89PNG"
    assert made.overview is not None and made.overview.read_bytes()[:2] == b"\xff\xd8"
    thumb = read(made.thumbnail)
    # RGBA, the longer side THUMBNAIL_PX, the aspect ratio kept.
    assert thumb.shape == (4, THUMBNAIL_PX, math.ceil(THUMBNAIL_PX * 306 / 680))
    red, green, blue, alpha = (thumb[i].astype(float) for i in range(4))
    inside = alpha == 255
    # Transparent outside the strip, opaque inside it: the strip's share of the picture.
    assert inside.mean() == pytest.approx(strip(306, 680).mean(), abs=0.03)
    assert set(np.unique(alpha)) == {0, 255}
    assert thumb[0, 0, 0] == 0 and alpha[0, 0] == 0  # a corner
    # Stretched per band between its 2nd and 98th percentiles: the gradients fill 0..255.
    for band in (red, blue):
        assert np.percentile(band[inside], 5) < 40 and np.percentile(band[inside], 95) > 215
    assert 60 < np.median(green[inside]) < 200
    # The browse image: no larger than the raster, not blown up; the corners black.
    browse = read(made.overview)
    assert browse.shape == (3, 680, 306)
    assert browse[:, 0, 0].tolist() == [0, 0, 0]
    assert OVERVIEW_PX >= 680


def test_large_rasters_are_read_decimated(tmp_path: Path) -> None:
    raster = tmp_path / "wide.tif"
    write_mul(raster, width=3000, height=1200)
    made = make_quicklooks(raster, tmp_path, overview_px=500, thumbnail_px=100)
    assert made.overview is not None
    assert read(made.overview).shape == (3, 200, 500)
    assert read(made.thumbnail).shape == (4, 40, 100)


def test_one_band_is_grey(tmp_path: Path) -> None:
    raster = tmp_path / "pan.tif"
    write_mul(raster)
    made = make_quicklooks(raster, tmp_path, bands=[4], overview=False)
    assert made.overview is None and not (tmp_path / "overview.jpg").exists()
    assert read(made.thumbnail).shape[0] == 2  # grey and alpha


def test_what_cannot_be_made_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raster = tmp_path / "scene.tif"
    write_mul(raster)
    with pytest.raises(QuickLookError, match=r"scene\.tif: bands \[5\] cannot be shown"):
        make_quicklooks(raster, tmp_path, bands=[5])
    with pytest.raises(QuickLookError, match=r"bands \[1, 2\]"):
        make_quicklooks(raster, tmp_path, bands=[1, 2])
    text = tmp_path / "notes.tif"
    text.write_text("not a raster")
    with pytest.raises(QuickLookError, match=r"notes\.tif: cannot be read as a raster"):
        make_quicklooks(text, tmp_path)
    monkeypatch.setitem(sys.modules, "rasterio", None)
    with pytest.raises(QuickLookError, match="need rasterio"):
        make_quicklooks(raster, tmp_path)


@pytest.fixture
def mul_with_raster(bka_dir: Path, tmp_path: Path) -> Path:
    """A copy of the real MUL L1C product with a synthetic raster where its passport names one,
    and without its delivered preview."""
    folder = tmp_path / "products" / MUL_C
    shutil.copytree(bka_dir / "L1C" / "data" / MUL_C, folder)
    for path in folder.iterdir():
        path.chmod(0o644)  # the shared files are read-only
    (folder / f"{MUL_C}_preview.jpg").unlink()
    write_mul(folder / f"{MUL_C}.tif")
    return folder


def test_products_with_rasters_get_both_quick_looks(mul_with_raster: Path, tmp_path: Path) -> None:
    product = read_product_folder(mul_with_raster / f"{MUL_C}_pasp-en.xml")
    assert product.preview_href is None and product.thumbnail_href is None
    with_looks, issues = add_quicklooks(product, tmp_path / "ql")
    assert issues == []
    assert with_looks.thumbnail_href == str((tmp_path / "ql" / "thumbnail.png").resolve())
    assert with_looks.preview_href == str((tmp_path / "ql" / "overview.jpg").resolve())
    # Natural colour from the passport's band order: MS3 shown as red, MS1 as blue.
    red, _, blue, alpha = read(tmp_path / "ql" / "thumbnail.png").astype(float)
    inside = alpha == 255
    columns = np.broadcast_to(np.arange(red.shape[1], dtype=float), red.shape)[inside]
    assert np.corrcoef(columns, red[inside])[0, 1] > 0.8
    assert np.corrcoef(columns, blue[inside])[0, 1] < -0.8
    # Made once: a second call reuses what is newer than the raster.
    stamp = (tmp_path / "ql" / "thumbnail.png").stat().st_mtime_ns
    add_quicklooks(product, tmp_path / "ql")
    assert (tmp_path / "ql" / "thumbnail.png").stat().st_mtime_ns == stamp


def test_ingest_adds_quick_looks_as_assets(
    mul_with_raster: Path, bka_dir: Path, tmp_path: Path
) -> None:
    store = SQLiteCatalog(tmp_path / "catalog.sqlite")
    looks = tmp_path / "quicklooks"
    report = ingest_paths(store, [mul_with_raster.parent, bka_dir / "L1B"], quicklook_dir=looks)
    assert report.errors == [] and len(report.ingested) == 3
    made = store.get("bka-l1c", MUL_C)
    assert made is not None
    assets = made["assets"]
    assert assets["thumbnail"] == {
        "href": str((looks / "bka-l1c" / MUL_C / "thumbnail.png").resolve()),
        "type": "image/png",
        "title": "Thumbnail",
        "roles": ["thumbnail"],
    }
    assert assets["overview"]["href"].endswith(f"bka-l1c/{MUL_C}/overview.jpg")
    assert assets["overview"]["roles"] == ["overview"]
    # No raster, a delivered preview: the preview stays the overview and gives the thumbnail.
    l1b = store.get("bka-l1b", "4077631-0220-PAN-B-1-1-1100761-150924T044238-ID")
    assert l1b is not None
    assert l1b["assets"]["overview"]["href"].startswith(str(bka_dir.resolve()))
    assert l1b["assets"]["thumbnail"]["href"].endswith("thumbnail.png")
    assert read(Path(l1b["assets"]["thumbnail"]["href"])).shape[1] == THUMBNAIL_PX
    store.close()


def test_a_raster_that_cannot_be_read_is_an_issue_not_a_failure(
    mul_with_raster: Path, tmp_path: Path
) -> None:
    (mul_with_raster / f"{MUL_C}.tif").write_bytes(b"II*\x00broken")
    store = SQLiteCatalog(":memory:")
    report = ingest_paths(store, [mul_with_raster], quicklook_dir=tmp_path / "ql")
    assert report.ingested == [MUL_C]
    assert any("no quick-looks" in issue for issue in report.issues[MUL_C])
    item = store.get("bka-l1c", MUL_C)
    assert item is not None and "thumbnail" not in item["assets"]
