"""``zorka serve``: the STAC API over the catalog and the tasking API (STAPI), with uvicorn.

Thin: the application is :func:`zorka.server.create_app`; this verb opens the catalog, the orders
and the users (``zorka users``) beside it (in the data directory by default), and runs it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from zorka.cli.app import app
from zorka.cli.mission import MissionOption, load_mission_option
from zorka.cli.products import CatalogOption, open_catalog
from zorka.time import parse_utc

__all__ = ["serve"]


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on", min=1, max=65535)] = 8000,
    catalog: CatalogOption = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="ZORKA_API_KEY",
            help="the server's operator key for writes (transactions); operator users write"
            " with their own",
            show_envvar=True,
        ),
    ] = None,
    root_path: Annotated[
        str, typer.Option("--root-path", help="path prefix a proxy strips, e.g. /stac")
    ] = "",
    proxy: Annotated[
        bool,
        typer.Option(
            "--proxy",
            help="behind a reverse proxy: build links from its Forwarded/X-Forwarded-* headers",
        ),
    ] = False,
    access: Annotated[
        Path | None,
        typer.Option(
            "--access",
            envvar="ZORKA_ACCESS",
            help="YAML/JSON file of collections that need a read key; none: reads are open",
            show_envvar=True,
            dir_okay=False,
        ),
    ] = None,
    schemas: Annotated[
        list[Path] | None,
        typer.Option(
            "--schemas",
            help="folder of STAC extension schemas to validate written items; repeatable",
            file_okay=False,
        ),
    ] = None,
    mission: MissionOption = None,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate",
            help="fly the mission's fleet in the simulator on loopback behind the console:"
            " live telemetry, commands from operators, and orders planned and delivered as"
            " they come",
        ),
    ] = False,
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="with --simulate: simulated UTC to start at (default: the demo's)"
        ),
    ] = None,
) -> None:
    """Serve the catalog as a STAC API, the fleet's tasking API (OpenAPI at /api) and the web
    console (/console/)."""
    import uvicorn

    from zorka.server import AccessConfigError, ReadAccess, create_app
    from zorka.server.events import EventBus
    from zorka.server.users import UserStore
    from zorka.tasking import TaskingService

    try:
        read_access = ReadAccess.from_file(access) if access is not None else ReadAccess()
    except AccessConfigError as error:
        typer.echo(f"--access: {error}", err=True)
        raise typer.Exit(2) from None
    fleet = load_mission_option(mission)
    store = open_catalog(catalog)
    # orders and users live beside the catalog: in the data directory unless --catalog moves it
    folder = Path(store.path).parent
    tasking = TaskingService.open(fleet, folder)
    users = UserStore.open(folder)
    live = None
    operations = None
    bus = EventBus()
    if simulate:
        from zorka.control.archive import ARCHIVE_FILENAME
        from zorka.live import LiveOperations
        from zorka.operations import ContinuousOperations

        try:
            at = parse_utc(start, field="--start") if start else None
        except ValueError as exc:
            typer.echo(f"--start: {exc}", err=True)
            raise typer.Exit(2) from None
        if at is None:
            at = fleet.demo.start if fleet.demo is not None else datetime.now(UTC)
        live = LiveOperations(fleet, folder / ARCHIVE_FILENAME, start=at, publish=bus.publish)
        for problem in live.problems:
            typer.echo(problem, err=True)
        live.start()
        running = live

        def simulated_now() -> datetime:
            return running.now() or datetime.now(UTC)

        # orders are placed, planned and delivered on the simulated clock
        tasking.clock = simulated_now
        operations = ContinuousOperations(fleet, live, tasking, folder, publish=bus.publish)
        operations.start()
    application = create_app(
        store,
        api_key=api_key,
        trust_forwarded=proxy,
        schema_dirs=schemas or (),
        read_access=read_access,
        root_path=root_path,
        tasking=tasking,
        users=users,
        events=bus,
        live=live,
        clock=(lambda: live.now() or datetime.now(UTC)) if live is not None else None,
    )
    limited = len(read_access.read_keys)
    typer.echo(
        f"serving {store.path} at http://{host}:{port}{root_path}/ "
        f"({'writes with the API key or an operator' if api_key else 'writes by operators'}; "
        f"{f'{limited} collections need a read key' if limited else 'reads open'})",
        err=True,
    )
    typer.echo(
        f"tasking the fleet of mission {fleet.name} ({', '.join(tasking.products) or 'no'}"
        f" products) at /products and /orders; the console at http://{host}:{port}"
        f"{root_path}/console/ (users: `zorka users add NAME --role ROLE --password`)",
        err=True,
    )
    try:
        uvicorn.run(
            application,
            host=host,
            port=port,
            proxy_headers=proxy,
            forwarded_allow_ips="*" if proxy else None,
            log_level="info",
        )
    finally:
        bus.close()
        if live is not None:
            if operations is not None:
                operations.stop()
            live.stop()
        store.close()
        tasking.close()
        users.close()
