"""The operations loop in one call: orders -> plan -> commands -> simulator -> products.

:func:`run_demo` (what ``zorka demo`` runs after its passes table) takes the embedded demo requests
as orders through the :class:`~zorka.tasking.TaskingService` on a simulated clock, plans them
(greedy, a short time limit), turns the plan into a command timeline and runs the spacecraft
simulator **on loopback**: real CLTUs up, real CADUs down, telemetry into the archive with its
alarms. Only the minutes around the timeline's commands are simulated (the satellite's model
carries on from one window to the next); the hours between them are skipped, which is how a
48-hour window runs in seconds. Each acquisition's raw data then goes through processing into
the catalog, and its order moves on to ``completed`` with a link to its STAC item (or to
``failed``/``expired`` with the reason).
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zorka.mission import Mission
from zorka.time import format_utc

if TYPE_CHECKING:
    from zorka.control.mdb.model import MissionDatabase
    from zorka.control.timeline import TimedCommand
    from zorka.orbits.satellite import Satellite
    from zorka.simulator.spacecraft import SpacecraftModel

__all__ = [
    "DEMO_START",
    "PLAN_FILE",
    "DemoSummary",
    "Progress",
    "deliver",
    "reset_demo_dir",
    "run_demo",
    "write_atomically",
]

#: The plan the loop made, in its data directory (what the console's timeline and map show).
PLAN_FILE = "plan.json"

#: ``publish(kind, data)``: the loop's events for the console (``zorka.server.events``).
Publish = Callable[[str, dict[str, Any]], object]

#: The demo day: the start of the demo requests' windows, near the orbits' epochs.
DEMO_START = datetime(2024, 9, 5, tzinfo=UTC)

#: ``progress(stage, done, total)``: stages are ``orders``, ``plan``, ``simulate``, ``process``.
Progress = Callable[[str, int, int], None]

_LEAD_S = 60.0  # simulated seconds a window starts before its first command
_TAIL_S = 3.0  # and runs on after its last one
_MERGE_S = 30.0  # commands closer than this share a window
_HK_PERIOD_S = 0.125  # one housekeeping step per image line: commands run within 1/8 s


@dataclass
class DemoSummary:
    """What one run of the loop did."""

    start: datetime
    end: datetime
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    planned: int = 0
    acquired: int = 0
    delivered: int = 0
    failed: int = 0
    expired: int = 0
    passes_used: int = 0
    commands: int = 0
    commands_completed: int = 0
    acquired_mbit: float = 0.0
    downlinked_mbit: float = 0.0
    telemetry_packets: int = 0
    alarms: int = 0
    simulated_s: float = 0.0
    wall_s: float = 0.0
    items: list[str] = field(default_factory=list)
    data_dir: Path = field(default_factory=Path)

    def rows(self) -> list[tuple[str, str]]:
        """The summary as (figure, value) rows for a table."""
        return [
            ("window (UTC)", f"{self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"),
            ("orders received", str(self.received)),
            ("  accepted / rejected", f"{self.accepted} / {self.rejected}"),
            ("orders planned", str(self.planned)),
            ("orders acquired", str(self.acquired)),
            ("orders delivered", str(self.delivered)),
            ("  failed / expired", f"{self.failed} / {self.expired}"),
            ("passes used (downlinks)", str(self.passes_used)),
            ("commands (completed)", f"{self.commands} ({self.commands_completed})"),
            ("data acquired", f"{self.acquired_mbit:.1f} Mbit"),
            ("data downlinked", f"{self.downlinked_mbit:.1f} Mbit"),
            ("telemetry packets archived", str(self.telemetry_packets)),
            ("alarms raised", str(self.alarms)),
            ("simulated in the windows", f"{self.simulated_s:.0f} s"),
            ("wall time", f"{self.wall_s:.1f} s"),
            ("data directory", str(self.data_dir)),
        ]


def _covers(item: Mapping[str, Any], geometry: Mapping[str, Any]) -> bool:
    """Whether a STAC item's footprint holds the ordered point (an area's centroid)."""
    from shapely.geometry import shape

    target = shape(dict(geometry))
    point = target if target.geom_type == "Point" else target.centroid
    return bool(shape(item["geometry"]).contains(point))


def _windows(times: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Spans of simulated time covering ``times`` (sorted), nearby ones merged."""
    spans: list[tuple[datetime, datetime]] = []
    for t in sorted(times):
        # closer than a window's lead and tail, two windows would overlap: simulated time would
        # run back and the spacecraft model would see its past again
        if spans and (t - spans[-1][1]).total_seconds() <= max(_MERGE_S, _LEAD_S + _TAIL_S):
            spans[-1] = (spans[-1][0], t)
        else:
            spans.append((t, t))
    return [(a - timedelta(seconds=_LEAD_S), b + timedelta(seconds=_TAIL_S)) for a, b in spans]


