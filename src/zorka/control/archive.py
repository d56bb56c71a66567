"""The telemetry and command archive: one storage interface, embedded SQLite by default.

:class:`Archive` is the interface every store implements: packets (raw bytes, APID, times,
source), parameter samples (raw, engineering, validity, limit level), events, alarms (the events
of their lifecycle and the current state, so that another process can acknowledge them) and
command history (every stage of every command), each retrievable by time range; packets can be
replayed in time order. :class:`SqliteArchive` implements it in one SQLite file in WAL mode,
``archive.sqlite`` in zorka's data directory unless told otherwise.

Samples are stored the way they are decoded: in batches. One row of ``sample_chunks`` holds one
parameter over one decoded batch, as arrays (times, raw, engineering, validity, level) in blobs,
with the batch's first and last time for range queries. Inserting a batch of 10,000 packets of 40
parameters is 40 rows, not 400,000, and reading a parameter back is a few ``numpy.frombuffer``.

All times are UTC in Unix seconds (``*_unix_s``, float64: about 0.2 microsecond resolution
today); the query methods take aware datetimes or ISO text.

Writes made inside :meth:`Archive.transaction` commit together, so an ingest can make a batch's
packets, samples, alarms and its position in the input durable at once: after a crash (even
SIGKILL) everything committed is there and the input resumes after it. WAL with
``synchronous=NORMAL`` survives a killed process; only a power loss may undo the last commits.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from zorka.control.alarms import Alarm, AlarmEvent
from zorka.control.decoding import ContainerBatch
from zorka.time import parse_utc

__all__ = [
    "ARCHIVE_FILENAME",
    "Archive",
    "ArchivedPacket",
    "CommandRecord",
    "CommandStage",
    "Event",
    "ExportFormat",
    "ParameterSeries",
    "SqliteArchive",
    "default_archive_path",
    "export_samples",
    "parquet_available",
    "unix_s",
]

ARCHIVE_FILENAME = "archive.sqlite"
ExportFormat = Literal["csv", "parquet"]
TimeLike = datetime | str | float | None
Array = npt.NDArray[Any]

_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def unix_s(value: datetime | str | float) -> float:
    """Unix seconds of a UTC instant (a number is taken to be Unix seconds already)."""
    if isinstance(value, int | float):
        return float(value)
    return (parse_utc(value) - _UNIX_EPOCH).total_seconds()


def _utc(time_unix_s: float) -> datetime:
    return datetime.fromtimestamp(time_unix_s, UTC)


def default_archive_path() -> Path:
    """``archive.sqlite`` in zorka's data directory (:func:`zorka.datadir.data_dir`)."""
    from zorka.datadir import data_dir

    return data_dir() / ARCHIVE_FILENAME


# -- what is archived -------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchivedPacket:
    """A telemetry packet as archived: its bytes, APID, times and where it came from.

    ``time_unix_s`` is its generation time (correlated on-board time) when the database defines
    one for its container, else its reception time ``received_unix_s``.
    """

    time_unix_s: float
    received_unix_s: float
    apid: int
    sequence_count: int
    data: bytes
    source: str = ""
    container: str | None = None

    @property
    def time(self) -> datetime:
        """``time_unix_s`` as a UTC datetime."""
        return _utc(self.time_unix_s)


@dataclass
class ParameterSeries:
    """One parameter over a time range: times and, per sample, raw, eng, validity and level."""

    parameter: str
    time_unix_s: npt.NDArray[np.float64]
    raw: Array
    eng: Array
    valid: npt.NDArray[np.bool_]
    level: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.time_unix_s)

    def times(self) -> npt.NDArray[np.datetime64]:
        """The sample times as ``datetime64[us]`` (UTC)."""
        return (np.rint(self.time_unix_s * 1e6).astype(np.int64)).astype("datetime64[us]")

    def rows(self) -> Iterator[dict[str, Any]]:
        """One plain dict per sample: time (ISO UTC), raw, eng, valid, level."""
        iso = np.datetime_as_string(self.times(), unit="us")
        for i in range(len(self)):
            yield {
                "time": f"{iso[i]}Z",
                "raw": _plain(self.raw[i]),
                "eng": _plain(self.eng[i]),
                "valid": bool(self.valid[i]),
                "level": int(self.level[i]),
            }


