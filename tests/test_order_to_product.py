"""End to end through the APIs: an order placed through the tasking API (STAPI) becomes a plan,
commands, an acquisition by the simulator on loopback, a downlink, a product in the catalog, and
a completed order whose STAC item (read back through the STAC API) covers the ordered point."""

from __future__ import annotations

import warnings
from pathlib import Path

from pyproj import Geod
from shapely.geometry import Point, shape

from zorka.catalog.sqlite import CATALOG_FILE, SQLiteCatalog
from zorka.loop import DEMO_START, reset_demo_dir, run_demo
from zorka.mission import default_mission
from zorka.server import create_app
from zorka.server.users import UserStore
from zorka.tasking import SQLiteOrderStore, TaskingService
from zorka.tasking.store import ORDERS_FILE

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

#: Beira, Mozambique: the Kanopus-V 1 of the embedded mission passes over it in daylight on the
#: demo day and its data reaches Logoisk before the window ends.
BEIRA = (34.839, -19.844)


def test_an_order_through_the_api_completes_with_a_product_covering_it(tmp_path: Path) -> None:
    mission = default_mission("by")
    folder = reset_demo_dir(tmp_path / "demo")
    users = UserStore(folder / "users.sqlite")
    _, key = users.add("beira-city", "customer")
    _, other = users.add("someone-else", "customer")
    clock = [DEMO_START]
    catalog = SQLiteCatalog(folder / CATALOG_FILE)
    service = TaskingService(
        mission, SQLiteOrderStore(folder / ORDERS_FILE), clock=lambda: clock[0]
    )
    app = create_app(catalog, tasking=service, users=users, data_dir=folder)
    me = {"Authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        body = {
            "geometry": {"type": "Point", "coordinates": list(BEIRA)},
            "datetime": "2024-09-05T00:00:00Z/2024-09-07T00:00:00Z",
            "order_parameters": {"max_off_nadir_deg": 30, "min_sun_elevation_deg": 15},
        }
        placed = client.post("/products/pan/orders", json=body, headers=me)
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["id"]
        assert placed.json()["properties"]["status"]["status_code"] == "accepted"

        # the loop takes the orders in the store: here only this one
        summary = run_demo(mission, folder, reset=False, demo_orders=False, clock=clock)
        assert summary.received == 1

        answer = client.get(f"/orders/{order_id}", headers=me)
        assert answer.status_code == 200
        status = answer.json()["properties"]["status"]
        assert status["status_code"] == "completed", status
        history = client.get(f"/orders/{order_id}/statuses", headers=me).json()
        codes = [s["status_code"] for s in history["statuses"]]
        assert codes[:1] == ["received"] and codes[-4:] == [
            "scheduled", "acquired", "processing", "completed",
        ]  # fmt: skip
        # another customer may not see it
        hidden = client.get(f"/orders/{order_id}", headers={"X-API-Key": other})
        assert hidden.status_code == 403

        (link,) = [x for x in answer.json()["links"] if x["rel"] == "item"]
        href = link["href"]
        item = client.get(href[href.index("/collections/") :])
        assert item.status_code == 200, item.text
        footprint = shape(item.json()["geometry"])
        assert footprint.contains(Point(*BEIRA)), (item.json()["id"], footprint.bounds)
        # held at its mid-dwell attitude, the spacecraft centres the image on the target
        centre = footprint.centroid
        _, _, off_m = Geod(ellps="WGS84").inv(centre.x, centre.y, *BEIRA)
        assert off_m < 3_000, off_m
        assert item.json()["properties"]["processing:level"] == "L1C"
    service.close()
    catalog.close()
    users.close()