def _simulate_window(
    satellite: Satellite,
    mdb: MissionDatabase,
    model: SpacecraftModel,
    commands: list[TimedCommand],
    window: tuple[datetime, datetime],
    tm_port: int,
    units: queue.Queue[bytes],
    time_factor: float,
    summary: DemoSummary,
) -> list[bytes]:
    """Simulate one window on loopback: uplink its commands time-tagged, run the spacecraft
    until the window ends, and return the telemetry packets that came down."""
    from zorka.control.commanding import Commander, UplinkConfig
    from zorka.control.downlink import DownlinkDecoder
    from zorka.control.links import UdpTcLink
    from zorka.control.timeline import issue_timeline
    from zorka.simulator.simulator import DEFAULT_DOWNLINK, SatelliteSimulator

    w0, w1 = window
    sim = SatelliteSimulator(
        satellite, mdb, tm_port=tm_port, tc_port=0, model=model, time_factor=time_factor,
        start=w0, hk_period_s=_HK_PERIOD_S,
    )  # fmt: skip
    uplink = UdpTcLink(f"{satellite.name} uplink", "127.0.0.1", sim.tc_port)
    commander = Commander(
        mdb, uplink, UplinkConfig(sim.spacecraft_id), clock=sim.clock.now_unix_s,
        auto_release=True, origin="zorka demo",
    )  # fmt: skip
    decoder = DownlinkDecoder(DEFAULT_DOWNLINK)
    packets: list[bytes] = []
    stop = threading.Event()

    def receive() -> None:
        while not stop.is_set() or not units.empty():
            try:
                unit = units.get(timeout=0.02)
            except queue.Empty:
                continue
            data = [p.data for p in decoder.feed_units([unit])]
            packets.extend(data)
            commander.process_packets(data)

    worker = threading.Thread(target=receive, name="demo ground", daemon=True)
    worker.start()
    sim.start()
    try:
        wrappers = issue_timeline(commander, commands)
        end = w1.timestamp()
        # the model, not the clock, must reach the window's end: on a busy machine the
        # simulator's steps trail its clock
        patience = time.monotonic() + (w1 - w0).total_seconds() / time_factor + 60.0
        while sim.stepped_unix_s < end and time.monotonic() < patience:
            time.sleep(min(0.05, max(sim.clock.wall_s_until(end), 0.0) + 0.001))
        carried = [w.carried for w in wrappers if w.carried is not None]
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and not all(c.done for c in carried):
            time.sleep(0.02)
        summary.commands_completed += sum(c.status == "completed" for c in carried)
    finally:
        sim.stop()
        time.sleep(0.05)
        stop.set()
        worker.join(5)
        uplink.close()
    return packets


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never a
    part (a temporary file beside it, then a rename)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def reset_demo_dir(folder: str | Path) -> Path:
    """Empty the demo's files in ``folder`` (orders, archive, catalog, plan, products)."""
    from zorka.catalog.sqlite import CATALOG_FILE
    from zorka.control.archive import ARCHIVE_FILENAME
    from zorka.tasking.store import ORDERS_FILE

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in (ORDERS_FILE, ARCHIVE_FILENAME, CATALOG_FILE):
        for suffix in ("", "-wal", "-shm"):
            (folder / f"{name}{suffix}").unlink(missing_ok=True)
    (folder / PLAN_FILE).unlink(missing_ok=True)
    shutil.rmtree(folder / "products", ignore_errors=True)
    return folder


