"""The zipped L1C delivery, its EOP metadata, and scanning the whole shared BKA tree."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from zorka.products.delivery import read_delivery
from zorka.products.eop import read_eop
from zorka.products.errors import ProductFormatError
from zorka.products.scan import find_products


def test_eop_metadata(delivery_zip: Path) -> None:
    with zipfile.ZipFile(delivery_zip) as z:
        eop = read_eop("525_bka_1028560.xml", z.read("525_bka_1028560.xml"))
    assert eop.identifier == "NAS_1028560"
    assert eop.parent_identifier == "urn:ogc:def:EOP:NAS"
    assert (eop.processing_level, eop.product_format) == ("L1D", "GeoTiff")
    assert eop.start_time == datetime(2016, 7, 12, 15, 1, 16, tzinfo=UTC)
    assert eop.end_time == datetime(2016, 7, 12, 15, 1, 23, tzinfo=UTC)
    assert (eop.platform, eop.instrument, eop.sensor_type) == ("BKA", "MSS_PSS", "OPTICAL")
    # posList is latitude first; the polygon is lon/lat.
    assert eop.footprint.exterior.coords[0] == (-45.8360763888889, -23.5222048611111)


def test_delivery_holds_mul_and_pan(delivery_zip: Path) -> None:
    products = read_delivery(delivery_zip)
    assert [p.name for p in products] == [
        "4089411-0220-MUL-C-1-1-1139831-160712T150120-BR",
        "4089411-0220-PAN-C-1-1-1139831-160712T150120-BR",
    ]
    mul, pan = products
    assert mul.passport.instrument == "MUL" and pan.passport.instrument == "PAN"
    assert pan.level == "L1C" and pan.passport.epsg == 32723
    assert pan.passport.pixel_size_m == (2.14, 2.14)
    assert pan.archive_href == str(delivery_zip.resolve())
    assert pan.thumbnail_href is not None and pan.thumbnail_href.endswith("-icon.jpg")
    assert pan.bounds is not None
    assert any("EOP processing level L1D" in i for i in pan.issues)
    assert any("counter-clockwise" in i for i in pan.issues)
    assert any("is missing or empty" in i for i in pan.issues)


def test_broken_zip_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(b"PK not really")
    with pytest.raises(ProductFormatError, match=r"x\.zip"):
        read_delivery(path)


def test_scan_the_shared_tree(bka_dir: Path) -> None:
    scan = find_products([bka_dir, bka_dir / "L1A"])  # a product met twice is read once
    assert scan.errors == []
    assert [(p.name.split("-")[2], p.level) for p in scan.products] == [
        ("MUL", "L1B"),
        ("MUL", "L1C"),
        ("MUL", "L1A"),
        ("PAN", "L1B"),
        ("PAN", "L1C"),
        ("MUL", "L1C"),
        ("PAN", "L1C"),
    ]
    l1a = next(p for p in scan.products if p.level == "L1A")
    assert len(l1a.frames) == 36
    assert any("band MS1 carry the same orbit time" in i for i in l1a.issues)


def test_scan_goes_on_past_a_bad_product(bka_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "bad_pasp-en.xml").write_text("<MetaData><Processing>")
    scan = find_products([bad, bka_dir / "L1C", tmp_path / "nowhere"])
    assert len(scan.products) == 4
    assert len(scan.errors) == 2
    assert "bad_pasp-en.xml" in str(scan.errors[0]) or "bad_pasp-en.xml" in str(scan.errors[1])