def plain_value(value: Any) -> Any:
    """A sample or argument value as plain JSON-able Python (numpy scalars unwrapped, bytes as
    hex)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes):
        return value.hex()
    return value


_plain = plain_value


@dataclass(frozen=True)
class Event:
    """Something worth an operator's attention that is not a sample: a frame gap, a restart."""

    time_unix_s: float
    source: str
    kind: str
    message: str
    severity: Literal["info", "warning", "error", "critical"] = "info"


@dataclass(frozen=True)
class CommandRecord:
    """A command as issued: its name, arguments, encoded packet and who issued it."""

    command_id: str
    name: str
    arguments: dict[str, Any]
    created_unix_s: float
    binary: bytes
    origin: str = ""
    release_unix_s: float | None = None


@dataclass(frozen=True)
class CommandStage:
    """One step in a command's life: queued, released, sent, accepted, started, completed...

    ``status`` is ``ok``, ``pending``, ``failed``, ``timeout`` or ``cancelled``.
    """

    command_id: str
    time_unix_s: float
    stage: str
    status: str
    message: str = ""


# -- the interface -----------------------------------------------------------------------------


class Archive(Protocol):
    """What every archive store implements; :class:`SqliteArchive` is the default one."""

    def transaction(self) -> AbstractContextManager[None]:
        """Everything written inside commits together, or not at all."""
        ...

    def add_packets(self, packets: Sequence[ArchivedPacket]) -> None:
        """Store packets."""
        ...

    def add_samples(self, batch: ContainerBatch, time_unix_s: npt.NDArray[np.float64]) -> int:
        """Store every parameter of a decoded batch at its packets' times; returns samples."""
        ...

    def add_events(self, events: Iterable[Event]) -> None:
        """Store events."""
        ...

    def add_alarm_events(self, events: Iterable[AlarmEvent]) -> None:
        """Store changes of alarms (``time_s`` in Unix seconds)."""
        ...

    def save_alarms(self, alarms: Iterable[Alarm]) -> None:
        """Replace the stored state of the current alarms."""
        ...

    def load_alarms(self) -> list[Alarm]:
        """The current alarms as last saved."""
        ...

    def add_command(self, record: CommandRecord) -> None:
        """Store a command as issued."""
        ...

    def add_command_stage(self, stage: CommandStage) -> None:
        """Store one stage of a command's life."""
        ...

    def packets(
        self, start: TimeLike = None, end: TimeLike = None, *, apid: int | None = None
    ) -> Iterator[ArchivedPacket]:
        """Packets with ``start <= time < end``, in time order: a replay."""
        ...

    def samples(
        self, parameter: str, start: TimeLike = None, end: TimeLike = None
    ) -> ParameterSeries:
        """The samples of one parameter with ``start <= time < end``, in time order."""
        ...

    def parameter_names(self) -> list[str]:
        """Parameters that have samples."""
        ...

    def events(self, start: TimeLike = None, end: TimeLike = None) -> list[Event]:
        """Events in a time range, in time order."""
        ...

    def alarm_history(
        self, start: TimeLike = None, end: TimeLike = None, *, parameter: str | None = None
    ) -> list[AlarmEvent]:
        """Changes of alarms in a time range, in time order."""
        ...

    def commands(self, start: TimeLike = None, end: TimeLike = None) -> list[CommandRecord]:
        """Commands created in a time range, in time order."""
        ...

    def command_history(self, command_id: str | None = None) -> list[CommandStage]:
        """The stages of one command (or all), in time order."""
        ...

    def progress(self, source: str) -> int:
        """How far (a byte offset) an input has been archived; 0 if never."""
        ...

    def set_progress(self, source: str, offset: int) -> None:
        """Record how far an input has been archived (inside the data's transaction)."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...


# -- SQLite -----------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS packets (
    id INTEGER PRIMARY KEY,
    time_unix_s REAL NOT NULL,
    received_unix_s REAL NOT NULL,
    apid INTEGER NOT NULL,
    sequence_count INTEGER NOT NULL,
    container TEXT,
    source TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS packets_time ON packets (time_unix_s);
CREATE TABLE IF NOT EXISTS parameters (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS sample_chunks (
    id INTEGER PRIMARY KEY,
    parameter_id INTEGER NOT NULL REFERENCES parameters (id),
    start_unix_s REAL NOT NULL,
    stop_unix_s REAL NOT NULL,
    count INTEGER NOT NULL,
    time BLOB NOT NULL,
    raw_kind TEXT NOT NULL,
    raw BLOB NOT NULL,
    eng_kind TEXT NOT NULL,
    eng BLOB NOT NULL,
    valid BLOB NOT NULL,
    level BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sample_chunks_time ON sample_chunks (parameter_id, start_unix_s);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    time_unix_s REAL NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_time ON events (time_unix_s);
CREATE TABLE IF NOT EXISTS alarm_events (
    id INTEGER PRIMARY KEY,
    time_unix_s REAL NOT NULL,
    parameter TEXT NOT NULL,
    kind TEXT NOT NULL,
    level INTEGER NOT NULL,
    value TEXT,
    by TEXT
);
CREATE INDEX IF NOT EXISTS alarm_events_time ON alarm_events (time_unix_s);
CREATE TABLE IF NOT EXISTS alarms (
    parameter TEXT PRIMARY KEY,
    severity INTEGER NOT NULL,
    level INTEGER NOT NULL,
    raised_unix_s REAL NOT NULL,
    updated_unix_s REAL NOT NULL,
    value TEXT,
    acknowledged INTEGER NOT NULL,
    acknowledged_by TEXT,
    shelved_until_unix_s REAL
);
CREATE TABLE IF NOT EXISTS commands (
    command_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    arguments TEXT NOT NULL,
    created_unix_s REAL NOT NULL,
    release_unix_s REAL,
    origin TEXT NOT NULL,
    binary BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS command_stages (
    id INTEGER PRIMARY KEY,
    command_id TEXT NOT NULL,
    time_unix_s REAL NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS command_stages_id ON command_stages (command_id, time_unix_s);
CREATE TABLE IF NOT EXISTS progress (
    source TEXT PRIMARY KEY,
    offset INTEGER NOT NULL
);
"""