def deliver(
    service: Any,
    order_id: str,
    acquisitions: list[Any],
    satellites: Mapping[str, Satellite],
    folder: Path,
    catalog: Any,
    *,
    dask: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """Take one order from its simulated acquisitions to a product: ``acquired``, then
    ``processing`` and ``completed`` with a link to its best item (L1C first), or ``failed``
    with the reason (not downlinked, processing failed, the target missed).

    Returns the outcome and the items made (the linked one first).
    """
    from zorka.processing.tasks import process_acquisitions
    from zorka.tasking import OrderStatusCode as S

    at = max(a.end for a in acquisitions)
    service.advance(
        order_id, S.acquired, actor="simulator", time=at,
        reason_text=f"{len(acquisitions)} acquisition(s) by {acquisitions[0].satellite}",
    )  # fmt: skip

    def fail(code: str, text: str) -> tuple[str, list[dict[str, Any]]]:
        service.advance(
            order_id, S.failed, actor="ground" if code == "not_downlinked" else "processing",
            reason_code=code, reason_text=text, time=at,
        )  # fmt: skip
        return "failed", []

    downlinked = [a for a in acquisitions if a.downlinked]
    if not downlinked:
        return fail("not_downlinked", "the image was not downlinked in the window")
    service.advance(order_id, S.processing, actor="processing", time=at)
    try:
        results = process_acquisitions(
            downlinked, dict(satellites), folder / "products", catalog=catalog, dask=dask
        )
    except Exception as exc:  # a failed product fails its order, not the loop
        return fail("processing", str(exc))
    items = [i for r in results for i in r.items]
    best = next((i for i in items if i["properties"].get("processing:level") == "L1C"),
                items[0] if items else None)  # fmt: skip
    if best is None:
        return fail("processing", "processing made no product")
    if not _covers(best, service.get(order_id).geometry):
        return fail("target_missed", f"product {best['id']} does not cover the target")
    href = f"/collections/{best['collection']}/items/{best['id']}"
    service.advance(
        order_id, S.completed, actor="processing", time=at,
        links=[{"rel": "item", "href": href, "type": "application/geo+json"}],
        reason_text=f"product {best['id']}",
    )  # fmt: skip
    return "completed", [best] + [i for i in items if i is not best]


def run_demo(
    mission: Mission,
    data_dir: str | Path,
    *,
    hours: float = 48.0,
    start: datetime | None = None,
    time_factor: float = 20.0,
    plan_time_limit_s: float = 2.0,
    dask: bool = False,
    progress: Progress | None = None,
    publish: Publish | None = None,
    clock: list[datetime] | None = None,
    reset: bool = True,
    demo_orders: bool = True,
) -> DemoSummary:
    """Run the whole loop on ``mission`` over ``hours`` from ``start`` (the demo day).

    ``data_dir`` receives the orders, the telemetry archive, the catalog, the plan and the
    products (the demo's files there are replaced unless ``reset`` is false: a caller that
    serves the folder while the loop runs empties it first with :func:`reset_demo_dir`).
    ``time_factor`` is how much faster than the wall clock the simulator runs inside its
    windows. ``publish`` receives the loop's events as it goes (progress, clock, orders, plan,
    telemetry, products); ``clock``, a one-element list, is kept at the simulated now.
    Orders already in the folder's store (placed through the tasking API) join the demo's
    own requests (``demo_orders``), with weight 1.
    """
    from zorka.catalog.sqlite import CATALOG_FILE, SQLiteCatalog
    from zorka.control.archive import ARCHIVE_FILENAME, SqliteArchive
    from zorka.control.ingest import TelemetryIngester
    from zorka.control.links import UdpTmLink
    from zorka.control.timeline import command_timeline
    from zorka.mission.database import satellite_database
    from zorka.planning.greedy import plan_requests
    from zorka.planning.requests import RequestSet, demo_requests_path, read_requests
    from zorka.simulator.fleet import spacecraft_model
    from zorka.tasking import OrderStatusCode, SQLiteOrderStore, TaskingService, parse_order
    from zorka.tasking.store import ORDERS_FILE

    S = OrderStatusCode
    wall0 = time.perf_counter()
    send: Publish = publish or (lambda kind, data: None)
    t0 = start or DEMO_START
    t1 = t0 + timedelta(hours=hours)

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)
        send("progress", {"stage": stage, "done": done, "total": total})

    folder = reset_demo_dir(data_dir) if reset else Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    summary = DemoSummary(t0, t1, data_dir=folder)

    # the simulated clock every component reads
    if clock is None:
        clock = [t0]
    clock[:] = [t0]
    send("clock", {"time": format_utc(t0)})

    def tick(now: datetime) -> None:
        assert clock is not None
        clock[0] = now
        send("clock", {"time": format_utc(now)})

    service = TaskingService(
        mission, SQLiteOrderStore(folder / ORDERS_FILE), clock=lambda: clock[0],
        on_change=lambda order: send(
            "order",
            {"id": order.id, "status": str(order.status.code.value), "user": order.user},
        ),
    )  # fmt: skip
    try:
        # -- orders ------------------------------------------------------------------------
        demo, _ = read_requests(demo_requests_path())
        weights: dict[str, float] = {}
        requests = [r for r in demo.requests if r.earliest < t1 and r.latest > t0]
        if not demo_orders:
            requests = []
        for i, request in enumerate(requests):
            product = "ms" if request.product == "ms" else "pan"
            parameters = {
                "max_off_nadir_deg": request.max_off_nadir_deg,
                "min_sun_elevation_deg": request.min_sun_elevation_deg,
                "max_cloud_pct": request.max_cloud_pct,
            }
            spec = parse_order(
                {
                    "geometry": request.geometry.model_dump(mode="json"),
                    "datetime": f"{max(request.earliest, t0).isoformat()}/"
                    f"{min(request.latest, t1).isoformat()}",
                    "order_parameters": {k: v for k, v in parameters.items() if v is not None},
                }
            )
            order = service.place(product, spec, request.customer)
            weights[order.id] = request.weight
            report("orders", i + 1, len(requests))
        orders = service.orders(limit=10_000)
        summary.received = len(orders)
        summary.rejected = sum(o.status.code == S.rejected for o in orders)
        accepted = [o for o in orders if o.status.code == S.accepted]
        summary.accepted = len(accepted)

        # -- plan --------------------------------------------------------------------------
        report("plan", 0, 1)
        request_set = RequestSet(
            customers=demo.customers,
            quota_tolerance=demo.quota_tolerance,
            requests=[o.to_request(weights.get(o.id, 1.0)) for o in accepted],
        )
        plan = plan_requests(mission, request_set, t0, t1, time_limit_s=plan_time_limit_s, seed=0)
        planned = sorted({a.request for a in plan.acquisitions})
        for order_id in planned:
            service.advance(
                order_id, S.scheduled, actor="planner", reason_code="planned",
                reason_text=f"in the plan of {plan.start:%Y-%m-%d %H:%M} UTC",
            )  # fmt: skip
        summary.planned = len(planned)
        write_atomically(folder / PLAN_FILE, plan.to_json())
        send("plan", {"acquisitions": len(plan.acquisitions), "downlinks": len(plan.downlinks)})
        summary.passes_used = len(plan.downlinks)
        timeline = command_timeline(plan, mission)
        summary.commands = sum(len(c) for c in timeline.values())
        report("plan", 1, 1)

        # -- simulate, on loopback -----------------------------------------------------------
        satellites = {s.name: s for s in mission.fleet()[0]}
        archive = SqliteArchive(folder / ARCHIVE_FILENAME)
        units: queue.Queue[bytes] = queue.Queue()
        downlink = UdpTmLink("demo downlink", "127.0.0.1", 0, units.put)
        downlink.start()
        acquisitions: list[tuple[Any, str]] = []  # (simulated acquisition, plan acquisition id)
        windows = {name: _windows([c.time for c in cmds]) for name, cmds in timeline.items()}
        total = sum(len(w) for w in windows.values())
        done = 0
        report("simulate", 0, total)
        try:
            for name, commands in timeline.items():
                mdb = satellite_database(mission, name)
                ingester = TelemetryIngester(mdb, archive, source=f"demo {name}")
                model = spacecraft_model(mission, name)
                for w0, w1 in windows[name]:
                    mine = [c for c in commands if w0 <= c.time <= w1]
                    packets = _simulate_window(
                        satellites[name], mdb, model, mine, (w0, w1), downlink.address[1],
                        units, time_factor, summary,
                    )  # fmt: skip
                    if packets:
                        sim_now = w1.timestamp()
                        events = ingester.ingest_packets(packets, received_unix_s=sim_now)
                        send("telemetry", {"satellite": name, "packets": len(packets),
                                           "time_s": sim_now})  # fmt: skip
                        for event in events:
                            send("alarm", {"parameter": event.parameter, "kind": event.kind,
                                           "severity": event.severity})  # fmt: skip
                    summary.simulated_s += (w1 - w0).total_seconds()
                    tick(w1)
                    done += 1
                    report("simulate", done, total)
                summary.alarms += ingester.counts.alarms_raised
                summary.telemetry_packets += ingester.counts.packets
                summary.downlinked_mbit += sum(
                    a.size_mbit for a in model.acquisitions if a.downlinked
                )
                for acquisition in model.acquisitions:
                    summary.acquired_mbit += acquisition.size_mbit
                    match = min(
                        plan.acquisitions_of(name),
                        key=lambda a: abs((a.start - acquisition.start).total_seconds()),
                        default=None,
                    )
                    if (
                        match is not None
                        and abs((match.start - acquisition.start).total_seconds()) < 2
                    ):
                        acquisitions.append((acquisition, match.request))
        finally:
            downlink.close()
            archive.close()

        # -- process and deliver -----------------------------------------------------------
        tick(t1)
        catalog = SQLiteCatalog(folder / CATALOG_FILE)
        try:
            by_order: dict[str, list[Any]] = {}
            for acquisition, order_id in acquisitions:
                if acquisition.data:
                    by_order.setdefault(order_id, []).append(acquisition)
            for n, (order_id, acqs) in enumerate(by_order.items()):
                summary.acquired += 1
                outcome, items = deliver(
                    service, order_id, acqs, satellites, folder, catalog, dask=dask
                )
                if outcome == "completed":
                    summary.items.append(items[0]["id"])
                    for item in items:
                        send("product", {"item": item["id"], "collection": item["collection"]})
                    summary.delivered += 1
                report("process", n + 1, len(by_order))
        finally:
            catalog.close()
        expired = service.expire(t1, actor="tasking")
        summary.expired = len(expired)
        summary.failed = sum(o.status.code == S.failed for o in service.orders(limit=10_000))
    finally:
        service.close()
    summary.wall_s = time.perf_counter() - wall0
    return summary
