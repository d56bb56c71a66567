"""A bbox search: items inside the box skip the exact test, items only near it get it."""

from __future__ import annotations

from typing import Any

from zorka.catalog import SearchQuery, SQLiteCatalog


def item(item_id: str, ring: list[list[float]]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": item_id,
        "collection": "c",
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        "properties": {"datetime": "2020-01-01T00:00:00Z"},
    }


def test_bbox_inside_near_and_crossing() -> None:
    store = SQLiteCatalog(":memory:")
    store.ingest(
        [
            item("inside", [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4]]),
            # Its bounds overlap the box's corner, the triangle itself does not reach it.
            item("near", [[0.9, 1.5], [1.5, 0.9], [1.5, 1.5]]),
            item("crossing", [[0.8, 0.8], [1.5, 0.8], [1.5, 1.5]]),
            item("far", [[5, 5], [6, 5], [6, 6]]),
        ]
    )
    page = store.search(SearchQuery(bbox=[0, 0, 1, 1]))
    assert sorted(i["id"] for i in page.items) == ["crossing", "inside"]
    assert page.matched == 2
    point = {"type": "Point", "coordinates": [1.3, 1.0]}
    assert [i["id"] for i in store.search(SearchQuery(intersects=point)).items] == ["crossing"]
    store.close()
