"""``zorka demo``: zorka's main job on the embedded default mission (what ``make demo`` runs).

First the fleet and the next day of passes over the stations; then the operations loop over 48
simulated hours (orders through the tasking service, a plan, command timelines, the simulator on
loopback, processing into the catalog, completed orders) while the web console at
http://127.0.0.1:8000/console/ follows it live; then the fleet keeps flying in real time behind
the console, where an operator can command it, until Ctrl-C.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from zorka.cli.app import app
from zorka.cli.passes import (
    HoursOpt,
    MissionOpt,
    _console,
    _search,
    err,
    passes_table,
    select_fleet,
)
from zorka.mission import Mission
from zorka.time import format_utc

if TYPE_CHECKING:
    import uvicorn

__all__ = ["demo", "demo_users"]

#: The demo's users: (name, role). Customers are those of the demo requests.
_DEMO_STAFF = (("ops", "operator"), ("viewer", "viewer"))


@app.command()
def demo(
    mission: MissionOpt = None,
    hours: HoursOpt = 24.0,
    loop: Annotated[
        bool,
        typer.Option(
            "--loop/--no-loop",
            help="Run the operations loop over 48 simulated hours after the passes table.",
        ),
    ] = True,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="Serve the console, the catalog and the tasking API while the loop runs and"
            " after it, with the fleet simulated in real time, until Ctrl-C.",
        ),
    ] = True,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Where the loop writes; its orders, users, archive, catalog, plan and products"
            " there are replaced. Default: <data dir>/demo.",
        ),
    ] = None,
    port: Annotated[int, typer.Option("--port", help="Port to serve on.", min=1, max=65535)] = 8000,
    live_factor: Annotated[
        float,
        typer.Option(
            "--live-factor",
            min=1.0,
            max=200.0,
            help="after the loop, how much faster than the clock the fleet flies on",
        ),
    ] = 60.0,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            help="after the loop, inject a simulator fault NAME@SECONDS into the live fleet so"
            " that the console shows an alarm (default: stuck_wheel@90; 'none' for none)",
        ),
    ] = None,
) -> None:
    """zorka's main job on the embedded default mission: the next day of passes, then the whole
    operations loop (orders, plan, commands, simulator on loopback, products) over 48 simulated
    hours, followed live in the web console on http://127.0.0.1:8000/console/
    (``--no-serve``: exit after the loop; ``--no-loop``: the passes only)."""
    from zorka.cli.mission import load_mission_option

    m = load_mission_option(mission)
    sats, stations, t0 = select_fleet(mission, None, None, None, None)
    t1 = t0 + timedelta(hours=hours)
    console = _console()
    console.print(
        f"[bold]{m.name}[/bold] — {m.description.strip().splitlines()[0] if m.description else ''}"
    )
    console.print(
        f"Demo clock: {format_utc(t0, digits=0)} (near the orbits' epochs); "
        f"{len(sats)} satellites, {len(stations)} stations"
    )
    epochs = Table(title="Fleet", header_style="bold")
    for column in ("satellite", "NORAD", "orbit epoch (UTC)", "source"):
        epochs.add_column(column)
    for s in sats:
        epochs.add_row(s.name, str(s.norad_id), f"{s.epoch:%Y-%m-%d %H:%M:%S}", s.source)
    console.print(epochs)
    report = _search(sats, stations, t0, t1, None, quiet=False)
    console.print(
        passes_table(report.passes, f"Passes {t0:%Y-%m-%d %H:%M} – {t1:%Y-%m-%d %H:%M} UTC")
    )
    summary = Table(title="Contact time per station", header_style="bold")
    for column in ("station", "passes", "contact", "longest"):
        summary.add_column(column)
    for st in stations:
        mine = [p for p in report.passes if p.station == st.name]
        total = sum(p.duration_s for p in mine)
        longest = max((p.duration_s for p in mine), default=0.0)
        summary.add_row(st.name, str(len(mine)), f"{total / 60:.1f} min", f"{longest / 60:.1f} min")
    console.print(summary)
    faults = _faults(fault if fault is not None else ["stuck_wheel@90"])
    if loop:
        _demo_loop(m, data_dir, serve, port, console, faults, live_factor)


def _faults(given: list[str]) -> list[tuple[str, float]]:
    from zorka.simulator.spacecraft import FAULTS

    found = []
    for text in given:
        if text == "none":
            continue
        name, _, at = text.partition("@")
        try:
            seconds = float(at or 0)
        except ValueError:
            seconds = -1.0
        if name not in FAULTS or seconds < 0:
            err.print(
                f"[red]error:[/red] --fault {text!r}: use NAME@SECONDS, NAME one of "
                f"{', '.join(FAULTS)}"
            )
            raise typer.Exit(2)
        found.append((name, seconds))
    return found


def demo_users(folder: Path, customers: list[str]) -> list[tuple[str, str, str]]:
    """Fresh users for the demo (the staff and the demo requests' customers), each with a new
    random password: ``(name, role, password)``. The users' file in ``folder`` is replaced."""
    from zorka.server.users import USERS_FILE, UserStore

    (folder / USERS_FILE).unlink(missing_ok=True)
    store = UserStore(folder / USERS_FILE)
    made = []
    try:
        for name, role in (*_DEMO_STAFF, *((c, "customer") for c in customers)):
            password = secrets.token_urlsafe(9)
            store.add(name, role, password=password)
            made.append((name, role, password))
    finally:
        store.close()
    return made


def _start_server(app_: Any, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    import uvicorn

    config = uvicorn.Config(
        app_, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="zorka serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise typer.Exit(_port_busy(port))
    return server, thread


def _port_busy(port: int) -> int:
    err.print(
        f"[red]error:[/red] could not serve on 127.0.0.1:{port} (is it in use?); "
        "try --port or --no-serve"
    )
    return 2


def _demo_loop(
    mission: Mission,
    data_dir: Path | None,
    serve: bool,
    port: int,
    console: Console,
    faults: list[tuple[str, float]] | None = None,
    live_factor: float = 60.0,
) -> None:
    """The operations loop with progress bars and its summary, followed live in the console,
    then the fleet in real time behind the console until Ctrl-C."""
    from zorka.datadir import data_dir as default_data_dir
    from zorka.loop import DEMO_START, reset_demo_dir, run_demo

    folder = reset_demo_dir(data_dir if data_dir is not None else default_data_dir() / "demo")
    clock: list[datetime] = [DEMO_START]
    server = None
    tasking: Any = None
    context: Any = None
    publish: Any = None
    closers: list[Any] = []
    if serve:
        from zorka.catalog.sqlite import CATALOG_FILE, SQLiteCatalog
        from zorka.planning.requests import demo_requests_path, read_requests
        from zorka.server import create_app
        from zorka.server.events import EventBus
        from zorka.server.users import USERS_FILE, UserStore
        from zorka.tasking import SQLiteOrderStore, TaskingService
        from zorka.tasking.store import ORDERS_FILE

        requests, _ = read_requests(demo_requests_path())
        customers = sorted({r.customer for r in requests.requests if r.customer})
        accounts = demo_users(folder, customers)
        bus = EventBus()
        publish = bus.publish
        catalog = SQLiteCatalog(folder / CATALOG_FILE)
        tasking = TaskingService(
            mission, SQLiteOrderStore(folder / ORDERS_FILE), clock=lambda: clock[0]
        )
        users = UserStore(folder / USERS_FILE)
        closers += [catalog, tasking, users]
        application = create_app(
            catalog, tasking=tasking, users=users, data_dir=folder, events=bus,
            clock=lambda: clock[0],
        )  # fmt: skip
        context = application.state.console
        server, _ = _start_server(application, port)
        url = f"http://127.0.0.1:{port}/console/"
        logins = Table(title=f"Console: {url}", header_style="bold")
        for column in ("user", "role", "password (new each run)"):
            logins.add_column(column)
        for name, role, password in accounts:
            logins.add_row(name, role, password)
        console.print(logins)
        console.print(f"Open {url} and log in to follow the loop live.")
    console.print("\n[bold]The operations loop[/bold], 48 simulated hours from the demo day")
    labels = {
        "orders": "orders placed",
        "plan": "planning",
        "simulate": "simulator windows",
        "process": "products",
    }
    try:
        with Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err,
            disable=not err.is_terminal,
        ) as progress:
            tasks: dict[str, TaskID] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(labels.get(stage, stage), total=total)
                progress.update(tasks[stage], completed=done, total=total)

            result = run_demo(
                mission, folder, progress=report, publish=publish, clock=clock, reset=False
            )
        table = Table(title="Demo summary", header_style="bold")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for name, value in result.rows():
            table.add_row(name, value)
        console.print(table)
        if server is None:
            return
        _serve_live(
            mission, folder, context, clock, result.end, console, port, faults or [], tasking,
            live_factor,
        )  # fmt: skip
    finally:
        if server is not None:
            if context is not None:
                context.events.close()
            server.should_exit = True
        for closer in closers:
            closer.close()


def _serve_live(
    mission: Mission,
    folder: Path,
    context: Any,
    clock: list[datetime],
    start: datetime,
    console: Console,
    port: int,
    faults: list[tuple[str, float]],
    tasking: Any,
    live_factor: float,
) -> None:
    """The fleet flying on from the end of the loop, ``live_factor`` times faster than the
    clock, behind the console, with new orders planned and delivered as they come, until
    Ctrl-C."""
    from zorka.control.archive import ARCHIVE_FILENAME
    from zorka.live import LiveOperations
    from zorka.operations import ContinuousOperations

    live = LiveOperations(
        mission, folder / ARCHIVE_FILENAME, start=start, publish=context.events.publish,
        time_factor=live_factor,
    )  # fmt: skip
    for problem in live.problems:
        err.print(f"[yellow]{problem}[/yellow]", highlight=False)
    live.start()
    context.live = live
    for name, after_s in faults:
        if live.satellites:
            live.inject(name, after_s)
            console.print(
                f"Training: {name} is injected {after_s:g} s into the live phase; its alarm"
                " waits for an operator in the console's telemetry view."
            )

    def now() -> datetime:
        return live.now() or clock[0]

    context.clock = now
    operations = ContinuousOperations(
        mission, live, tasking, folder, publish=context.events.publish
    ).start()
    pace = "in real time" if live_factor == 1 else f"{live_factor:g} times faster than the clock"
    console.print(
        f"The fleet flies on from {format_utc(start, digits=0)}, {pace}: telemetry and commands"
        f" in the console at http://127.0.0.1:{port}/console/; orders placed now (the tasking"
        " API) are planned, imaged and delivered as they come — Ctrl-C to stop"
    )
    try:
        while True:
            time.sleep(1.0)
            clock[0] = now()  # the tasking API's clock: orders are placed at simulated now
            context.events.publish("clock", {"time": format_utc(clock[0])})
    except KeyboardInterrupt:
        pass
    finally:
        operations.stop()
        live.stop()
        console.print(
            f"{operations.campaigns} planning campaigns after the loop, "
            f"{operations.delivered} orders delivered"
        )