def _bounds(start: TimeLike, end: TimeLike) -> tuple[float, float]:
    lo = -np.inf if start is None else unix_s(start)
    hi = np.inf if end is None else unix_s(end)
    if hi < lo:
        raise ValueError(f"the time range ends ({end}) before it starts ({start})")
    return float(lo), float(hi)


def _pack(values: Array) -> tuple[str, bytes]:
    """An array as (kind, blob): numeric arrays by dtype, bytes length-prefixed, text as JSON."""
    if values.dtype != object:
        return values.dtype.str, np.ascontiguousarray(values).tobytes()
    items = values.tolist()
    if items and all(isinstance(v, bytes) for v in items):
        lengths = np.array([len(v) for v in items], "<u4")
        return "bytes", lengths.tobytes() + b"".join(items)
    return "json", json.dumps([_jsonable(v) for v in items]).encode()


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _unpack(kind: str, blob: bytes, count: int) -> Array:
    if kind == "bytes":
        lengths = np.frombuffer(blob[: 4 * count], "<u4")
        out = np.empty(count, object)
        pos = 4 * count
        for i, length in enumerate(lengths.tolist()):
            out[i] = blob[pos : pos + length]
            pos += length
        return out
    if kind == "json":
        out = np.empty(count, object)
        out[:] = json.loads(blob)
        return out
    return np.frombuffer(blob, np.dtype(kind)).copy()


def _concatenate(parts: list[Array], empty: npt.DTypeLike) -> Array:
    if not parts:
        return np.zeros(0, empty)
    if any(p.dtype == object for p in parts) and not all(p.dtype == object for p in parts):
        parts = [p.astype(object) for p in parts]
    return np.concatenate(parts)


@dataclass
class _Cache:
    parameter_ids: dict[str, int] = field(default_factory=dict)


