"""``zorka simulate``: the mission's satellites on their orbits, behind loopback CCSDS links.

Thin: builds :func:`zorka.simulator.fleet_simulators` and runs them until the time is up or the
operator presses Ctrl-C, printing where each satellite listens and the ``zorka tm ingest``
command that shows its telemetry.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from zorka.cli.app import app
from zorka.control.mdb import MdbError, default_mdb, list_default_mdbs, load_mdb
from zorka.control.mdb.model import MissionDatabase
from zorka.mission.database import database_location, satellite_database
from zorka.mission.defaults import default_mission, list_default_missions
from zorka.mission.errors import MissionError
from zorka.mission.loading import load_mission
from zorka.mission.model import Mission
from zorka.simulator import FAULTS, SatelliteSimulator, fleet_simulators

__all__ = ["simulate"]

err = Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(1)


def _fault(text: str) -> tuple[str, float]:
    name, _, at = text.partition("@")
    if name not in FAULTS:
        raise _fail(f"--fault {text!r}: use one of {', '.join(FAULTS)}, optionally @SECONDS")
    try:
        return name, float(at) if at else 0.0
    except ValueError:
        raise _fail(f"--fault {text!r}: {at!r} is not a number of seconds") from None


def _databases(
    mission: Mission, mdb: str | None, names: list[str] | None
) -> list[tuple[MissionDatabase, list[str] | None]]:
    """The database to simulate with, and the satellites (None: all) that use it.

    ``--mdb`` applies to every satellite; without it each satellite uses the database its
    mission names, and one that names none the embedded ``bka``.
    """
    if mdb is not None:
        try:
            database = (
                default_mdb(mdb)
                if mdb in list_default_mdbs() and not Path(mdb).exists()
                else load_mdb(mdb)
            )
        except (MdbError, OSError, LookupError) as exc:
            raise _fail(f"--mdb {mdb}: {exc}") from None
        return [(database, names)]
    loaded: dict[str, MissionDatabase] = {}
    groups: dict[str, list[str]] = {}
    for spec in mission.satellites:
        if names and spec.name not in names:
            continue
        key = str(database_location(spec, mission.base_dir) or "bka")
        if key not in loaded:
            try:
                loaded[key] = (
                    satellite_database(mission, spec.name)
                    if spec.database is not None
                    else default_mdb("bka")
                )
            except MissionError as exc:
                raise _fail(str(exc)) from None
        groups.setdefault(key, []).append(spec.name)
    # names the mission does not know go along, so that the fleet reports them
    unknown = [n for n in names or [] if all(n not in group for group in groups.values())]
    if not groups:
        return [(default_mdb("bka"), names)]
    next(iter(groups.values())).extend(unknown)
    return [(loaded[key], group) for key, group in groups.items()]


@app.command("simulate")
def simulate(
    mission: Annotated[
        str, typer.Option("--mission", help="an embedded mission name or a mission file")
    ] = "by",
    satellite: Annotated[
        list[str] | None, typer.Option("--satellite", "-s", help="simulate only this satellite")
    ] = None,
    mdb: Annotated[
        str | None,
        typer.Option(
            "--mdb",
            help="mission database: an embedded name or a YAML file (default: each satellite's"
            " `database` in the mission, else the embedded bka)",
        ),
    ] = None,
    tm_port: Annotated[
        int, typer.Option("--tm-port", help="UDP port the ground listens on (+i for satellite i)")
    ] = 10015,
    tc_port: Annotated[
        int, typer.Option("--tc-port", help="UDP port for CLTUs (+i for satellite i)")
    ] = 10025,
    factor: Annotated[
        float, typer.Option("--time-factor", help="simulated seconds per wall-clock second")
    ] = 1.0,
    start: Annotated[
        str | None, typer.Option("--start", help="simulated UTC at start (default: mission demo)")
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option("--duration", help="stop after this many simulated seconds (default: never)"),
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            help=f"inject a fault, NAME@SECONDS after start; NAME: {', '.join(FAULTS)}",
        ),
    ] = None,
    payload_dir: Annotated[
        Path | None,
        typer.Option("--payload-dir", help="write each acquisition's raw data and metadata here"),
    ] = None,
) -> None:
    """Simulate the fleet: housekeeping at 1 Hz in TM frames, commands verified by PUS 1.

    Telemetry goes to 127.0.0.1:TM_PORT as randomised, RS(255,223)x5 coded CADUs, one a
    datagram; see it with the printed ``zorka tm ingest --link`` command.
    """
    faults = [_fault(f) for f in fault or []]
    try:
        plan = (
            default_mission(mission)
            if mission in list_default_missions() and not Path(mission).exists()
            else load_mission(mission)
        )
    except (MissionError, OSError, LookupError) as exc:
        raise _fail(f"--mission {mission}: {exc}") from None
    groups = _databases(plan, mdb, satellite or None)
    simulators: list[SatelliteSimulator] = []
    problems: list[str] = []
    for database, names in groups:
        try:
            made, found = fleet_simulators(
                plan, database, tm_port=tm_port, tc_port=tc_port, names=names,
                time_factor=factor, start=start, payload_dir=payload_dir,
            )  # fmt: skip
        except (ValueError, OSError) as exc:
            raise _fail(str(exc)) from None
        simulators += made
        problems += [p for p in found if p not in problems]
    for problem in problems:
        err.print(f"[yellow]{problem}[/yellow]", highlight=False)
    if not simulators:
        raise _fail("no satellite to simulate")
    for sim in simulators:
        for name, at in faults:
            sim.inject(name, after_s=at)
        err.print(
            f"{sim.satellite.name}: spacecraft ID {sim.spacecraft_id}, CLTUs on UDP "
            f"127.0.0.1:{sim.tc_port}, CADUs to 127.0.0.1:{sim.tm_link.port}; watch it with\n"
            f"  zorka tm ingest --link udp://127.0.0.1:{sim.tm_link.port} --frames tm "
            f"--derandomize --rs-interleave 5",
            highlight=False,
        )
        sim.start()
    deadline = None if duration is None else time.monotonic() + duration / factor
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic())))
    except KeyboardInterrupt:
        pass
    finally:
        for sim in simulators:
            sim.stop()
            c = sim.counts
            err.print(
                f"{sim.satellite.name}: {c.steps} steps, {c.packets_sent} packets in "
                f"{c.cadus_sent} CADUs, {c.tc_received} CLTUs, {c.commands_executed} commands "
                f"executed, {c.commands_failed} failed, {c.commands_rejected} rejected, "
                f"{len(sim.model.acquisitions)} acquisitions",
                highlight=False,
            )
