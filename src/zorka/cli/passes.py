"""``zorka passes``, ``zorka track``, ``zorka eclipses`` and ``zorka demo``."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zorka.cli.app import app
from zorka.geometry.eclipses import find_eclipses
from zorka.geometry.passes import PASS_KEYS, Pass, PassReport, find_passes, track
from zorka.geometry.stations import GroundStation, stations_named
from zorka.orbits.satellite import Satellite
from zorka.time import format_utc, parse_utc

__all__ = ["Format", "passes_ics", "select_fleet"]

# messages name files and lines: never wrap them, whatever the width of the log they go to
err = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    ics = "ics"
    geojson = "geojson"


MissionOpt = Annotated[
    Path | None,
    typer.Option(
        "--mission", "-m", help="Mission file (YAML); default: the embedded 'by' mission."
    ),
]
TleOpt = Annotated[
    Path | None,
    typer.Option("--tle", help="TLE or OMM file: replaces the mission's fleet with all it holds."),
]
StationAtOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--station-at",
        help="LAT,LON,ALT_M[,NAME]; repeatable; replaces the mission's stations.",
    ),
]
StationOpt = Annotated[
    list[str] | None, typer.Option("--station", help="Only this station (repeatable).")
]
SatelliteOpt = Annotated[
    list[str] | None,
    typer.Option("--satellite", help="Only this satellite, by name or NORAD id (repeatable)."),
]
StartOpt = Annotated[
    str | None,
    typer.Option("--start", help="Window start, ISO-8601 UTC; default: the mission's demo clock."),
]
HoursOpt = Annotated[float, typer.Option("--hours", help="Window length in hours.")]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Stop at the first bad orbit instead of reporting it.")
]


def _console() -> Console:
    # piped output keeps whole rows instead of the 80 columns rich assumes off a terminal
    console = Console()
    return console if console.is_terminal else Console(width=140)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


def select_fleet(
    mission_path: Path | None,
    tle: Path | None,
    station_at: list[str] | None,
    station_names: list[str] | None,
    satellite_names: list[str] | None,
    strict: bool = False,
) -> tuple[list[Satellite], list[GroundStation], datetime]:
    """The satellites, stations and default start a command works on, from its options."""
    from zorka.cli.mission import load_mission_option

    mission = load_mission_option(mission_path)
    if tle is not None:
        from zorka.orbits.omm import read_orbit_file

        if not tle.exists():
            raise _fail(f"{tle}: no such file")
        try:
            satellites, problems = read_orbit_file(tle, strict=strict)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        for problem in problems:
            err.print(f"[yellow]warning:[/yellow] {problem}")
        if not satellites:
            raise _fail(f"{tle}: no usable orbit in the file")
    else:
        satellites, fleet_errors = mission.fleet()
        for message in fleet_errors:
            err.print(f"[yellow]warning:[/yellow] {message}")
    if satellite_names:
        wanted = {n.lower() for n in satellite_names}
        chosen = [s for s in satellites if s.name.lower() in wanted or str(s.norad_id) in wanted]
        if not chosen:
            known = ", ".join(s.name for s in satellites)
            raise _fail(f"no satellite named {', '.join(satellite_names)}; the fleet has: {known}")
        satellites = chosen
    try:
        if station_at:
            stations = [GroundStation.parse(text) for text in station_at]
        else:
            stations = mission.ground_stations()
        if station_names:
            stations = stations_named(stations, station_names)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    # a mission without a demo clock is a real one: its day starts now
    start = parse_utc(mission.demo.start) if mission.demo else datetime.now(UTC)
    return satellites, stations, start


def _window(start: str | None, hours: float, default: datetime) -> tuple[datetime, datetime]:
    if hours <= 0:
        raise _fail(f"--hours must be positive, not {hours}")
    try:
        t0 = parse_utc(start, field="--start") if start else default
    except ValueError as exc:
        raise _fail(str(exc)) from None
    return t0, t0 + timedelta(hours=hours)


def _search(
    satellites: list[Satellite],
    stations: list[GroundStation],
    t0: datetime,
    t1: datetime,
    min_elevation: float | None,
    quiet: bool,
) -> PassReport:
    with Progress(
        TextColumn("[bold]passes[/bold]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} satellites"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    ) as progress:
        task = progress.add_task("passes", total=len(satellites))
        try:
            report = find_passes(
                satellites,
                stations,
                t0,
                t1,
                min_elevation_deg=min_elevation,
                progress=lambda done, total: progress.update(task, completed=done),
            )
        except ValueError as exc:
            raise _fail(str(exc)) from None
    for name, message in report.errors.items():
        err.print(f"[yellow]warning:[/yellow] {name}: {message}")
    return report


def passes_table(passes: list[Pass], title: str) -> Table:
    """A terminal table of passes."""
    table = Table(title=title, header_style="bold", caption="* cut by the window edge")
    for column in ("satellite", "station", "AOS (UTC)", "TCA", "LOS", "max el", "azimuth", "min"):
        right = column in ("max el", "min")
        table.add_column(column, justify="right" if right else "left", no_wrap=True)
    for p in passes:
        table.add_row(
            p.satellite,
            p.station,
            f"{p.aos:%m-%d %H:%M:%S}{'*' if p.clipped_start else ''}",
            f"{p.tca:%H:%M:%S}",
            f"{p.los:%H:%M:%S}{'*' if p.clipped_end else ''}",
            f"{p.max_elevation_deg:4.1f}°",
            f"{p.aos_azimuth_deg:3.0f}→{p.los_azimuth_deg:3.0f}°",
            f"{p.duration_s / 60:4.1f}",
        )
    return table


def passes_ics(passes: list[Pass]) -> str:
    """Passes as an iCalendar file (RFC 5545), one event per pass."""

    def stamp(d: datetime) -> str:
        return d.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//zorka//passes//EN", "CALSCALE:GREGORIAN"]
    now = stamp(datetime.now(UTC))
    for p in passes:
        uid = f"{p.norad_id}-{p.station}-{stamp(p.aos)}@zorka"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{now}",
            f"DTSTART:{stamp(p.aos)}",
            f"DTEND:{stamp(p.los)}",
            f"SUMMARY:{p.satellite} over {p.station} (max {p.max_elevation_deg:.1f}°)",
            f"DESCRIPTION:TCA {format_utc(p.tca)}, azimuth {p.aos_azimuth_deg:.0f}° to "
            f"{p.los_azimuth_deg:.0f}°{', cut by the window' if p.partial else ''}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def _emit(passes: list[Pass], fmt: Format, title: str) -> None:
    if fmt is Format.json:
        sys.stdout.write(json.dumps([p.to_dict() for p in passes], indent=2) + "\n")
    elif fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(PASS_KEYS), lineterminator="\n")
        writer.writeheader()
        for p in passes:
            writer.writerow(p.to_dict())
        sys.stdout.write(buffer.getvalue())
    elif fmt is Format.ics:
        sys.stdout.write(passes_ics(passes))
    else:
        _console().print(passes_table(passes, title))


@app.command()
def passes(
    mission: MissionOpt = None,
    tle: TleOpt = None,
    station_at: StationAtOpt = None,
    station: StationOpt = None,
    satellite: SatelliteOpt = None,
    start: StartOpt = None,
    hours: HoursOpt = 24.0,
    min_elevation: Annotated[
        float | None,
        typer.Option("--min-elevation", help="Minimum elevation (deg) for every station."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    strict: StrictOpt = False,
) -> None:
    """Passes of satellites over ground stations: AOS, TCA, LOS, elevation, azimuths."""
    if fmt is Format.geojson:
        raise _fail("passes writes table, json, csv or ics")
    sats, stations, default_start = select_fleet(
        mission, tle, station_at, station, satellite, strict
    )
    t0, t1 = _window(start, hours, default_start)
    report = _search(sats, stations, t0, t1, min_elevation, quiet=fmt is not Format.table)
    title = f"Passes {t0:%Y-%m-%d %H:%M} – {t1:%Y-%m-%d %H:%M} UTC"
    _emit(report.passes, fmt, title)


@app.command(name="track")
def track_command(
    satellite: Annotated[str, typer.Option("--satellite", help="Satellite name or NORAD id.")],
    station: Annotated[str | None, typer.Option("--station", help="Station name.")] = None,
    station_at: StationAtOpt = None,
    mission: MissionOpt = None,
    tle: TleOpt = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Find the first pass after this time.")
    ] = None,
    hours: HoursOpt = 24.0,
    step: Annotated[float, typer.Option("--step", help="Seconds between points.")] = 1.0,
    out: Annotated[Path | None, typer.Option("--out", help="Write CSV here.")] = None,
    svg: Annotated[
        Path | None, typer.Option("--svg", help="Also draw the pass on a sky plot (SVG) here.")
    ] = None,
) -> None:
    """Azimuth/elevation/range track of the next pass of one satellite over one station."""
    sats, stations, default_start = select_fleet(
        mission, tle, station_at, [station] if station else None, [satellite]
    )
    t0, t1 = _window(start, hours, default_start)
    report = _search(sats[:1], stations[:1], t0, t1, None, quiet=True)
    if not report.passes:
        raise _fail(f"{sats[0].name} has no pass over {stations[0].name} in the window")
    first = report.passes[0]
    data = track(sats[0], stations[0], first.aos, first.los, step)
    if svg is not None:
        from zorka.geometry.skyplot import sky_plot_svg

        label = f"{first.satellite} {first.aos:%H:%M}"
        title = f"{first.satellite} over {first.station}, {first.aos:%Y-%m-%d %H:%M} UTC"
        svg.write_text(
            sky_plot_svg([(label, data["azimuth_deg"], data["elevation_deg"])], stations[0], title)
        )
        err.print(f"sky plot written to {svg}")
    rows = zip(
        data["time"],
        data["azimuth_deg"],
        data["elevation_deg"],
        data["range_km"],
        data["range_rate_km_s"],
        strict=True,
    )
    if out is not None:
        with out.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["time", "azimuth_deg", "elevation_deg", "range_km", "range_rate_km_s"])
            for t, az, el, rng, rr in rows:
                writer.writerow([t, f"{az:.4f}", f"{el:.4f}", f"{rng:.4f}", f"{rr:.6f}"])
        err.print(
            f"wrote {len(data['time'])} points of {first.satellite} over {first.station} to {out}"
        )
        return
    table = Table(
        title=f"{first.satellite} over {first.station}, {first.aos:%Y-%m-%d %H:%M:%S} UTC",
        header_style="bold",
    )
    for column in ("time (UTC)", "az °", "el °", "range km", "range rate km/s"):
        table.add_column(column, justify="right")
    for t, az, el, rng, rr in rows:
        table.add_row(t[11:23], f"{az:7.3f}", f"{el:7.3f}", f"{rng:9.3f}", f"{rr:+8.4f}")
    _console().print(table)


@app.command()
def eclipses(
    mission: MissionOpt = None,
    tle: TleOpt = None,
    satellite: SatelliteOpt = None,
    start: StartOpt = None,
    hours: HoursOpt = 24.0,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Eclipse intervals (penumbra and umbra entry/exit) of each satellite."""
    sats, _, default_start = select_fleet(mission, tle, None, None, satellite)
    t0, t1 = _window(start, hours, default_start)
    found = find_eclipses(sats, t0, t1)
    if fmt is Format.json:
        sys.stdout.write(json.dumps([e.to_dict() for e in found], indent=2) + "\n")
        return
    table = Table(
        title=f"Eclipses {t0:%Y-%m-%d %H:%M} – {t1:%Y-%m-%d %H:%M} UTC", header_style="bold"
    )
    for column in ("satellite", "penumbra in", "umbra in", "umbra out", "penumbra out", "dur"):
        table.add_column(column)
    for e in found:
        table.add_row(
            e.satellite,
            f"{e.penumbra_start:%Y-%m-%d %H:%M:%S}",
            f"{e.umbra_start:%H:%M:%S}" if e.umbra_start else "–",
            f"{e.umbra_end:%H:%M:%S}" if e.umbra_end else "–",
            f"{e.penumbra_end:%H:%M:%S}",
            f"{e.duration_s / 60:4.1f} min",
        )
    _console().print(table)