class SqliteArchive:
    """The archive in one SQLite file (WAL); safe to share between threads of one process.

    Several processes may open the same file: SQLite's WAL mode lets readers (``zorka tm query``)
    run while one ingest writes.
    """

    def __init__(self, path: str | Path | None = None, *, timeout_s: float = 30.0) -> None:
        self.path = Path(path) if path is not None else default_archive_path()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(self.path), timeout=timeout_s, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.RLock()
        self._depth = 0
        self._cache = _Cache()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def __enter__(self) -> SqliteArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside commits together (nested calls join the outer one)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                self._cache = _Cache()  # ids made inside the rolled-back transaction are gone
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    # -- writing ---------------------------------------------------------------------------

    def add_packets(self, packets: Sequence[ArchivedPacket]) -> None:
        """Store packets."""
        rows = [
            (p.time_unix_s, p.received_unix_s, p.apid, p.sequence_count, p.container, p.source,
             p.data)
            for p in packets
        ]  # fmt: skip
        with self.transaction():
            self._db.executemany(
                "INSERT INTO packets (time_unix_s, received_unix_s, apid, sequence_count,"
                " container, source, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def _parameter_id(self, name: str) -> int:
        known = self._cache.parameter_ids.get(name)
        if known is not None:
            return known
        self._db.execute("INSERT OR IGNORE INTO parameters (name) VALUES (?)", (name,))
        (pid,) = self._db.execute("SELECT id FROM parameters WHERE name = ?", (name,)).fetchone()
        self._cache.parameter_ids[name] = int(pid)
        return int(pid)

    def add_samples(self, batch: ContainerBatch, time_unix_s: npt.NDArray[np.float64]) -> int:
        """Store every parameter of ``batch``; ``time_unix_s`` gives each packet's time."""
        times = np.asarray(time_unix_s, dtype=np.float64)
        if len(times) != len(batch):
            raise ValueError(f"{len(times)} times for a batch of {len(batch)} packets")
        if not len(batch):
            return 0
        time_blob = times.tobytes()
        start, stop = float(times.min()), float(times.max())
        rows = []
        with self.transaction():
            for name, samples in batch.parameters.items():
                raw_kind, raw = _pack(samples.raw)
                eng_kind, eng = _pack(samples.eng)
                rows.append(
                    (self._parameter_id(name), start, stop, len(batch), time_blob, raw_kind, raw,
                     eng_kind, eng, samples.valid.astype(np.bool_).tobytes(),
                     samples.level.astype(np.int8).tobytes())
                )  # fmt: skip
            self._db.executemany(
                "INSERT INTO sample_chunks (parameter_id, start_unix_s, stop_unix_s, count, time,"
                " raw_kind, raw, eng_kind, eng, valid, level)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(batch) * len(batch.parameters)

    def add_events(self, events: Iterable[Event]) -> None:
        """Store events."""
        rows = [(e.time_unix_s, e.source, e.kind, e.severity, e.message) for e in events]
        with self.transaction():
            self._db.executemany(
                "INSERT INTO events (time_unix_s, source, kind, severity, message)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def add_alarm_events(self, events: Iterable[AlarmEvent]) -> None:
        """Store changes of alarms."""
        rows = [
            (e.time_s, e.parameter, e.kind, e.level, json.dumps(_jsonable(e.value)), e.by)
            for e in events
        ]
        with self.transaction():
            self._db.executemany(
                "INSERT INTO alarm_events (time_unix_s, parameter, kind, level, value, by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    def save_alarms(self, alarms: Iterable[Alarm]) -> None:
        """Replace the stored state of the current alarms."""
        rows = [
            (a.parameter, a.severity, a.level, a.raised_s, a.updated_s,
             json.dumps(_jsonable(a.value)), int(a.acknowledged), a.acknowledged_by,
             a.shelved_until_s)
            for a in alarms
        ]  # fmt: skip
        with self.transaction():
            self._db.execute("DELETE FROM alarms")
            self._db.executemany("INSERT INTO alarms VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def load_alarms(self) -> list[Alarm]:
        """The current alarms as last saved."""
        with self._lock:
            rows = self._db.execute(
                "SELECT parameter, severity, level, raised_unix_s, updated_unix_s, value,"
                " acknowledged, acknowledged_by, shelved_until_unix_s FROM alarms"
                " ORDER BY raised_unix_s, parameter"
            ).fetchall()
        return [
            Alarm(
                parameter=r[0], severity=r[1], level=r[2], raised_s=r[3], value=json.loads(r[5]),
                acknowledged=bool(r[6]), acknowledged_by=r[7], shelved_until_s=r[8],
                updated_s=r[4],
            )
            for r in rows
        ]  # fmt: skip

    def add_command(self, record: CommandRecord) -> None:
        """Store a command as issued."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO commands VALUES (?, ?, ?, ?, ?, ?, ?)",
                (record.command_id, record.name, json.dumps(record.arguments, default=_jsonable),
                 record.created_unix_s, record.release_unix_s, record.origin, record.binary),
            )  # fmt: skip

    def add_command_stage(self, stage: CommandStage) -> None:
        """Store one stage of a command's life."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO command_stages (command_id, time_unix_s, stage, status, message)"
                " VALUES (?, ?, ?, ?, ?)",
                (stage.command_id, stage.time_unix_s, stage.stage, stage.status, stage.message),
            )

    def set_progress(self, source: str, offset: int) -> None:
        """Record how far ``source`` has been archived."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO progress (source, offset) VALUES (?, ?)"
                " ON CONFLICT (source) DO UPDATE SET offset = excluded.offset",
                (source, offset),
            )

    # -- reading ---------------------------------------------------------------------------

    def progress(self, source: str) -> int:
        """How far ``source`` has been archived (a byte offset); 0 if never."""
        with self._lock:
            row = self._db.execute(
                "SELECT offset FROM progress WHERE source = ?", (source,)
            ).fetchone()
        return int(row[0]) if row else 0

    def packets(
        self, start: TimeLike = None, end: TimeLike = None, *, apid: int | None = None
    ) -> Iterator[ArchivedPacket]:
        """Packets with ``start <= time < end`` in time order (then arrival order): a replay."""
        lo, hi = _bounds(start, end)
        query = (
            "SELECT time_unix_s, received_unix_s, apid, sequence_count, data, source, container"
            " FROM packets WHERE time_unix_s >= ? AND time_unix_s < ?"
        )
        args: list[Any] = [lo, hi]
        if apid is not None:
            query += " AND apid = ?"
            args.append(apid)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY time_unix_s, id", args).fetchall()
        for r in rows:
            yield ArchivedPacket(r[0], r[1], r[2], r[3], bytes(r[4]), r[5], r[6])

    def count_packets(self) -> int:
        """How many packets the archive holds."""
        with self._lock:
            (n,) = self._db.execute("SELECT count(*) FROM packets").fetchone()
        return int(n)

    def parameter_names(self) -> list[str]:
        """Parameters that have samples, sorted."""
        with self._lock:
            rows = self._db.execute("SELECT name FROM parameters ORDER BY name").fetchall()
        return [r[0] for r in rows]

    def samples(
        self, parameter: str, start: TimeLike = None, end: TimeLike = None
    ) -> ParameterSeries:
        """The samples of ``parameter`` with ``start <= time < end``, in time order.

        Raises :class:`KeyError` naming close matches for a parameter never archived.
        """
        lo, hi = _bounds(start, end)
        with self._lock:
            row = self._db.execute("SELECT id FROM parameters WHERE name = ?", (parameter,))
            found = row.fetchone()
            if found is None:
                names = self.parameter_names()
                close = [n for n in names if parameter.lower() in n.lower()][:5]
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise KeyError(f"no samples of {parameter!r} in the archive{hint}")
            chunks = self._db.execute(
                "SELECT count, time, raw_kind, raw, eng_kind, eng, valid, level"
                " FROM sample_chunks WHERE parameter_id = ? AND stop_unix_s >= ?"
                " AND start_unix_s < ? ORDER BY start_unix_s, id",
                (found[0], lo, hi),
            ).fetchall()
        times, raws, engs, valids, levels = [], [], [], [], []
        for count, time_blob, raw_kind, raw, eng_kind, eng, valid, level in chunks:
            t = np.frombuffer(time_blob, np.float64)
            keep = (t >= lo) & (t < hi)
            times.append(t[keep])
            raws.append(_unpack(raw_kind, raw, count)[keep])
            engs.append(_unpack(eng_kind, eng, count)[keep])
            valids.append(np.frombuffer(valid, np.bool_)[keep])
            levels.append(np.frombuffer(level, np.int8)[keep])
        time_all = _concatenate(times, np.float64)
        order = np.argsort(time_all, kind="stable")
        return ParameterSeries(
            parameter,
            time_all[order],
            _concatenate(raws, np.int64)[order],
            _concatenate(engs, np.float64)[order],
            _concatenate(valids, np.bool_)[order],
            _concatenate(levels, np.int8)[order],
        )

    def events(self, start: TimeLike = None, end: TimeLike = None) -> list[Event]:
        """Events in a time range, in time order."""
        lo, hi = _bounds(start, end)
        with self._lock:
            rows = self._db.execute(
                "SELECT time_unix_s, source, kind, message, severity FROM events"
                " WHERE time_unix_s >= ? AND time_unix_s < ? ORDER BY time_unix_s, id",
                (lo, hi),
            ).fetchall()
        return [Event(*r) for r in rows]

    def alarm_history(
        self, start: TimeLike = None, end: TimeLike = None, *, parameter: str | None = None
    ) -> list[AlarmEvent]:
        """Changes of alarms in a time range (of one parameter if given), in time order."""
        lo, hi = _bounds(start, end)
        query = (
            "SELECT time_unix_s, parameter, kind, level, value, by FROM alarm_events"
            " WHERE time_unix_s >= ? AND time_unix_s < ?"
        )
        args: list[Any] = [lo, hi]
        if parameter is not None:
            query += " AND parameter = ?"
            args.append(parameter)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY time_unix_s, id", args).fetchall()
        return [AlarmEvent(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def commands(self, start: TimeLike = None, end: TimeLike = None) -> list[CommandRecord]:
        """Commands created in a time range, in time order."""
        lo, hi = _bounds(start, end)
        with self._lock:
            rows = self._db.execute(
                "SELECT command_id, name, arguments, created_unix_s, binary, origin,"
                " release_unix_s FROM commands WHERE created_unix_s >= ? AND created_unix_s < ?"
                " ORDER BY created_unix_s, rowid",
                (lo, hi),
            ).fetchall()
        return [
            CommandRecord(r[0], r[1], json.loads(r[2]), r[3], bytes(r[4]), r[5], r[6]) for r in rows
        ]

    def command_history(self, command_id: str | None = None) -> list[CommandStage]:
        """The stages of one command (all commands if None), in time order."""
        query = "SELECT command_id, time_unix_s, stage, status, message FROM command_stages"
        args: tuple[Any, ...] = ()
        if command_id is not None:
            query += " WHERE command_id = ?"
            args = (command_id,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY time_unix_s, id", args).fetchall()
        return [CommandStage(*r) for r in rows]


# -- export ------------------------------------------------------------------------------------


def parquet_available() -> bool:
    """Whether Parquet export works here (it needs ``pyarrow``)."""
    try:
        import pyarrow  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return False
    return True


def _series(
    archive: Archive, parameters: Sequence[str], start: TimeLike, end: TimeLike
) -> list[ParameterSeries]:
    return [archive.samples(name, start, end) for name in parameters]


def _numeric(values: Array) -> bool:
    return values.dtype != object and values.dtype.kind in "biuf"


def export_samples(
    archive: Archive,
    parameters: Sequence[str],
    destination: str | Path | IO[str],
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    format: ExportFormat = "csv",
) -> int:
    """Write the samples of ``parameters`` in a time range, one row per sample; returns rows.

    Columns: ``time`` (UTC), ``parameter``, ``raw``, ``eng``, ``valid``, ``level``. In Parquet,
    ``time`` is a UTC timestamp (microseconds) and ``raw``/``eng`` are float64 when every
    exported parameter is numeric, text otherwise (binary as hex). Parquet needs ``pyarrow``
    (:func:`parquet_available`); CSV always works. Rows are in time order per parameter.
    """
    all_series = _series(archive, parameters, start, end)
    rows = sum(len(s) for s in all_series)
    if format == "csv":
        if isinstance(destination, str | Path):
            with open(destination, "w", newline="", encoding="utf-8") as f:
                _write_csv(all_series, f)
        else:
            _write_csv(all_series, destination)
        return rows
    if format != "parquet":
        raise ValueError(f"export format {format!r}: use csv or parquet")
    if not parquet_available():
        raise RuntimeError("Parquet export needs pyarrow (pip install pyarrow); CSV works without")
    if not isinstance(destination, str | Path):
        raise TypeError("Parquet is written to a path")
    _write_parquet(all_series, Path(destination))
    return rows


def _write_csv(all_series: list[ParameterSeries], f: IO[str]) -> None:
    writer = csv.writer(f)
    writer.writerow(["time", "parameter", "raw", "eng", "valid", "level"])
    for series in all_series:
        for row in series.rows():
            writer.writerow(
                [row["time"], series.parameter, row["raw"], row["eng"], int(row["valid"]),
                 row["level"]]
            )  # fmt: skip


def _column(all_series: list[ParameterSeries], key: Literal["raw", "eng"]) -> list[Any]:
    arrays = [getattr(s, key) for s in all_series]
    if all(_numeric(a) for a in arrays):
        return [float(v) for a in arrays for v in a.astype(np.float64)]
    return [None if v is None else str(_plain(v)) for a in arrays for v in a.tolist()]


def _write_parquet(all_series: list[ParameterSeries], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    times = np.concatenate([s.times() for s in all_series]) if all_series else np.zeros(0, "M8[us]")
    table = pa.table(
        {
            "time": pa.array(times, pa.timestamp("us", tz="UTC")),
            "parameter": pa.array(
                [s.parameter for s in all_series for _ in range(len(s))], pa.string()
            ),
            "raw": _column(all_series, "raw"),
            "eng": _column(all_series, "eng"),
            "valid": pa.array(
                np.concatenate([s.valid for s in all_series]) if all_series else [], pa.bool_()
            ),
            "level": pa.array(
                np.concatenate([s.level for s in all_series]) if all_series else [], pa.int8()
            ),
        }
    )
    pq.write_table(table, path)
