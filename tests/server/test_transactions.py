"""Transactions: items and collections written through the API, only with the operator key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

BR_PAN = "4089411-0220-PAN-C-1-1-1139831-160712T150120-BR"
# The key the ``writable`` fixture's server was started with.
API_KEY = "operator-secret"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


def new_item(client: TestClient, item_id: str = "copy-of-br-pan") -> dict[str, Any]:
    """A stored item under another id, with its assets moved to a remote store."""
    item = client.get(f"/collections/bka-l1c/items/{BR_PAN}").json()
    item = copy.deepcopy(item)
    item["id"] = item_id
    item["links"] = []
    for key, asset in item["assets"].items():
        asset["href"] = f"https://data.example.org/{item_id}/{key}"
    return item


def test_writes_need_the_key(writable: TestClient, catalog_file: Path) -> None:
    item = new_item(writable)
    assert writable.post("/collections/bka-l1c/items", json=item).status_code == 401
    wrong = writable.post(
        "/collections/bka-l1c/items", json=item, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert writable.delete(f"/collections/bka-l1c/items/{BR_PAN}").status_code == 401
    # The X-API-Key header works as well as a bearer token.
    created = writable.post("/collections/bka-l1c/items", json=item, headers={"X-API-Key": API_KEY})
    assert created.status_code == 201, created.text


def test_read_only_server_refuses_every_write(client: TestClient) -> None:
    answer = client.post("/collections/bka-l1c/items", json=new_item(client), headers=AUTH)
    assert answer.status_code == 403 and "api-key" in answer.json()["description"].lower()


def test_create_replace_delete(writable: TestClient) -> None:
    item = new_item(writable)
    created = writable.post("/collections/bka-l1c/items", json=item, headers=AUTH)
    assert created.status_code == 201, created.text
    url = "http://testserver/collections/bka-l1c/items/copy-of-br-pan"
    assert created.headers["location"] == url
    assert created.json()["assets"]["overview"]["href"].startswith("https://data.example.org/")
    found = writable.get("/search", params={"ids": "copy-of-br-pan"}).json()
    assert found["numberMatched"] == 1
    again = writable.post("/collections/bka-l1c/items", json=item, headers=AUTH)
    assert again.status_code == 409

    item["properties"]["eo:cloud_cover"] = 42.0
    replaced = writable.put("/collections/bka-l1c/items/copy-of-br-pan", json=item, headers=AUTH)
    assert replaced.status_code == 200, replaced.text
    hits = writable.get("/search", params={"filter": '"eo:cloud_cover" = 42'}).json()
    assert [f["id"] for f in hits["features"]] == ["copy-of-br-pan"]
    absent = writable.put(
        "/collections/bka-l1c/items/never", json=item | {"id": "never"}, headers=AUTH
    )
    assert absent.status_code == 404

    assert (
        writable.delete("/collections/bka-l1c/items/copy-of-br-pan", headers=AUTH).status_code
        == 204
    )
    assert writable.get("/collections/bka-l1c/items/copy-of-br-pan").status_code == 404
    assert (
        writable.delete("/collections/bka-l1c/items/copy-of-br-pan", headers=AUTH).status_code
        == 404
    )


def test_feature_collection_is_one_transaction(writable: TestClient) -> None:
    good = new_item(writable, "batch-1")
    bad = new_item(writable, "batch-2")
    del bad["geometry"]
    body = {"type": "FeatureCollection", "features": [good, bad]}
    refused = writable.post("/collections/bka-l1c/items", json=body, headers=AUTH)
    assert refused.status_code == 400 and "features[1]" in refused.json()["description"]
    assert writable.get("/collections/bka-l1c/items/batch-1").status_code == 404
    body["features"] = [good, new_item(writable, "batch-2")]
    stored = writable.post("/collections/bka-l1c/items", json=body, headers=AUTH)
    assert stored.status_code == 201
    assert len(stored.json()["features"]) == 2
    assert writable.get("/collections/bka-l1c/items/batch-2").status_code == 200


def test_bad_items_are_400s_that_name_the_field(writable: TestClient) -> None:
    def post(item: Any, collection: str = "bka-l1c") -> dict[str, Any]:
        answer = writable.post(f"/collections/{collection}/items", json=item, headers=AUTH)
        assert answer.status_code in (400, 404), answer.text
        return {"status": answer.status_code, "description": answer.json()["description"]}

    item = new_item(writable)
    assert (
        "properties.gsd"
        in post(item | {"properties": item["properties"] | {"gsd": -1}})["description"]
    )
    local = copy.deepcopy(item)
    local["assets"]["overview"]["href"] = "/etc/passwd"
    assert "assets.overview.href" in post(local)["description"]
    assert "item.collection" in post(item | {"collection": "bka-l1a"})["description"]
    assert "item.type" in post(item | {"type": "Catalog"})["description"]
    assert post(item, "nope")["status"] == 404
    no_time = copy.deepcopy(item)
    for key in ("datetime", "start_datetime", "end_datetime"):
        no_time["properties"].pop(key, None)
    assert "datetime" in post(no_time)["description"]
    mismatch = writable.put("/collections/bka-l1c/items/other", json=item, headers=AUTH)
    assert mismatch.status_code == 400 and "item.id" in mismatch.json()["description"]


def test_collections_can_be_added(writable: TestClient) -> None:
    collection = writable.get("/collections/bka-l1c").json()
    collection["id"] = "bka-l2"
    collection["links"] = []
    assert writable.post("/collections", json=collection).status_code == 401
    created = writable.post("/collections", json=collection, headers=AUTH)
    assert created.status_code == 201, created.text
    assert writable.post("/collections", json=collection, headers=AUTH).status_code == 409
    collection["title"] = "BKA L2"
    replaced = writable.put("/collections/bka-l2", json=collection, headers=AUTH)
    assert replaced.status_code == 200
    assert writable.get("/collections/bka-l2").json()["title"] == "BKA L2"
    item = new_item(writable, "l2-item") | {"collection": "bka-l2"}
    assert writable.post("/collections/bka-l2/items", json=item, headers=AUTH).status_code == 201
    broken = writable.post("/collections", json={"type": "Collection", "id": "x"}, headers=AUTH)
    assert broken.status_code == 400 and "collection" in broken.json()["description"]
