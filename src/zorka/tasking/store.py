"""Where orders are kept: one interface (:class:`OrderStore`), kept in SQLite.

Every change of status is checked against the order's current status and appended in one
transaction (``BEGIN IMMEDIATE``), so that two writers (the web API cancelling, the planner
scheduling) cannot both move the same order from the same status. The history is append-only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Protocol

from zorka.tasking.orders import Order
from zorka.tasking.statuses import OrderStatusCode, StatusChange, check_transition

__all__ = ["ORDERS_FILE", "OrderStore", "SQLiteOrderStore", "UnknownOrderError"]

#: The orders' file in the data directory.
ORDERS_FILE = "orders.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    user TEXT NOT NULL,
    product_id TEXT NOT NULL,
    status TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_user ON orders (user, seq);
CREATE TABLE IF NOT EXISTS order_statuses (
    order_id TEXT NOT NULL REFERENCES orders (id),
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)
);
"""


class UnknownOrderError(KeyError):
    """No order has this id."""


class OrderStore(Protocol):
    """Orders and their status histories."""

    def add(self, order: Order) -> None:
        """Keep a new order (its id must be new)."""

    def get(self, order_id: str) -> Order:
        """The order with this id; :class:`UnknownOrderError` if there is none."""

    def list(
        self, *, user: str | None = None, limit: int = 10, after: str | None = None
    ) -> list[Order]:
        """Orders in the order they were placed, of ``user`` only if given, from the one after
        the order ``after``."""

    def append_status(self, order_id: str, change: StatusChange) -> Order:
        """Add a change of status if the order's current status allows it
        (:class:`~zorka.tasking.statuses.TransitionError` otherwise); the order after it."""

    def close(self) -> None:
        """Release the store."""


class SQLiteOrderStore:
    """Orders in one SQLite file (``":memory:"`` for a store that lives with the process)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # one connection shared by the web server's threads, serialised by the lock
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> SQLiteOrderStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, order: Order) -> None:
        """Keep a new order with its statuses so far."""
        document = order.to_dict()
        statuses = document.pop("statuses")
        with self._lock, _Transaction(self._db):
            try:
                self._db.execute(
                    "INSERT INTO orders (id, user, product_id, status, document)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        order.id,
                        order.user,
                        order.product_id,
                        order.status.code.value,
                        _dump(document),
                    ),
                )
            except sqlite3.IntegrityError:
                raise ValueError(f"an order with id {order.id!r} already exists") from None
            self._db.executemany(
                "INSERT INTO order_statuses (order_id, seq, status, document) VALUES (?, ?, ?, ?)",
                [(order.id, k, s["status_code"], _dump(s)) for k, s in enumerate(statuses)],
            )

    def get(self, order_id: str) -> Order:
        """The order with this id."""
        with self._lock:
            return self._get(order_id)

    def list(
        self, *, user: str | None = None, limit: int = 10, after: str | None = None
    ) -> list[Order]:
        """Orders by the time they were placed (see :class:`OrderStore`)."""
        clauses: list[str] = []
        values: list[Any] = []
        if user is not None:
            clauses.append("user = ?")
            values.append(user)
        with self._lock:
            if after is not None:
                row = self._db.execute("SELECT seq FROM orders WHERE id = ?", (after,)).fetchone()
                if row is None:
                    raise UnknownOrderError(after)
                clauses.append("seq > ?")
                values.append(row[0])
            where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
            ids = [
                r[0]
                for r in self._db.execute(
                    f"SELECT id FROM orders{where} ORDER BY seq LIMIT ?", (*values, limit)
                )
            ]
            return [self._get(i) for i in ids]

    def append_status(self, order_id: str, change: StatusChange) -> Order:
        """Add ``change`` if the order's current status allows it, in one transaction."""
        with self._lock:
            with _Transaction(self._db):
                row = self._db.execute(
                    "SELECT status FROM orders WHERE id = ?", (order_id,)
                ).fetchone()
                if row is None:
                    raise UnknownOrderError(order_id)
                check_transition(OrderStatusCode(row[0]), change.code)
                (count,) = self._db.execute(
                    "SELECT COUNT(*) FROM order_statuses WHERE order_id = ?", (order_id,)
                ).fetchone()
                self._db.execute(
                    "INSERT INTO order_statuses (order_id, seq, status, document)"
                    " VALUES (?, ?, ?, ?)",
                    (order_id, count, change.code.value, _dump(change.to_dict())),
                )
                self._db.execute(
                    "UPDATE orders SET status = ? WHERE id = ?", (change.code.value, order_id)
                )
            return self._get(order_id)

    def _get(self, order_id: str) -> Order:
        row = self._db.execute("SELECT document FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            raise UnknownOrderError(order_id)
        document = json.loads(row[0])
        document["statuses"] = [
            json.loads(r[0])
            for r in self._db.execute(
                "SELECT document FROM order_statuses WHERE order_id = ? ORDER BY seq", (order_id,)
            )
        ]
        return Order.from_dict(document)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on an exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def _check_store(store: SQLiteOrderStore) -> OrderStore:
    # SQLiteOrderStore is an OrderStore: mypy checks this assignment
    return store
