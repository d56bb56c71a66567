"""The SQLite catalog on the real BKA products: ingest, search, filters, paging."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from zorka.catalog import FilterError, ItemError, SearchQuery, SQLiteCatalog, ingest_paths
from zorka.products.stac_validation import OfflineValidator

ID_SCENE = "4077631-0220-{}-1-1-1100761-150924T044238-ID"
L1A_ID = "4077631-0220-MUL-mk1-1-1100761-150924T044238-ID"
BR_PAN = "4089411-0220-PAN-C-1-1-1139831-160712T150120-BR"


@pytest.fixture
def catalog(tmp_path: Path, bka_path: Path, stac_schemas_path: Path) -> SQLiteCatalog:
    store = SQLiteCatalog(tmp_path / "catalog.db")
    report = ingest_paths(store, [bka_path], OfflineValidator([stac_schemas_path]))
    assert report.errors == [] and len(report.ingested) == 7
    return store


def ids(catalog: SQLiteCatalog, **kwargs: Any) -> list[str]:
    return sorted(i["id"] for i in catalog.search(SearchQuery(limit=100, **kwargs)).items)


def test_collections_per_level(catalog: SQLiteCatalog) -> None:
    assert [c["id"] for c in catalog.collections()] == ["bka-l1a", "bka-l1b", "bka-l1c"]
    l1c = catalog.collection("bka-l1c")
    assert l1c is not None
    assert l1c["extent"]["spatial"]["bbox"][0][0] < -45  # Brazil and Indonesia


def test_bbox_intersects_datetime_ids_collections(catalog: SQLiteCatalog) -> None:
    assert ids(catalog, bbox=[-46.0, -24.0, -45.8, -23.6]) == [BR_PAN.replace("PAN", "MUL"), BR_PAN]
    assert len(ids(catalog, bbox=[106.5, -6.3, 106.6, -6.2])) == 5
    # A point south of the L1B/L1C scenes but inside the L1A bundle's RPC footprint.
    point = {"type": "Point", "coordinates": [106.68, -6.58]}
    assert ids(catalog, intersects=point) == [L1A_ID]
    assert ids(catalog, datetime="2016-01-01T00:00:00Z/..") == [
        BR_PAN.replace("PAN", "MUL"),
        BR_PAN,
    ]
    assert ids(catalog, datetime="2015-09-24T04:43:02Z") == [
        ID_SCENE.format("PAN-B"),
        ID_SCENE.format("PAN-C"),
    ]
    assert ids(catalog, ids=[BR_PAN, "nope"]) == [BR_PAN]
    assert ids(catalog, collections=["bka-l1b"]) == [
        ID_SCENE.format("MUL-B"),
        ID_SCENE.format("PAN-B"),
    ]


def test_cql2_text_and_json(catalog: SQLiteCatalog) -> None:
    text = "\"eo:cloud_cover\" < 1 AND platform = 'bka' AND gsd < 5"
    assert ids(catalog, filter=text) == [BR_PAN]
    as_json = {
        "op": "and",
        "args": [
            {"op": "like", "args": [{"property": "processing:level"}, "L1_"]},
            {"op": "in", "args": [{"property": "bka:country_code"}, ["ID"]]},
            {"op": "between", "args": [{"property": "view:sun_elevation"}, 84.0, 84.07]},
        ],
    }
    assert ids(catalog, filter=as_json) == [L1A_ID]
    spatial = "S_INTERSECTS(geometry, POINT(106.68 -6.58))"
    assert ids(catalog, filter=spatial) == [L1A_ID]
    temporal = "T_AFTER(datetime, TIMESTAMP('2016-01-01T00:00:00Z'))"
    assert len(ids(catalog, filter=temporal)) == 2
    assert ids(catalog, filter="id = 'x' OR NOT (gsd > 3)") == [
        ID_SCENE.format("PAN-B"),
        ID_SCENE.format("PAN-C"),
        BR_PAN,
    ]


def test_bad_filters_name_the_problem(catalog: SQLiteCatalog) -> None:
    with pytest.raises(FilterError, match=r"1:7"):
        catalog.search(SearchQuery(filter="gsd < "))
    with pytest.raises(FilterError, match="a_contains"):
        catalog.search(SearchQuery(filter="A_CONTAINS(instruments, ('mss'))"))
    with pytest.raises(FilterError, match="invalid datetime"):
        catalog.search(SearchQuery(datetime="yesterday"))
    with pytest.raises(FilterError, match="paging token"):
        catalog.search(SearchQuery(token="!!"))


def test_sort_and_paging(catalog: SQLiteCatalog) -> None:
    query = SearchQuery(sortby=[("gsd", "desc"), ("id", "asc")], limit=3)
    seen: list[str] = []
    page = catalog.search(query)
    assert page.matched == 7
    while True:
        seen += [i["id"] for i in page.items]
        if page.next_token is None:
            break
        page = catalog.search(SearchQuery(sortby=query.sortby, limit=3, token=page.next_token))
    assert len(seen) == 7 and len(set(seen)) == 7
    gsds = [catalog.search(SearchQuery(ids=[i])).items[0]["properties"]["gsd"] for i in seen]
    assert gsds == sorted(gsds, reverse=True)


def test_ingest_is_transactional_and_replaces(catalog: SQLiteCatalog) -> None:
    item = catalog.get("bka-l1c", BR_PAN)
    assert item is not None
    changed = copy.deepcopy(item)
    changed["properties"]["eo:cloud_cover"] = 55.0
    broken = copy.deepcopy(item)
    broken["id"] = "broken"
    del broken["geometry"]
    with pytest.raises(ItemError, match="broken"):
        catalog.ingest([changed, broken])
    assert catalog.search(SearchQuery(filter='"eo:cloud_cover" = 55')).matched == 0
    assert catalog.ingest([changed]) == 1
    assert catalog.search(SearchQuery()).matched == 7
    assert catalog.search(SearchQuery(filter='"eo:cloud_cover" = 55')).matched == 1
    assert catalog.delete("bka-l1c", BR_PAN) and catalog.get("bka-l1c", BR_PAN) is None


def test_reingesting_the_tree_keeps_one_item_per_product(
    catalog: SQLiteCatalog, bka_path: Path
) -> None:
    ingest_paths(catalog, [bka_path])
    assert catalog.search(SearchQuery()).matched == 7


def test_bbox_and_datetime_together_use_the_space_time_index(catalog: SQLiteCatalog) -> None:
    box = [106.5, -6.3, 106.6, -6.2]
    assert ids(catalog, bbox=box, datetime="2015-09-24T04:43:02Z") == [
        ID_SCENE.format("PAN-B"),
        ID_SCENE.format("PAN-C"),
    ]
    # Open ends, and a period just missing the scene (the index is in days, the test exact).
    assert len(ids(catalog, bbox=box, datetime="../2015-09-24T04:43:02Z")) == 5
    assert ids(catalog, bbox=box, datetime="../2015-09-24T04:43:01Z") == [
        ID_SCENE.format("MUL-B"),
        ID_SCENE.format("MUL-C"),
        L1A_ID,
    ]
    assert ids(catalog, bbox=box, datetime="../2015-09-24T04:42:59Z") == []
    assert ids(catalog, bbox=box, datetime="2015-09-24T04:43:03Z/..") == []


def test_a_catalog_with_the_older_space_only_index_is_migrated(
    catalog: SQLiteCatalog, tmp_path: Path
) -> None:
    catalog.close()
    db = sqlite3.connect(tmp_path / "catalog.db")
    db.execute("CREATE VIRTUAL TABLE items_rtree USING rtree (pk, minx, maxx, miny, maxy)")
    db.execute("INSERT INTO items_rtree SELECT pk, minx, maxx, miny, maxy FROM items_extent")
    db.execute("DROP TABLE items_extent")
    db.commit()
    db.close()
    reopened = SQLiteCatalog(tmp_path / "catalog.db")
    assert ids(reopened, bbox=[106.5, -6.3, 106.6, -6.2], datetime="2015-09-24T04:43:02Z") == [
        ID_SCENE.format("PAN-B"),
        ID_SCENE.format("PAN-C"),
    ]
    tables = {r[0] for r in reopened._db.execute("SELECT name FROM sqlite_master")}
    assert "items_rtree" not in tables and "items_extent" in tables
    reopened.close()
