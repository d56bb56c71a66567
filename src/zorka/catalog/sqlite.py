"""The embedded catalog store: STAC items in one SQLite file with an R*Tree spatial index.

Items are stored whole (their JSON), with the columns searches need beside them: id,
collection, start and end time (epoch seconds), footprint WKB and bounding box. The R*Tree
indexes each item's box in space and time (lon, lat, epoch seconds), so that a search for a
place and a period reads only the items near both; shapely, registered as SQLite functions,
makes the exact geometry test, and the stored times the exact time test (the R*Tree keeps
32-bit bounds, rounded outwards). Ingest is one transaction per call: if any item is bad,
nothing is written. Re-ingesting an item (same collection and id) replaces it.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from zorka.catalog.filters import SPATIAL_OPS, FilterError, compile_filter
from zorka.catalog.times import parse_interval
from zorka.datadir import data_dir

__all__ = [
    "CATALOG_FILE",
    "ItemError",
    "SQLiteCatalog",
    "SearchPage",
    "SearchQuery",
    "default_catalog_path",
]

#: The catalog's file name in the zorka data directory.
CATALOG_FILE = "catalog.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    id TEXT PRIMARY KEY,
    content TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    collection TEXT NOT NULL,
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    geometry BLOB NOT NULL,
    properties TEXT NOT NULL,
    content TEXT NOT NULL,
    UNIQUE (collection, id)
);
CREATE INDEX IF NOT EXISTS items_start ON items (start_s);
CREATE INDEX IF NOT EXISTS items_id ON items (id);
CREATE VIRTUAL TABLE IF NOT EXISTS items_extent
    USING rtree (pk, minx, maxx, miny, maxy, mint, maxt);
"""

# The index's time axis is in days: seconds would make one axis a hundred million times longer
# than the others, and the R*Tree, which balances its boxes' sides, would split on time alone.
_DAY_S = 86_400.0

_SORTABLE = {"id": "items.id", "collection": "items.collection", "datetime": "items.start_s"}


class ItemError(ValueError):
    """An item that cannot be stored; the message names the item and the field."""


@dataclass(frozen=True)
class SearchQuery:
    """A STAC API item search. Every criterion is optional; all given must hold.

    ``datetime`` is a STAC interval: one time, or ``start/end`` with ``..`` for open ends.
    ``sortby`` is a list of ``(field, "asc" | "desc")``; fields are ``id``, ``collection``,
    ``datetime`` or any property name. ``token`` is the ``next`` token of a previous page.
    Items of ``exclude_collections`` are never found (collections the client may not read).
    """

    bbox: Sequence[float] | None = None
    intersects: dict[str, Any] | None = None
    datetime: str | None = None
    ids: Sequence[str] | None = None
    collections: Sequence[str] | None = None
    exclude_collections: Sequence[str] = ()
    filter: str | dict[str, Any] | None = None
    filter_lang: str | None = None
    sortby: Sequence[tuple[str, str]] = ()
    limit: int = 10
    token: str | None = None


@dataclass
class SearchPage:
    """One page of results, the number matched in all, and the token of the next page."""

    items: list[dict[str, Any]]
    matched: int
    next_token: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def default_catalog_path() -> Path:
    """Where the embedded catalog lives: ``catalog.sqlite`` in the zorka data directory."""
    return data_dir() / CATALOG_FILE


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _spatial(op: str) -> Any:
    predicate = getattr(shapely, op.removeprefix("s_"))
    cache: dict[bytes, BaseGeometry] = {}

    def function(a: bytes | None, b: bytes | None) -> int | None:
        if a is None or b is None:
            return None
        # The second argument is the query's geometry, the same for every row: parse it once.
        gb = cache.get(b)
        if gb is None:
            if len(cache) > 64:
                cache.clear()
            gb = cache.setdefault(b, shapely.from_wkb(b))
        return int(bool(predicate(shapely.from_wkb(a), gb)))

    return function


