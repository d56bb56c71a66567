"""The tasking API (STAPI) in the same application as the STAC API: products, opportunities,
orders and their statuses, users and roles, and errors that name the parameter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stapi_pydantic import Order as StapiOrder
from stapi_pydantic import OrderStatuses, Product

from zorka.geometry.access import AccessLimits, find_access
from zorka.geometry.targets import PointTarget
from zorka.mission import Mission
from zorka.tasking import OrderStatusCode, TaskingService
from zorka.time import parse_utc

#: The window of the embedded demo requests (src/zorka/data/requests/demo.yaml): two days.
DEMO_WINDOW = "2024-09-05T00:00:00Z/2024-09-07T00:00:00Z"
#: Its first day, when no pass brings Minsk within reach.
FIRST_DAY = "2024-09-05T00:00:00Z/2024-09-06T00:00:00Z"
#: Minsk (town level); in reach on 2024-09-06 about 11:04 UTC.
MINSK = {"type": "Point", "coordinates": [27.56, 53.9]}
FIELD = {  # a field near Slutsk, as in the demo requests
    "type": "Polygon",
    "coordinates": [
        [[27.52, 53.01], [27.58, 53.01], [27.58, 53.04], [27.52, 53.04], [27.52, 53.01]]
    ],
}

Headers = dict[str, dict[str, str]]


def place(client: TestClient, who: dict[str, str], **body: Any) -> Any:
    body.setdefault("geometry", MINSK)
    body.setdefault("datetime", DEMO_WINDOW)
    answer = client.post("/products/pan/orders", json=body, headers=who)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_products_list_the_fleets_pan_and_ms(client: TestClient, headers: Headers) -> None:
    answer = client.get("/products", headers=headers["alice"])
    assert answer.status_code == 200
    products = answer.json()["products"]
    assert [p["id"] for p in products] == ["pan", "ms"]
    for document in products:
        Product.model_validate(document)
        assert document["stapi_type"] == "Product"
        assert {link["rel"] for link in document["links"]} >= {"self", "order-parameters"}
    assert "2.1 m" in products[0]["title"] and "10.5 m" in products[1]["title"]
    one = client.get("/products/ms", headers=headers["vera"]).json()
    assert one["id"] == "ms"
    parameters = client.get("/products/pan/order-parameters", headers=headers["vera"]).json()
    assert set(parameters["properties"]) == {
        "max_off_nadir_deg",
        "min_sun_elevation_deg",
        "max_cloud_pct",
    }
    queryables = client.get("/products/pan/queryables", headers=headers["vera"]).json()
    assert {"view:off_nadir", "view:sun_elevation", "gsd"} <= set(queryables["properties"])
    assert client.get("/tasking", headers=headers["vera"]).json()["id"] == "zorka-tasking"


def test_the_stac_api_is_still_there(client: TestClient) -> None:
    landing = client.get("/")
    assert landing.status_code == 200 and landing.json()["type"] == "Catalog"


def test_opportunities_for_a_point_are_its_access_windows(
    client: TestClient, headers: Headers, mission: Mission
) -> None:
    answer = client.post(
        "/products/pan/opportunities",
        json={"geometry": MINSK, "datetime": DEMO_WINDOW, "limit": 100},
        headers=headers["alice"],
    )
    assert answer.status_code == 200, answer.text
    features = answer.json()["features"]

    satellites, _ = mission.fleet()
    spec = mission.satellites[0]
    assert spec.sensor is not None and spec.agility is not None
    limits = AccessLimits(
        spec.sensor.max_off_nadir_deg,
        spec.agility.max_pitch_deg,
        spec.sensor.min_sun_elevation_deg,
        spec.sensor.gsd_m,
    )
    assert mission.demo is not None
    start = mission.demo.start
    report = find_access(
        satellites, [PointTarget("minsk", 53.9, 27.56)], start, start + timedelta(days=2), limits
    )
    assert len(report.windows) >= 1
    assert len(features) == len(report.windows)
    for feature, window in zip(features, report.windows, strict=True):
        begin, end = feature["properties"]["datetime"].split("/")
        assert (parse_utc(begin), parse_utc(end)) == (window.start, window.end)
        assert feature["properties"]["platform"] == window.satellite
        assert feature["properties"]["view:off_nadir"] == pytest.approx(
            window.best.off_nadir_deg, abs=1e-3
        )
        assert feature["geometry"] == MINSK


def test_opportunities_of_an_area_are_strips_and_a_filter_narrows_them(
    client: TestClient, headers: Headers
) -> None:
    body = {"geometry": FIELD, "datetime": DEMO_WINDOW}
    strips = client.post("/products/ms/opportunities", json=body, headers=headers["vera"]).json()
    assert strips["features"], strips
    assert strips["features"][0]["geometry"]["type"] == "Polygon"
    assert strips["features"][0]["properties"]["gsd"] > 10
    body["filter"] = {"op": "<", "args": [{"property": "view:off_nadir"}, 1]}
    none = client.post("/products/ms/opportunities", json=body, headers=headers["vera"]).json()
    assert none["features"] == [] and "filter" in none["zorka:reason"]


def test_an_order_lives_through_its_statuses(
    client: TestClient, headers: Headers, service: TaskingService
) -> None:
    order = place(client, headers["alice"], order_parameters={"max_cloud_pct": 20})
    StapiOrder.model_validate(order)
    assert order["properties"]["status"]["status_code"] == "accepted"
    assert order["properties"]["zorka:user"] == "alice"
    order_id = order["id"]
    # the planner, the simulator and the processing chain move it on (library calls)
    S = OrderStatusCode
    service.advance(order_id, S.scheduled, actor="planner", reason_text="plan 1, Kanopus-V 1")
    service.advance(order_id, S.acquired, actor="simulator", reason_text="imaged 11:04:20")
    service.advance(order_id, S.processing, actor="processing", reason_text="L1C")
    item = "http://testserver/collections/kv1-l1c/items/scene-1"
    with pytest.raises(ValueError, match="STAC item"):
        service.advance(order_id, S.completed, actor="processing")
    service.advance(
        order_id,
        S.completed,
        actor="processing",
        reason_text="delivered",
        links=[{"href": item, "rel": "item", "type": "application/geo+json"}],
    )
    done = client.get(f"/orders/{order_id}", headers=headers["alice"]).json()
    assert done["properties"]["status"]["status_code"] == "completed"
    assert {"href": item, "rel": "item", "type": "application/geo+json"} in done["links"]
    history = client.get(f"/orders/{order_id}/statuses", headers=headers["alice"]).json()
    codes = [s["status_code"] for s in history["statuses"]]
    assert codes == [
        "received",
        "accepted",
        "scheduled",
        "acquired",
        "processing",
        "completed",
    ]
    assert [s["zorka:actor"] for s in history["statuses"]] == [
        "alice",
        "tasking",
        "planner",
        "simulator",
        "processing",
        "processing",
    ]
    assert all(s["timestamp"] and s["reason_text"] for s in history["statuses"])
    # STAPI's own statuses (acquired is zorka's addition)
    OrderStatuses.model_validate(
        {"statuses": [s for s in history["statuses"] if s["status_code"] != "acquired"]}
    )
    # a completed order is final
    answer = client.post(f"/orders/{order_id}/cancel", headers=headers["alice"])
    assert answer.status_code == 409 and "final" in answer.json()["description"]


def test_operators_move_orders_through_the_api(client: TestClient, headers: Headers) -> None:
    order_id = place(client, headers["bob"])["id"]
    url = f"/orders/{order_id}/statuses"
    denied = client.post(url, json={"status_code": "scheduled"}, headers=headers["bob"])
    assert denied.status_code == 403
    moved = client.post(
        url, json={"status_code": "scheduled", "reason_text": "plan 7"}, headers=headers["olga"]
    )
    assert moved.status_code == 200
    status = moved.json()["properties"]["status"]
    assert status["status_code"] == "scheduled" and status["zorka:actor"] == "olga"
    wrong = client.post(url, json={"status_code": "completed"}, headers=headers["olga"])
    assert wrong.status_code == 409
    assert "scheduled cannot become completed" in wrong.json()["description"]
    bad = client.post(url, json={"status_code": "done"}, headers=headers["olga"])
    assert bad.status_code == 400 and bad.json()["description"].startswith("status_code:")


def test_an_order_without_access_is_rejected_with_the_reason(
    client: TestClient, headers: Headers
) -> None:
    order = place(client, headers["alice"], datetime=FIRST_DAY)
    status = order["properties"]["status"]
    assert status["status_code"] == "rejected"
    assert status["reason_code"] == "no_access"
    assert "no pass brings it within the field of regard" in status["reason_text"]
    narrow = place(client, headers["alice"], order_parameters={"max_off_nadir_deg": 2})
    reason = narrow["properties"]["status"]["reason_text"]
    assert narrow["properties"]["status"]["status_code"] == "rejected"
    assert "off-nadir angle too large" in reason
    past = place(client, headers["alice"], datetime="2024-09-01T00:00:00Z/2024-09-02T00:00:00Z")
    assert past["properties"]["status"]["reason_code"] == "window_passed"


def test_customers_see_only_their_own_orders(client: TestClient, headers: Headers) -> None:
    mine = place(client, headers["alice"])["id"]
    theirs = place(client, headers["bob"])["id"]
    assert client.get(f"/orders/{theirs}", headers=headers["alice"]).status_code == 403
    assert client.get(f"/orders/{theirs}/statuses", headers=headers["alice"]).status_code == 403
    answer = client.post(f"/orders/{theirs}/cancel", headers=headers["alice"])
    assert answer.status_code == 403
    assert "not yours" in answer.json()["description"]
    listed = client.get("/orders", headers=headers["alice"]).json()["features"]
    assert [o["id"] for o in listed] == [mine]
    for viewer in ("vera", "olga", "operator"):
        everyone = client.get("/orders", headers=headers[viewer]).json()["features"]
        assert [o["id"] for o in everyone] == [mine, theirs]
    page = client.get("/orders?limit=1", headers=headers["olga"]).json()
    assert [o["id"] for o in page["features"]] == [mine]
    follow = next(link["href"] for link in page["links"] if link["rel"] == "next")
    assert [o["id"] for o in client.get(follow, headers=headers["olga"]).json()["features"]] == [
        theirs
    ]


def test_viewers_read_but_cannot_order_or_cancel(client: TestClient, headers: Headers) -> None:
    order_id = place(client, headers["alice"])["id"]
    assert client.get(f"/orders/{order_id}", headers=headers["vera"]).status_code == 200
    answer = client.post(f"/orders/{order_id}/cancel", headers=headers["vera"])
    assert answer.status_code == 403 and answer.json()["code"] == "Forbidden"
    body = {"geometry": MINSK, "datetime": DEMO_WINDOW}
    assert (
        client.post("/products/pan/orders", json=body, headers=headers["vera"]).status_code == 403
    )


def test_customers_and_operators_cancel(client: TestClient, headers: Headers) -> None:
    first = place(client, headers["alice"])["id"]
    second = place(client, headers["alice"])["id"]
    own = client.post(f"/orders/{first}/cancel", headers=headers["alice"]).json()
    assert own["properties"]["status"]["status_code"] == "cancelled"
    assert own["properties"]["status"]["zorka:actor"] == "alice"
    by_operator = client.post(f"/orders/{second}/cancel", headers=headers["olga"]).json()
    assert by_operator["properties"]["status"]["reason_text"] == "cancelled by olga"


@pytest.mark.parametrize(
    "path",
    ["/tasking", "/products", "/products/pan", "/orders", "/orders/whatever"],
)
def test_a_key_is_needed(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "API key" in answer.json()["description"]
    wrong = client.get(
        path, headers={"Authorization": "Bearer zk_000000000000_nope-nope-nope-nope"}
    )
    assert wrong.status_code == 401


def test_no_order_without_a_key(client: TestClient) -> None:
    body = {"geometry": MINSK, "datetime": DEMO_WINDOW}
    assert client.post("/products/pan/orders", json=body).status_code == 401


@pytest.mark.parametrize(
    ("body", "start"),
    [
        ({"geometry": None}, "geometry: missing"),
        ({"geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}, "geometry: type"),
        (
            {"geometry": {"type": "Polygon", "coordinates": [[[27, 53], [28, 53], [28, 54]]]}},
            "geometry: the Polygon, ring 0 has 3 positions",
        ),
        ({"geometry": {"type": "Point", "coordinates": [27.5, 95]}}, "geometry:"),
        ({"geometry": MINSK, "datetime": None}, "datetime: missing"),
        ({"datetime": "2024-09-05T00:00:00Z"}, "datetime: '2024-09-05T00:00:00Z' is not"),
        ({"datetime": "2024-09-07T00:00:00Z/2024-09-05T00:00:00Z"}, "datetime: the end"),
        ({"datetime": "2024-09-05T00:00:00Z/.."}, "datetime: an open interval"),
        ({"datetime": "yesterday/2024-09-05T00:00:00Z"}, "datetime: start: 'yesterday'"),
        ({"order_parameters": {"max_off_nadir_deg": 95}}, "order_parameters: max_off_nadir_deg"),
        ({"order_parameters": {"colour": "red"}}, "order_parameters: colour"),
        ({"priority": 1}, "priority: unknown field"),
    ],
)
def test_bad_orders_are_400s_naming_the_parameter(
    client: TestClient, headers: Headers, body: dict[str, Any], start: str
) -> None:
    # None leaves the field out
    full = {"geometry": MINSK, "datetime": DEMO_WINDOW, **body}
    full = {key: value for key, value in full.items() if value is not None}
    answer = client.post("/products/pan/orders", json=full, headers=headers["alice"])
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "BadRequest"
    assert answer.json()["description"].startswith(start), answer.json()["description"]


def test_bad_searches_are_400s_and_unknown_things_404s(
    client: TestClient, headers: Headers
) -> None:
    long = {"geometry": MINSK, "datetime": "2024-09-05T00:00:00Z/2024-10-05T00:00:00Z"}
    answer = client.post("/products/pan/opportunities", json=long, headers=headers["alice"])
    assert answer.status_code == 400
    assert answer.json()["description"].startswith("datetime: the interval is 30.0 days")
    not_json = client.post(
        "/products/pan/opportunities",
        content=b"[1, 2]",
        headers={**headers["alice"], "content-type": "application/json"},
    )
    assert not_json.status_code == 400 and not_json.json()["description"].startswith("body")
    cql = {"geometry": MINSK, "datetime": DEMO_WINDOW, "filter": {"op": "nonsense"}}
    answer = client.post("/products/pan/opportunities", json=cql, headers=headers["alice"])
    assert answer.status_code == 400 and answer.json()["description"].startswith("filter:")
    missing = client.get("/products/sar", headers=headers["alice"])
    assert missing.status_code == 404 and "pan, ms" in missing.json()["description"]
    assert client.get("/orders/nope", headers=headers["alice"]).status_code == 404
