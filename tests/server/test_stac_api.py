"""The read side of the STAC API on the real BKA products: landing page, conformance,
collections, items, item search (GET and POST) with filter, sort, fields, query and paging."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pystac.validation import validate_dict

from zorka.products.stac_validation import OfflineValidator

BR_PAN = "4089411-0220-PAN-C-1-1-1139831-160712T150120-BR"
BR_MUL = BR_PAN.replace("PAN", "MUL")
ID_SCENE = "4077631-0220-{}-1-1-1100761-150924T044238-ID"
L1A = "4077631-0220-MUL-mk1-1-1100761-150924T044238-ID"
BASE = "http://testserver"


def ids(answer: dict[str, Any]) -> list[str]:
    return sorted(f["id"] for f in answer["features"])


def rels(document: dict[str, Any]) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in document["links"]}


def test_landing_page_and_conformance(client: TestClient) -> None:
    landing = client.get("/").json()
    assert landing["type"] == "Catalog" and landing["stac_version"] == "1.1.0"
    links = rels(landing)
    assert links["self"] == links["root"] == f"{BASE}/"
    assert links["conformance"] == f"{BASE}/conformance"
    assert links["data"] == f"{BASE}/collections"
    assert links["service-desc"] == f"{BASE}/api"
    search = [link for link in landing["links"] if link["rel"] == "search"]
    assert {link["method"] for link in search} == {"GET", "POST"}
    children = [link["href"] for link in landing["links"] if link["rel"] == "child"]
    assert children == [f"{BASE}/collections/bka-l1{level}" for level in "abc"]
    conforms = client.get("/conformance").json()["conformsTo"]
    assert conforms == landing["conformsTo"]
    for name in ("core", "collections", "ogcapi-features", "item-search", "item-search#filter"):
        assert f"https://api.stacspec.org/v1.0.0/{name}" in conforms
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conforms
    api = client.get("/api")
    assert api.status_code == 200 and "/search" in api.json()["paths"]
    assert api.headers["content-type"] == "application/json"
    # A client following service-desc asks for the link's media type and gets it back.
    service_desc = next(link for link in landing["links"] if link["rel"] == "service-desc")
    asked = client.get(service_desc["href"], headers={"Accept": service_desc["type"]})
    assert asked.headers["content-type"] == service_desc["type"]
    assert client.get("/api.html").text.count("url: '/api'") == 1
    queryables = client.get("/queryables")
    assert queryables.headers["content-type"] == "application/schema+json"
    assert queryables.json()["properties"]["eo:cloud_cover"]["maximum"] == 100


def test_collections(client: TestClient, validator: OfflineValidator) -> None:
    answer = client.get("/collections").json()
    assert [c["id"] for c in answer["collections"]] == ["bka-l1a", "bka-l1b", "bka-l1c"]
    l1c = client.get("/collections/bka-l1c").json()
    assert l1c == answer["collections"][2]
    links = rels(l1c)
    assert links["self"] == f"{BASE}/collections/bka-l1c"
    assert links["items"] == f"{BASE}/collections/bka-l1c/items"
    assert links["root"] == f"{BASE}/"
    validate_dict(l1c, validator=validator)
    assert (
        client.get("/collections/bka-l1c/queryables")
        .json()["$id"]
        .endswith("/collections/bka-l1c/queryables")
    )


def test_items_of_a_collection_page_by_page(client: TestClient) -> None:
    url: str | None = "/collections/bka-l1c/items?limit=2"
    seen: list[str] = []
    while url is not None:
        page = client.get(url)
        assert page.status_code == 200
        assert page.headers["content-type"] == "application/geo+json"
        answer = page.json()
        assert answer["numberMatched"] == 4
        seen += [f["id"] for f in answer["features"]]
        url = rels(answer).get("next")
    assert sorted(seen) == sorted(
        [BR_PAN, BR_MUL, ID_SCENE.format("PAN-C"), ID_SCENE.format("MUL-C")]
    )
    answer = client.get("/collections/bka-l1c/items", params={"bbox": "-46,-24,-45.8,-23.6"})
    assert ids(answer.json()) == [BR_MUL, BR_PAN]
    answer = client.get("/collections/bka-l1b/items", params={"filter": "gsd < 5"})
    assert ids(answer.json()) == [ID_SCENE.format("PAN-B")]


def test_item_links_and_assets(client: TestClient, validator: OfflineValidator) -> None:
    item = client.get(f"/collections/bka-l1c/items/{ID_SCENE.format('PAN-C')}").json()
    links = rels(item)
    assert links["self"] == f"{BASE}/collections/bka-l1c/items/{ID_SCENE.format('PAN-C')}"
    assert links["collection"] == links["parent"] == f"{BASE}/collections/bka-l1c"
    validate_dict(item, validator=validator)
    assets = item["assets"]
    # Local files are served by the API, their paths never shown.
    assert all(a["href"].startswith(f"{links['self']}/assets/") for a in assets.values())
    overview = client.get(assets["overview"]["href"])
    assert overview.status_code == 200
    assert overview.headers["content-type"] == "image/jpeg"
    assert overview.content[:2] == b"\xff\xd8"
    # The thumbnail made from the delivered preview at ingest, served with the item.
    assert assets["thumbnail"]["roles"] == ["thumbnail"]
    thumbnail = client.get(assets["thumbnail"]["href"])
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/png"
    assert thumbnail.content[:4] == b"\x89PNG"
    metadata = client.get(assets["metadata"]["href"])
    assert metadata.status_code == 200 and b"<" in metadata.content[:100]
    # The raster is named in the passport but was not delivered.
    missing = client.get(assets["data"]["href"])
    assert missing.status_code == 404 and "not on this server" in missing.json()["description"]
    assert client.get(f"{links['self']}/assets/nope").status_code == 404
    # An L1A frame passport, windows-1251 text with the RPC.
    l1a = client.get(f"/collections/bka-l1a/items/{L1A}").json()
    rpc = client.get(l1a["assets"]["MS1-363-rpc"]["href"])
    assert rpc.status_code == 200 and rpc.headers["content-type"].startswith("text/plain")


def test_search_get_and_post_agree(client: TestClient) -> None:
    cases: list[tuple[dict[str, str], dict[str, Any], list[str]]] = [
        ({"bbox": "-46,-24,-45.8,-23.6"}, {"bbox": [-46, -24, -45.8, -23.6]}, [BR_MUL, BR_PAN]),
        (
            {"intersects": json.dumps({"type": "Point", "coordinates": [106.68, -6.58]})},
            {"intersects": {"type": "Point", "coordinates": [106.68, -6.58]}},
            [L1A],
        ),
        (
            {"datetime": "2016-01-01T00:00:00Z/.."},
            {"datetime": "2016-01-01T00:00:00Z/.."},
            [BR_MUL, BR_PAN],
        ),
        ({"ids": f"{BR_PAN},nope"}, {"ids": [BR_PAN, "nope"]}, [BR_PAN]),
        (
            {"collections": "bka-l1b"},
            {"collections": ["bka-l1b"]},
            [ID_SCENE.format("MUL-B"), ID_SCENE.format("PAN-B")],
        ),
        (
            {"filter": '"eo:cloud_cover" < 1 AND gsd < 5'},
            {"filter": '"eo:cloud_cover" < 1 AND gsd < 5', "filter-lang": "cql2-text"},
            [BR_PAN],
        ),
        (
            {
                "filter": json.dumps(
                    {"op": "=", "args": [{"property": "processing:level"}, "L1A"]}
                ),
                "filter-lang": "cql2-json",
            },
            {"filter": {"op": "=", "args": [{"property": "processing:level"}, "L1A"]}},
            [L1A],
        ),
        (
            {"query": json.dumps({"gsd": {"lt": 5}, "bka:country_code": {"eq": "BR"}})},
            {"query": {"gsd": {"lt": 5}, "bka:country_code": {"eq": "BR"}}},
            [BR_PAN],
        ),
        (
            {"query": json.dumps({"gsd": {"gt": 10}}), "filter": "\"bka:country_code\" = 'BR'"},
            {"query": {"gsd": {"gt": 10}}, "filter": "\"bka:country_code\" = 'BR'"},
            [BR_MUL],
        ),
    ]
    for params, body, expected in cases:
        got = client.get("/search", params=params)
        assert got.status_code == 200, (params, got.text)
        assert ids(got.json()) == expected, params
        posted = client.post("/search", json=body)
        assert posted.status_code == 200, (body, posted.text)
        assert ids(posted.json()) == expected, body


def test_sort_and_fields(client: TestClient) -> None:
    answer = client.get("/search", params={"sortby": "-properties.gsd,+id", "limit": 7}).json()
    gsds = [f["properties"]["gsd"] for f in answer["features"]]
    assert gsds == sorted(gsds, reverse=True)
    posted = client.post(
        "/search",
        json={
            "sortby": [{"field": "gsd", "direction": "desc"}, {"field": "id", "direction": "asc"}]
        }
        | {"limit": 7},
    ).json()
    assert [f["id"] for f in posted["features"]] == [f["id"] for f in answer["features"]]
    # A "+" left unescaped in a URL arrives as a space: still ascending.
    raw = client.get("/search?sortby=+datetime&limit=7").json()
    times = [f["properties"]["datetime"] for f in raw["features"]]
    assert times == sorted(times)
    slim = client.get("/search", params={"fields": "properties.gsd,-links", "ids": BR_PAN}).json()
    (feature,) = slim["features"]
    assert set(feature) == {"type", "stac_version", "id", "collection", "links", "properties"}
    assert feature["properties"] == {"gsd": 2.14}
    slim = client.post(
        "/search", json={"ids": [BR_PAN], "fields": {"exclude": ["assets", "geometry"]}}
    ).json()
    assert "assets" not in slim["features"][0] and "bbox" in slim["features"][0]


def test_paging_follows_next_links(client: TestClient) -> None:
    seen: list[str] = []
    page = client.get("/search", params={"limit": 3, "sortby": "id"}).json()
    while True:
        seen += [f["id"] for f in page["features"]]
        nxt = next((link for link in page["links"] if link["rel"] == "next"), None)
        if nxt is None:
            break
        assert nxt["method"] == "GET"
        page = client.get(nxt["href"]).json()
    assert seen == sorted(seen) and len(set(seen)) == 7
    seen = []
    page = client.post("/search", json={"limit": 2, "collections": ["bka-l1c", "bka-l1b"]}).json()
    while True:
        seen += [f["id"] for f in page["features"]]
        nxt = next((link for link in page["links"] if link["rel"] == "next"), None)
        if nxt is None:
            break
        assert nxt["method"] == "POST" and nxt["body"]["collections"] == ["bka-l1c", "bka-l1b"]
        page = client.post(nxt["href"], json=nxt["body"]).json()
    assert len(seen) == len(set(seen)) == 6
    # A limit above the maximum is lowered, not refused.
    assert client.get("/search", params={"limit": 10**9}).json()["numberReturned"] == 7


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        (
            {"bbox": "1,2,3,4", "intersects": '{"type": "Point", "coordinates": [1, 2]}'},
            "intersects",
        ),
        ({"intersects": "{"}, "intersects"),
        ({"intersects": '{"type": "Circle", "coordinates": [1, 2]}'}, "intersects"),
        ({"intersects": '{"type": "Polygon", "coordinates": [[1]]}'}, "intersects"),
        ({"datetime": "yesterday"}, "datetime"),
        ({"datetime": "2020-01-02T00:00:00Z/2020-01-01T00:00:00Z"}, "datetime"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"token": "!!"}, "token"),
        ({"filter": "gsd <"}, "1:6"),
        ({"filter": "A_CONTAINS(instruments, ('mss'))"}, "a_contains"),
        ({"filter": "gsd < 5", "filter-lang": "sql"}, "filter-lang"),
        ({"filter": "{", "filter-lang": "cql2-json"}, "filter"),
        ({"filter": "gsd < 5", "filter-crs": "EPSG:4326"}, "filter-crs"),
        ({"sortby": "-"}, "sortby"),
        ({"query": '{"gsd": {"near": 1}}'}, "query.gsd.near"),
        ({"query": "[1]"}, "query"),
    ],
)
def test_bad_get_parameters_are_400s_that_name_them(
    client: TestClient, params: dict[str, str], names: str
) -> None:
    answer = client.get("/search", params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "BadRequest"
    assert names in answer.json()["description"]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"bbox": [1, 2]}, "bbox"),
        ({"bbox": "1,2,3,4"}, "bbox"),
        ({"limit": "x"}, "limit"),
        ({"limit": -1}, "limit"),
        ({"ids": "abc"}, "ids"),
        ({"intersects": {"type": "Polygon"}}, "intersects"),
        ({"filter": {"op": "nope", "args": []}}, "filter"),
        (
            {"filter": {"op": "=", "args": [{"property": "gsd"}, 1]}, "filter-lang": "cql2-text"},
            "filter",
        ),
        ({"sortby": [{"field": "gsd", "direction": "sideways"}]}, "sortby"),
        ({"sortby": "gsd"}, "sortby"),
        ({"fields": {"include": "id"}}, "fields"),
        ({"query": {"gsd": 5}}, "query"),
        ({"collections": [1, 2]}, "collections"),
        ([1, 2], "body"),
    ],
)
def test_bad_post_bodies_are_400s_that_name_the_field(
    client: TestClient, body: Any, names: str
) -> None:
    answer = client.post("/search", json=body)
    assert answer.status_code == 400, answer.text
    assert names in answer.json()["description"]


def test_not_found_and_malformed_json(client: TestClient) -> None:
    assert client.get("/collections/nope").status_code == 404
    assert client.get("/collections/nope/items").status_code == 404
    missing = client.get("/collections/bka-l1c/items/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "NotFound"
    broken = client.post("/search", content=b"{", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and "JSON" in broken.json()["description"]
    assert client.get("/nowhere").status_code == 404


def test_links_follow_root_path_and_trusted_proxy_headers(catalog_file: Path) -> None:
    from zorka.catalog import SQLiteCatalog
    from zorka.server import create_app

    store = SQLiteCatalog(catalog_file)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "stac.example.org"}
    with TestClient(create_app(store, trust_forwarded=True), root_path="/stac") as proxied:
        landing = proxied.get("/", headers=headers).json()
        assert rels(landing)["self"] == "https://stac.example.org/stac/"
        item = proxied.get(f"/collections/bka-l1c/items/{BR_PAN}", headers=headers).json()
        assert item["assets"]["overview"]["href"].startswith(
            "https://stac.example.org/stac/collections/bka-l1c/items/"
        )
        forwarded = {"Forwarded": 'for=1.2.3.4;proto=https;host="a.example"'}
        assert rels(proxied.get("/", headers=forwarded).json())["self"] == "https://a.example/stac/"
    # Untrusted: the headers are ignored.
    with TestClient(create_app(store)) as direct:
        assert rels(direct.get("/", headers=headers).json())["self"] == f"{BASE}/"
    store.close()
