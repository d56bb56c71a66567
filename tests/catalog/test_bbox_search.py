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


def test_bbox_pages_count_and_sort_in_one_pass() -> None:
    # A bbox search counts and pages in one pass over the index; it must agree with the same
    # search filtered without the index (a CQL2 spatial filter), page by page.
    store = SQLiteCatalog(":memory:")
    items = []
    for n in range(60):
        x, y = (n % 10) * 0.3, (n // 10) * 0.3
        entry = item(f"i{n:02d}", [[x, y], [x + 0.2, y], [x + 0.2, y + 0.2]])
        entry["properties"] = {"datetime": f"2020-01-{1 + n % 28:02d}T00:00:00Z", "gsd": n % 7}
        items.append(entry)
    store.ingest(items)
    box = [0.11, 0.17, 1.83, 0.9]
    spatial = {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": box}]}
    expected = 27  # of 28 triangles whose bounds reach the box, one only by its bounds
    for sortby in ([], [("gsd", "desc")], [("id", "asc")]):
        pages: dict[str, list[list[str]]] = {"bbox": [], "filter": []}
        for how, query in (
            ("bbox", SearchQuery(bbox=box, sortby=sortby, limit=7)),
            ("filter", SearchQuery(filter=spatial, sortby=sortby, limit=7)),
        ):
            token: str | None = None
            while True:
                page = store.search(SearchQuery(**{**query.__dict__, "token": token}))
                assert page.matched == expected, how
                pages[how].append([i["id"] for i in page.items])
                token = page.next_token
                if token is None:
                    break
        assert pages["bbox"] == pages["filter"], sortby
        assert sum(len(p) for p in pages["bbox"]) == expected
    # Past the last page: no items, and still the count.
    past = store.search(SearchQuery(bbox=box, limit=7, token="bzoxMDA="))  # offset 100
    assert past.items == [] and past.matched == expected and past.next_token is None
    nothing = store.search(SearchQuery(bbox=[50, 50, 51, 51]))
    assert nothing.items == [] and nothing.matched == 0
    store.close()
