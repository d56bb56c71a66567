"""The tasking library without the web: statuses, the SQLite store, payloads, orders as
planning requests, expiry."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from zorka.mission import Mission
from zorka.tasking import (
    NEXT,
    TERMINAL,
    Order,
    OrderStatusCode,
    PayloadError,
    SQLiteOrderStore,
    StatusChange,
    TaskingService,
    TransitionError,
    UnknownOrderError,
    check_transition,
    parse_order,
)

S = OrderStatusCode
NOW = datetime(2024, 9, 5, tzinfo=UTC)
BODY = {
    "geometry": {"type": "Point", "coordinates": [27.56, 53.9]},
    "datetime": "2024-09-05T00:00:00Z/2024-09-07T00:00:00Z",
    "order_parameters": {"max_off_nadir_deg": 30, "max_cloud_pct": 20},
}


def test_the_life_of_an_order() -> None:
    assert {S.rejected, S.completed, S.failed, S.expired, S.cancelled} == TERMINAL
    assert set(NEXT) | TERMINAL == set(OrderStatusCode)
    check_transition(S.received, S.accepted)
    check_transition(S.scheduled, S.accepted)  # dropped from a new plan
    with pytest.raises(TransitionError, match="acquired cannot become cancelled"):
        check_transition(S.acquired, S.cancelled)
    with pytest.raises(TransitionError, match="final"):
        check_transition(S.completed, S.failed)


def test_orders_are_kept_and_read_back(tmp_path: Path, mission: Mission) -> None:
    path = tmp_path / "orders.sqlite"
    with SQLiteOrderStore(path) as store:
        service = TaskingService(mission, store, clock=lambda: NOW)
        order = service.place("pan", parse_order(BODY), "alice")
        service.advance(order.id, S.scheduled, actor="planner", reason_text="plan 1")
        with pytest.raises(TransitionError):
            service.advance(order.id, S.processing, actor="processing")
        with pytest.raises(UnknownOrderError):
            service.advance("nope", S.accepted, actor="olga")
    with SQLiteOrderStore(path) as store:
        again = store.get(order.id)
    assert [s.code for s in again.statuses] == [S.received, S.accepted, S.scheduled]
    assert again.user == "alice" and again.parameters.max_cloud_pct == 20
    assert Order.from_dict(again.to_dict()) == again
    assert StatusChange.from_dict(again.status.to_dict()) == again.status
    # the refused change left nothing behind
    rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM order_statuses").fetchone()
    assert rows == (3,)


def test_an_order_becomes_a_planning_request(mission: Mission) -> None:
    with SQLiteOrderStore(":memory:") as store:
        order = TaskingService(mission, store, clock=lambda: NOW).place(
            "ms", parse_order(BODY), "alice"
        )
    request = order.to_request()
    assert request.id == order.id and request.customer == "alice" and request.product == "ms"
    assert (request.earliest, request.latest) == (order.start, order.end)
    assert request.max_off_nadir_deg == 30 and request.max_cloud_pct == 20


def test_open_orders_expire_after_their_window(mission: Mission) -> None:
    with SQLiteOrderStore(":memory:") as store:
        service = TaskingService(mission, store, clock=lambda: NOW)
        open_order = service.place("pan", parse_order(BODY), "alice")
        done = service.place("pan", parse_order(BODY), "bob")
        service.cancel(done.id, "bob")
        expired = service.expire(NOW + timedelta(days=3))
        assert [o.id for o in expired] == [open_order.id]
        assert store.get(open_order.id).status.code is S.expired
        assert store.get(done.id).status.code is S.cancelled


def test_payload_errors_name_the_parameter() -> None:
    with pytest.raises(PayloadError, match=r"^geometry: .*not closed"):
        parse_order(
            {
                **BODY,
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
            }
        )
    with pytest.raises(PayloadError, match=r"^datetime: the interval is 90.0 days"):
        parse_order({**BODY, "datetime": "2024-09-05T00:00:00Z/2024-12-04T00:00:00Z"})
    with pytest.raises(PayloadError, match=r"^body: must be a JSON object"):
        parse_order([BODY])
