"""Continuous operations: an order placed while the fleet flies is planned, uplinked, imaged on
the spacecraft's own clock, downlinked at a pass, processed and delivered."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from shapely.geometry import Point, shape

from zorka.catalog.sqlite import CATALOG_FILE, SQLiteCatalog
from zorka.control.archive import ARCHIVE_FILENAME
from zorka.live import LiveOperations
from zorka.loop import PLAN_FILE, reset_demo_dir
from zorka.mission import default_mission
from zorka.operations import ContinuousOperations
from zorka.planning.plan import Plan
from zorka.tasking import OrderStatusCode, SQLiteOrderStore, TaskingService, parse_order
from zorka.tasking.store import ORDERS_FILE

BEIRA = (34.839, -19.844)
#: twenty minutes before Kanopus-V 1 passes over Beira in daylight (and half an hour before
#: its data can reach Minsk)
START = datetime(2024, 9, 5, 11, 20, tzinfo=UTC)


def test_an_order_placed_while_flying_is_delivered(tmp_path: Path) -> None:
    mission = default_mission("by")
    folder = reset_demo_dir(tmp_path / "ops")
    live = LiveOperations(mission, folder / ARCHIVE_FILENAME, start=START, time_factor=120)
    clock = live.now
    service = TaskingService(
        mission, SQLiteOrderStore(folder / ORDERS_FILE), clock=lambda: clock() or START
    )
    events: list[tuple[str, dict[str, object]]] = []
    ops = ContinuousOperations(
        mission, live, service, folder, publish=lambda kind, data: events.append((kind, data))
    )
    live.start()
    ops.start()
    try:
        spec = parse_order({
            "geometry": {"type": "Point", "coordinates": list(BEIRA)},
            "datetime": "2024-09-05T11:20:00Z/2024-09-06T11:20:00Z",
            "order_parameters": {"max_off_nadir_deg": 30, "min_sun_elevation_deg": 15},
        })  # fmt: skip
        order = service.place("pan", spec, "beira-city")
        assert order.status.code == OrderStatusCode.accepted, order.status.reason_text
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            order = service.get(order.id)
            if order.status.code in (OrderStatusCode.completed, OrderStatusCode.failed):
                break
            time.sleep(0.5)
    finally:
        ops.stop()
        live.stop()
    codes = [s.code.value for s in order.statuses]
    assert codes[-4:] == ["scheduled", "acquired", "processing", "completed"], (
        codes, order.status.reason_text,
    )  # fmt: skip
    assert ops.campaigns >= 1 and ops.delivered == 1
    plan = Plan.read(folder / PLAN_FILE)
    (acquisition,) = [a for a in plan.acquisitions if a.request == order.id]
    assert START < acquisition.start < order.status.time
    (link,) = [x for x in order.status.links if x["rel"] == "item"]
    _, collection, _, item_id = str(link["href"]).strip("/").split("/")
    catalog = SQLiteCatalog(folder / CATALOG_FILE)
    try:
        item = catalog.get(collection, item_id)
    finally:
        catalog.close()
    assert item is not None and shape(item["geometry"]).contains(Point(*BEIRA))
    assert {"plan", "product"} <= {kind for kind, _ in events}
    service.close()


def test_a_cancelled_order_does_not_stop_the_others(tmp_path: Path) -> None:
    """A customer cancels a scheduled order: its images are dropped, the next order is still
    settled (here: failed, since the spacecraft took no image for it)."""
    from datetime import timedelta
    from types import SimpleNamespace

    from zorka.operations import Pending

    mission = default_mission("by")
    service = TaskingService(
        mission, SQLiteOrderStore(tmp_path / "orders.sqlite"), clock=lambda: START
    )
    spec = parse_order({
        "geometry": {"type": "Point", "coordinates": list(BEIRA)},
        "datetime": "2024-09-05T11:20:00Z/2024-09-06T11:20:00Z",
    })  # fmt: skip
    a, b = service.place("pan", spec, "x"), service.place("pan", spec, "y")
    for order in (a, b):
        service.advance(order.id, OrderStatusCode.scheduled, actor="planner")
    service.cancel(a.id, "x")
    simulator = SimpleNamespace(model=SimpleNamespace(acquisitions=[]), satellite=None)
    live = SimpleNamespace(satellites={"Kanopus-V 1": SimpleNamespace(simulator=simulator)})
    ops = ContinuousOperations(mission, live, service, tmp_path)  # type: ignore[arg-type]
    t = START + timedelta(hours=1)
    ops.pending = [
        Pending("Kanopus-V 1", "a1", a.id, t, t),
        Pending("Kanopus-V 1", "a2", b.id, t, t),
    ]
    ops.deliver(t + timedelta(minutes=5), None)
    assert ops.pending == []
    assert service.get(a.id).status.code == OrderStatusCode.cancelled
    assert service.get(b.id).status.code == OrderStatusCode.failed
    assert service.get(b.id).status.reason_code == "not_acquired"
    service.close()


def test_orders_that_cannot_be_planned_wait_for_news_not_every_round(tmp_path: Path) -> None:
    from datetime import timedelta
    from types import SimpleNamespace

    mission = default_mission("by")
    service = TaskingService(
        mission, SQLiteOrderStore(tmp_path / "orders.sqlite"), clock=lambda: START
    )
    spec = parse_order({
        "geometry": {"type": "Point", "coordinates": list(BEIRA)},
        "datetime": "2024-09-05T11:20:00Z/2024-09-06T11:20:00Z",
    })  # fmt: skip
    first = service.place("pan", spec, "x")
    live = SimpleNamespace(satellites={})
    ops = ContinuousOperations(mission, live, service, tmp_path, period_s=1800)  # type: ignore[arg-type]
    planned: list[list[str]] = []
    ops.plan = lambda now, orders: planned.append([o.id for o in orders])  # type: ignore[method-assign,assignment,return-value]
    for minute in range(5):  # the same order waiting: planned once
        ops.step(START + timedelta(minutes=minute), None)
    assert planned == [[first.id]]
    second = service.place("pan", spec, "y")  # news: planned again, with both
    ops.step(START + timedelta(minutes=6), None)
    assert set(planned[-1]) == {first.id, second.id}
    ops.step(START + timedelta(minutes=40), None)  # the period has passed: once more
    assert len(planned) == 3
    service.close()
