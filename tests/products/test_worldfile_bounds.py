"""World files and footprint shapefiles of the real products."""

from __future__ import annotations

from pathlib import Path

import pytest

from zorka.products.bounds import read_bounds
from zorka.products.errors import ProductFormatError
from zorka.products.passport import read_passport
from zorka.products.product import check_world_file
from zorka.products.worldfile import read_world_file


def test_tfw_values_and_corner_transform(l1c_pan_dir: Path) -> None:
    w = read_world_file(l1c_pan_dir / f"{l1c_pan_dir.name}.tfw")
    assert (w.a, w.d, w.b, w.e) == (2.1199999999999974, 0.0, 0.0, -2.1199999999999992)
    assert (w.c, w.f) == (659441.56374267826, -650671.05096164613)
    *_, x0, _, _, y0 = w.transform
    assert x0 == pytest.approx(659441.5637 - 1.06, abs=1e-3)
    assert y0 == pytest.approx(-650671.0510 + 1.06, abs=1e-3)
    x, y = w.pixel_to_map([0, 10], [0, 20])
    assert x[1] - x[0] == pytest.approx(21.2) and y[1] - y[0] == pytest.approx(-42.4)


def test_world_file_northing_checked_against_the_passport(l1c_pan_dir: Path) -> None:
    passport = read_passport(l1c_pan_dir / f"{l1c_pan_dir.name}_pasp-en.xml")
    world = read_world_file(l1c_pan_dir / f"{l1c_pan_dir.name}.tfw")
    fixed, issues = check_world_file(passport, world, "x.tfw")
    # The ID products' world files use the northern UTM origin although EPSG is 32748.
    assert fixed.f == pytest.approx(world.f + 10_000_000)
    assert len(issues) == 1 and "northern UTM origin" in issues[0]
    # After the correction the raster's far corner lands on the passport's SE corner.
    assert passport.width is not None and passport.height is not None
    assert passport.map_corners is not None
    x, y = fixed.pixel_to_map(passport.width - 0.5, passport.height - 0.5)
    assert float(x) == pytest.approx(passport.map_corners["SE"][0], abs=2 * 2.12)
    assert float(y) == pytest.approx(passport.map_corners["SW"][1], abs=2 * 2.12)


def test_preview_jgw(l1c_pan_dir: Path) -> None:
    w = read_world_file(l1c_pan_dir / f"{l1c_pan_dir.name}_preview.jgw")
    assert (w.a, w.e, w.c, w.f) == (42.0, -42.0, 659461.5037427, -650690.9909616)


def test_bad_world_file(tmp_path: Path) -> None:
    path = tmp_path / "x.tfw"
    path.write_text("1\n0\n0\n-1\n5\n")
    with pytest.raises(ProductFormatError, match="6 numbers"):
        read_world_file(path)


def test_bounds_shapefile_matches_the_passport(l1c_pan_dir: Path) -> None:
    b = read_bounds(l1c_pan_dir / f"{l1c_pan_dir.name}_bounds.shp")
    passport = read_passport(l1c_pan_dir / f"{l1c_pan_dir.name}_pasp-en.xml")
    ring = list(b.geometry.exterior.coords)[:4]
    for (lon, lat), (p_lon, p_lat) in zip(ring, passport.corner_lonlat, strict=True):
        assert lon == pytest.approx(p_lon, abs=1e-8) and lat == pytest.approx(p_lat, abs=1e-8)
    assert b.attributes["EPSG"] == 32748
    assert b.attributes["AcqTimeGMT"] == "2015-09-24T04:43:02"
    assert b.attributes["GroundRes"] == 2.12
    assert b.prj is not None and "GCS_WGS_1984" in b.prj
    assert b.issues == ()


def test_not_a_shapefile(tmp_path: Path) -> None:
    path = tmp_path / "x_bounds.shp"
    path.write_bytes(b"nonsense" * 20)
    with pytest.raises(ProductFormatError, match=r"x_bounds\.shp"):
        read_bounds(path)
