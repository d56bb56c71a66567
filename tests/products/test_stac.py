"""STAC items of the real BKA products, validated offline against STAC 1.1 and extensions."""

from __future__ import annotations

from pathlib import Path

import pystac
import pytest
from pystac.errors import STACValidationError
from pystac.validation.stac_validator import GetSchemaError
from shapely.geometry import shape

from zorka.products.product import BkaProduct
from zorka.products.scan import find_products
from zorka.products.stac import collection_for, collection_id, item_from_product
from zorka.products.stac_validation import OfflineValidator, validate_item


@pytest.fixture(scope="module")
def products(bka_dir: Path) -> list[BkaProduct]:
    return find_products([bka_dir]).products


@pytest.fixture(scope="module")
def validator(stac_schemas_dir: Path) -> OfflineValidator:
    return OfflineValidator([stac_schemas_dir])


def test_every_item_validates_offline(
    products: list[BkaProduct], validator: OfflineValidator
) -> None:
    assert len(products) == 7
    for product in products:
        item = item_from_product(product, collection_href="../collection.json")
        schemas = validate_item(item, validator)
        assert len(schemas) == 5, schemas
        assert item.collection_id == collection_id(product)
        round_trip = pystac.Item.from_dict(item.to_dict(include_self_link=False))
        assert round_trip.to_dict(include_self_link=False) == item.to_dict(include_self_link=False)


def test_l1c_mul_item_fields(products: list[BkaProduct]) -> None:
    product = next(p for p in products if p.name.startswith("4077631-0220-MUL-C"))
    item = item_from_product(product)
    assert item.id == "4077631-0220-MUL-C-1-1-1100761-150924T044238-ID"
    assert collection_id(product) == "bka-l1c"
    p = item.properties
    assert (p["platform"], p["constellation"], p["instruments"]) == ("bka", "kanopus-v", ["mss"])
    assert (p["gsd"], p["processing:level"], p["eo:cloud_cover"]) == (10.52, "L1C", 1.0)
    assert [(b["name"], b["common_name"], b["center_wavelength"]) for b in p["eo:bands"]] == [
        ("MS1", "blue", 0.492),
        ("MS2", "green", 0.558),
        ("MS3", "red", 0.675),
        ("MS4", "nir", 0.782),
    ]
    assert item.assets["data"].extra_fields["bands"][3]["eo:center_wavelength"] == 0.782
    assert (p["proj:code"], p["proj:shape"]) == ("EPSG:32748", [6791, 3052])
    # The .tfw pixel-centre northing, moved to the corner and to the southern UTM origin.
    assert p["proj:transform"][5] == pytest.approx(10_000_000 - 651073.46273933293 + 5.26)
    assert (p["view:sun_elevation"], p["view:sun_azimuth"], p["view:off_nadir"]) == (
        84.08,
        6.84,
        2.31,
    )
    assert p["sat:platform_international_designator"] == "2012-039B"
    assert item.datetime is not None and item.datetime.isoformat() == "2015-09-24T04:43:01+00:00"
    assert {k: a.roles for k, a in item.assets.items()} == {
        "data": ["data"],
        "metadata": ["metadata"],
        "overview": ["overview"],
    }
    assert shape(item.geometry).exterior.is_ccw


def test_l1a_item_uses_the_rpc_footprint(products: list[BkaProduct]) -> None:
    product = next(p for p in products if p.level == "L1A")
    item = item_from_product(product)
    assert collection_id(product) == "bka-l1a"
    assert item.properties["proj:code"] is None
    geometry = shape(item.geometry)
    assert geometry.is_valid and geometry.contains(product.rpc_footprint().centroid)
    rpc_assets = [k for k, a in item.assets.items() if "rpc" in (a.roles or [])]
    assert len(rpc_assets) == 36
    assert item.assets["MS4-756"].extra_fields["proj:shape"] == [985, 1920]


def test_delivery_item(products: list[BkaProduct]) -> None:
    product = next(p for p in products if p.name.startswith("4089411-0220-PAN"))
    item = item_from_product(product)
    assert item.common_metadata.start_datetime is not None
    assert item.common_metadata.start_datetime.isoformat() == "2016-07-12T15:01:16+00:00"
    assert item.assets["archive"].media_type == "application/zip"
    assert item.assets["thumbnail"].roles == ["thumbnail"]
    assert "proj:transform" not in item.properties  # no world file of the raster: not guessed


def test_invalid_item_names_the_field(
    products: list[BkaProduct], validator: OfflineValidator
) -> None:
    item = item_from_product(products[0])
    item.properties["eo:cloud_cover"] = 140
    with pytest.raises(STACValidationError, match="140"):
        validate_item(item, validator)


def test_schema_not_held_offline_is_refused(products: list[BkaProduct]) -> None:
    item = item_from_product(products[0])
    with pytest.raises(GetSchemaError, match="not available offline"):
        validate_item(item, OfflineValidator())


def test_collections_per_level(products: list[BkaProduct]) -> None:
    l1c = [item_from_product(p) for p in products if p.level == "L1C"]
    collection = collection_for("bka-l1c", l1c)
    collection.validate()  # core schema only: bundled in pystac
    interval = collection.extent.temporal.intervals[0]
    assert interval[0] is not None and interval[0].year == 2015
    assert interval[1] is not None and interval[1].year == 2016