class SQLiteCatalog:
    """A catalog of STAC items in an SQLite file (``":memory:"`` for a throwaway one)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA case_sensitive_like = ON")
        for op in SPATIAL_OPS:
            self._db.create_function(f"zorka_{op}", 2, _spatial(op), deterministic=True)
        self._db.executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        # Catalogs written before the index had its time axis: move their boxes over, once.
        old = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'items_rtree' AND type = 'table'"
        ).fetchone()
        if old is None:
            return
        with self._transaction() as db:
            db.execute(
                "INSERT INTO items_extent SELECT r.pk, r.minx, r.maxx, r.miny, r.maxy,"
                " i.start_s / ?, i.end_s / ? FROM items_rtree r JOIN items i ON i.pk = r.pk",
                (_DAY_S, _DAY_S),
            )
            db.execute("DROP TABLE items_rtree")

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def put_collection(self, collection: dict[str, Any]) -> None:
        """Store (or replace) a collection document."""
        if collection.get("type") != "Collection" or not collection.get("id"):
            raise ItemError("a collection needs type 'Collection' and an id")
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO collections (id, content) VALUES (?, ?)",
                (collection["id"], json.dumps(collection)),
            )

    def collections(self) -> list[dict[str, Any]]:
        """All collections, by id."""
        rows = self._db.execute("SELECT content FROM collections ORDER BY id").fetchall()
        return [json.loads(r[0]) for r in rows]

    def collection(self, collection_id: str) -> dict[str, Any] | None:
        """One collection, or ``None``."""
        row = self._db.execute(
            "SELECT content FROM collections WHERE id = ?", (collection_id,)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def ingest(self, items: Iterable[dict[str, Any]]) -> int:
        """Store STAC items (dicts with ``collection`` set) in one transaction; return the count.

        An item without id, collection, geometry or time raises :class:`ItemError` and leaves
        the catalog as it was. An item already stored under the same collection and id is
        replaced.
        """
        count = 0
        with self._transaction() as db:
            for item in items:
                row = self._row(item)
                old = db.execute(
                    "SELECT pk FROM items WHERE collection = ? AND id = ?", (row[1], row[0])
                ).fetchone()
                if old is not None:
                    db.execute("DELETE FROM items WHERE pk = ?", old)
                    db.execute("DELETE FROM items_extent WHERE pk = ?", old)
                cursor = db.execute(
                    "INSERT INTO items (id, collection, start_s, end_s, geometry, properties,"
                    " content) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    row[:7],
                )
                db.execute(
                    "INSERT INTO items_extent (pk, minx, maxx, miny, maxy, mint, maxt)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (cursor.lastrowid, *row[7], row[2] / _DAY_S, row[3] / _DAY_S),
                )
                count += 1
        return count

    @classmethod
    def check_item(cls, item: dict[str, Any]) -> None:
        """Raise :class:`ItemError` if :meth:`ingest` would refuse ``item``; store nothing."""
        cls._row(item)

    @staticmethod
    def _row(item: dict[str, Any]) -> tuple[Any, ...]:
        if not isinstance(item, dict):
            raise ItemError(f"an item must be a JSON object, not {type(item).__name__}")
        item_id = item.get("id")
        collection = item.get("collection")
        if not item_id or not collection:
            raise ItemError(f"item {item_id!r}: id and collection are required")
        if not isinstance(item_id, str) or not isinstance(collection, str):
            raise ItemError(f"item {item_id!r}: id and collection must be strings")
        props = item.get("properties") or {}
        if not isinstance(props, dict):
            raise ItemError(f"item {item_id}: properties must be an object")
        try:
            geometry = shape(item["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, ShapelyError) as error:
            raise ItemError(f"item {item_id}: geometry: {error}") from None
        if geometry.is_empty or not geometry.is_valid:
            raise ItemError(f"item {item_id}: geometry is empty or invalid")
        try:
            if props.get("datetime"):
                start = end = _epoch(props["datetime"])
            else:
                start, end = _epoch(props["start_datetime"]), _epoch(props["end_datetime"])
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise ItemError(f"item {item_id}: properties.datetime: {error}") from None
        minx, miny, maxx, maxy = geometry.bounds
        return (
            item_id,
            collection,
            start,
            end,
            geometry.wkb,
            json.dumps(props),
            json.dumps(item),
            (minx, maxx, miny, maxy),
        )

    def delete(self, collection: str, item_id: str) -> bool:
        """Delete one item; return whether it existed."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT pk FROM items WHERE collection = ? AND id = ?", (collection, item_id)
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM items WHERE pk = ?", row)
            db.execute("DELETE FROM items_extent WHERE pk = ?", row)
        return True

    def get(self, collection: str, item_id: str) -> dict[str, Any] | None:
        """One item, or ``None``."""
        row = self._db.execute(
            "SELECT content FROM items WHERE collection = ? AND id = ?", (collection, item_id)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def search(self, query: SearchQuery) -> SearchPage:
        """Run a search. Raises :class:`~zorka.catalog.filters.FilterError` on a bad filter,
        datetime, bbox, sort field or token (an HTTP 400, not a 500)."""
        if not 1 <= query.limit <= 10_000:
            raise FilterError(f"limit {query.limit} is outside 1..10000")
        where: list[str] = []
        params: list[Any] = []
        joins = ""
        region: BaseGeometry | None = None
        if query.bbox is not None:
            b = list(query.bbox)
            if len(b) not in (4, 6):
                raise FilterError("bbox needs 4 or 6 numbers")
            region = box(b[0], b[1], b[-3 if len(b) == 6 else 2], b[-1])
        if query.intersects is not None:
            try:
                geometry = shape(query.intersects)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError, ShapelyError) as e:
                raise FilterError(f"intersects is not a GeoJSON geometry: {e}") from None
            region = geometry if region is None else region.intersection(geometry)
        if region is not None:
            minx, miny, maxx, maxy = region.bounds
            joins = " JOIN items_extent r ON r.pk = items.pk"
            where.append("r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?")
            params += [maxx, minx, maxy, miny]
        exact: tuple[str, list[Any]] | None = None
        if region is not None:
            exact = ("zorka_s_intersects(items.geometry, ?)", [region.wkb])
            if query.intersects is None:
                # A box query: an item whose bounds lie inside the box intersects it, and
                # needs no exact test (most do, and the test is a Python call per row).
                exact = (
                    "((r.minx >= ? AND r.maxx <= ? AND r.miny >= ? AND r.maxy <= ?)"
                    " OR zorka_s_intersects(items.geometry, ?))",
                    [minx, maxx, miny, maxy, region.wkb],
                )
        if query.datetime:
            start, end = parse_interval(query.datetime)
            if end is not None:
                where.append("items.start_s <= ?")
                params.append(end)
                if region is not None:
                    where.append("r.mint <= ?")
                    params.append(end / _DAY_S)
            if start is not None:
                where.append("items.end_s >= ?")
                params.append(start)
                if region is not None:
                    where.append("r.maxt >= ?")
                    params.append(start / _DAY_S)
        for name, values in (("id", query.ids), ("collection", query.collections)):
            if values:
                where.append(f"items.{name} IN ({', '.join('?' * len(values))})")
                params += list(values)
        if query.exclude_collections:
            hidden = list(query.exclude_collections)
            where.append(f"items.collection NOT IN ({', '.join('?' * len(hidden))})")
            params += hidden
        if query.filter is not None:
            compiled = compile_filter(query.filter, query.filter_lang)
            where.append(compiled.sql)
            params += compiled.params
        if exact is not None:
            # Last, so that SQLite tests the cheap conditions on a row first.
            where.append(exact[0])
            params += exact[1]

        order, order_params = self._order(query.sortby)
        base = f"FROM items{joins}" + (f" WHERE {' AND '.join(where)}" if where else "")
        offset = self._offset(query.token)
        page_params = [*params, *order_params, query.limit, offset]
        try:
            if region is not None:
                contents, matched = self._page_and_count(base, order, params, page_params)
            else:
                # Unbounded by the index, the page comes fastest in index order (datetime)
                # without counting, and the count without sorting.
                matched = self._db.execute(f"SELECT count(*) {base}", params).fetchone()[0]
                contents = [
                    r[0]
                    for r in self._db.execute(
                        f"SELECT items.content {base} ORDER BY {order} LIMIT ? OFFSET ?",
                        page_params,
                    )
                ]
        except sqlite3.OperationalError as error:
            raise FilterError(f"filter cannot be evaluated: {error}") from None
        next_offset = offset + len(contents)
        token = _encode_token(next_offset) if next_offset < matched else None
        return SearchPage([json.loads(c) for c in contents], matched, token)

    def _page_and_count(
        self, base: str, order: str, params: list[Any], page_params: list[Any]
    ) -> tuple[list[str], int]:
        """A page of a search that the R*Tree bounds, and the number matched, in one pass.

        Counting and paging separately would make every test twice, the exact geometry test
        (a Python call per row) included; the page's keys and the count come out of one pass
        and only the page's documents are read after it.
        """
        keys = self._db.execute(
            f"SELECT items.pk, count(*) OVER () {base} ORDER BY {order} LIMIT ? OFFSET ?",
            page_params,
        ).fetchall()
        if not keys:
            # Past the last page (or nothing at all): no row carried the count.
            return [], self._db.execute(f"SELECT count(*) {base}", params).fetchone()[0]
        pks = [k[0] for k in keys]
        found = dict(
            self._db.execute(
                "SELECT pk, content FROM items WHERE pk IN (SELECT value FROM json_each(?))",
                (json.dumps(pks),),
            ).fetchall()
        )
        return [found[pk] for pk in pks], int(keys[0][1])

    @staticmethod
    def _order(sortby: Sequence[tuple[str, str]]) -> tuple[str, list[Any]]:
        terms: list[str] = []
        params: list[Any] = []
        for name, direction in sortby:
            if direction.lower() not in ("asc", "desc"):
                raise FilterError(f"sort direction {direction!r} is not asc or desc")
            column = _SORTABLE.get(name.removeprefix("properties."))
            if column is None:
                column = "json_extract(items.properties, ?)"
                params.append('$."' + name.removeprefix("properties.").replace('"', "") + '"')
            terms.append(f"{column} {direction.upper()}")
        # A total order, so that pages never repeat or skip an item.
        terms += ["items.start_s DESC", "items.collection", "items.id"]
        return ", ".join(terms), params

    @staticmethod
    def _offset(token: str | None) -> int:
        if token is None:
            return 0
        try:
            offset = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("o:"))
        except (ValueError, UnicodeDecodeError):
            raise FilterError(f"invalid paging token {token!r}") from None
        if offset < 0:
            raise FilterError(f"invalid paging token {token!r}")
        return offset


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()
