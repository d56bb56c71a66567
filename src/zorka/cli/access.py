"""``zorka access`` and ``zorka coverage``: who can image these targets, when, and how well."""

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zorka.cli.app import app
from zorka.cli.passes import (
    Format,
    HoursOpt,
    MissionOpt,
    SatelliteOpt,
    StartOpt,
    TleOpt,
    _console,
    _fail,
    _window,
    err,
    select_fleet,
)
from zorka.geometry.access import AccessLimits, AccessReport, AccessWindow, find_access
from zorka.orbits.satellite import Satellite

__all__ = ["fleet_limits"]

TargetsOpt = Annotated[
    Path, typer.Option("--targets", help="GeoJSON of points and polygons to image.")
]
OffOpt = Annotated[
    float | None,
    typer.Option("--max-off-nadir", help="Accept at most this off-nadir angle (deg)."),
]
SunOpt = Annotated[
    float | None,
    typer.Option("--min-sun-elevation", help="Need at least this sun elevation (deg)."),
]


@dataclass(frozen=True)
class GenericSensor:
    """For satellites from a TLE file with no spacecraft model: a typical small EO imager."""

    type: str = "optical"
    swath_km: float = 20.0
    gsd_m: float = math.nan
    max_off_nadir_deg: float = 30.0
    min_sun_elevation_deg: float = 10.0


def fleet_limits(
    satellites: list[Satellite], mission_path: Path | None
) -> tuple[list[AccessLimits], list[Any]]:
    """Each satellite's access limits and sensor, from its spacecraft model in the mission
    (matched by NORAD id), or a generic sensor for satellites the mission does not describe."""
    from zorka.cli.mission import load_mission_option

    mission = load_mission_option(mission_path)
    specs = {s.norad_id: s for s in mission.satellites}
    limits: list[AccessLimits] = []
    sensors: list[Any] = []
    for sat in satellites:
        spec = specs.get(sat.norad_id)
        sensor: Any = spec.sensor if spec is not None and spec.sensor is not None else None
        if sensor is None:
            sensor = GenericSensor()
        pitch = spec.agility.max_pitch_deg if spec is not None and spec.agility else 0.0
        sun = None if sensor.type == "infrared" else sensor.min_sun_elevation_deg
        off = sensor.max_off_nadir_deg
        limits.append(AccessLimits(off, min(pitch, off), sun, sensor.gsd_m))
        sensors.append(sensor)
    return limits, sensors


def _point_access(
    sats: list[Satellite],
    limits: list[AccessLimits],
    points: list[Any],
    t0: datetime,
    t1: datetime,
    max_off: float | None,
    min_sun: float | None,
) -> AccessReport:
    # targets with their own limits (a request's) are searched in groups of equal limits
    groups: dict[tuple[float | None, float | None], list[Any]] = defaultdict(list)
    for p in points:
        groups[(p.max_off_nadir_deg, p.min_sun_elevation_deg)].append(p)
    total = AccessReport([])
    for (off, sun), members in groups.items():
        tightened = [lim.override(max_off, min_sun).override(off, sun) for lim in limits]
        part = find_access(sats, members, t0, t1, tightened)
        total.windows.extend(part.windows)
        total.errors.update(part.errors)
        total.reasons.update(part.reasons)
    total.windows.sort(key=lambda w: (w.start, w.target, w.satellite))
    return total


def _window_feature(w: AccessWindow, point: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [point.longitude_deg, point.latitude_deg]},
        "properties": w.to_dict(),
    }


def _search(
    targets: Path,
    mission: Path | None,
    tle: Path | None,
    satellite: list[str] | None,
    start: str | None,
    hours: float,
    max_off_nadir: float | None,
    min_sun_elevation: float | None,
) -> tuple[list[Any], AccessReport, list[Any], dict[str, str], datetime, datetime]:
    """Targets, point windows, area strips, reasons and the window of an access search."""
    from zorka.geometry.targets import AreaTarget, PointTarget, read_targets

    if not targets.exists():
        raise _fail(f"{targets}: no such file")
    try:
        found, refused = read_targets(targets)
    except ValueError as exc:
        raise _fail(f"{targets}: {exc}") from None
    for problem in refused:
        err.print(f"[yellow]warning:[/yellow] {targets}: {problem}")
    if not found:
        raise _fail(f"{targets}: no valid target")
    sats, _, default_start = select_fleet(mission, tle, None, None, satellite)
    t0, t1 = _window(start, hours, default_start)
    try:
        # refuse impossible limits before any search, with the rule they break
        AccessLimits(max_off_nadir or 45.0, 0.0, min_sun_elevation)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    limits, sensors = fleet_limits(sats, mission)
    points = [t for t in found if isinstance(t, PointTarget)]
    areas = [t for t in found if isinstance(t, AreaTarget)]
    report = _point_access(sats, limits, points, t0, t1, max_off_nadir, min_sun_elevation)
    for name, message in report.errors.items():
        err.print(f"[yellow]warning:[/yellow] {name}: {message}")
    strips: list[Any] = []
    area_reasons: dict[str, str] = {}
    if areas:
        strips, area_reasons = _area_access(
            sats, sensors, areas, t0, t1, max_off_nadir, min_sun_elevation
        )
    return found, report, strips, {**report.reasons, **area_reasons}, t0, t1


@app.command()
def access(
    targets: TargetsOpt,
    mission: MissionOpt = None,
    tle: TleOpt = None,
    satellite: SatelliteOpt = None,
    start: StartOpt = None,
    hours: HoursOpt = 24.0,
    max_off_nadir: OffOpt = None,
    min_sun_elevation: SunOpt = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json or geojson (csv and ics: passes only).")
    ] = Format.table,
) -> None:
    """Imaging opportunities: when each satellite can image each target, at what angles."""
    if fmt in (Format.csv, Format.ics):
        raise _fail("access writes table, json or geojson")
    found, report, strips, reasons, t0, t1 = _search(
        targets, mission, tle, satellite, start, hours, max_off_nadir, min_sun_elevation
    )
    by_name = {t.name: t for t in found}
    if fmt is Format.json:
        out = [w.to_dict() for w in report.windows] + [s.to_dict() for s in strips]
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    elif fmt is Format.geojson:
        features = [_window_feature(w, by_name[w.target]) for w in report.windows]
        for strip in strips:
            props = strip.to_dict()
            features.append(
                {"type": "Feature", "geometry": props.pop("strip"), "properties": props}
            )
        sys.stdout.write(json.dumps({"type": "FeatureCollection", "features": features}) + "\n")
    else:
        _print_table(report, strips, t0, t1)
    for name, reason in reasons.items():
        err.print(f"{name}: no opportunity — {reason}")


@app.command()
def coverage(
    targets: TargetsOpt,
    mission: MissionOpt = None,
    tle: TleOpt = None,
    satellite: SatelliteOpt = None,
    start: StartOpt = None,
    hours: HoursOpt = 24.0,
    max_off_nadir: OffOpt = None,
    min_sun_elevation: SunOpt = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Coverage and revisit of each target: how much one pass, one day and the horizon image."""
    from zorka.geometry.strips import coverage as coverage_of

    if fmt not in (Format.table, Format.json):
        raise _fail("coverage writes table or json")
    found, report, strips, reasons, t0, t1 = _search(
        targets, mission, tle, satellite, start, hours, max_off_nadir, min_sun_elevation
    )
    accesses: list[Any] = [*report.windows, *strips]
    results = [coverage_of(t, accesses, t0, t1) for t in found]
    if fmt is Format.json:
        sys.stdout.write(json.dumps([r.to_dict() for r in results], indent=2) + "\n")
        return
    table = Table(
        title=f"Coverage {t0:%Y-%m-%d %H:%M} – {t1:%Y-%m-%d %H:%M} UTC", header_style="bold"
    )
    for column in (
        "target",
        "km²",
        "accesses",
        "covered",
        "best pass",
        "best day",
        "revisit",
        "longest wait",
    ):
        table.add_column(column, justify="left" if column == "target" else "right", no_wrap=True)
    for target, r in zip(found, results, strict=True):
        d = r.to_dict()
        best_pass = max((p["fraction"] for p in d["passes"]), default=0.0)
        best_day = max((day["fraction"] for day in d["days"]), default=0.0)
        table.add_row(
            target.name,
            f"{d['area_km2']:.0f}" if d["area_km2"] else "point",
            str(d["accesses"]),
            f"{100 * d['fraction']:.1f}%",
            f"{100 * best_pass:.1f}%",
            f"{100 * best_day:.1f}%",
            _hours(d["revisit_s"]),
            _hours(d["longest_wait_s"]),
        )
    _console().print(table)
    for name, reason in reasons.items():
        err.print(f"{name}: no opportunity — {reason}")


def _hours(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 3600:.1f} h"


def _area_access(
    sats: list[Satellite],
    sensors: list[Any],
    areas: list[Any],
    t0: datetime,
    t1: datetime,
    max_off: float | None,
    min_sun: float | None,
) -> tuple[list[Any], dict[str, str]]:
    from zorka.geometry.strips import find_strips

    report = find_strips(
        sats, sensors, areas, t0, t1, max_off_nadir_deg=max_off, min_sun_elevation_deg=min_sun
    )
    for name, message in report.errors.items():
        err.print(f"[yellow]warning:[/yellow] {name}: {message}")
    return list(report.opportunities), dict(report.reasons)


def _print_table(report: AccessReport, strips: list[Any], t0: datetime, t1: datetime) -> None:
    table = Table(
        title=f"Imaging opportunities {t0:%Y-%m-%d %H:%M} – {t1:%Y-%m-%d %H:%M} UTC",
        header_style="bold",
    )
    for column in (
        "target",
        "satellite",
        "start (UTC)",
        "best",
        "end",
        "off-nadir",
        "roll",
        "pitch",
        "sun el",
        "GSD m",
        "km²",
    ):
        right = column not in ("target", "satellite", "start (UTC)", "best", "end")
        table.add_column(column, justify="right" if right else "left", no_wrap=True)
    rows: list[tuple[datetime, list[str]]] = []
    for w in report.windows:
        b = w.best
        rows.append(
            (
                w.start,
                [
                    w.target,
                    w.satellite,
                    f"{w.start:%m-%d %H:%M:%S}",
                    f"{w.best_time:%H:%M:%S}",
                    f"{w.end:%H:%M:%S}",
                    f"{b.off_nadir_deg:5.1f}°",
                    f"{b.roll_deg:+5.1f}°",
                    f"{b.pitch_deg:+5.1f}°",
                    f"{b.sun_elevation_deg:5.1f}°",
                    f"{b.gsd_m:5.2f}" if math.isfinite(b.gsd_m) else "–",
                    "",
                ],
            )
        )
    for s in strips:
        d = s.to_dict()
        rows.append(
            (
                s.start,
                [
                    d["target"],
                    d["satellite"],
                    f"{s.start:%m-%d %H:%M:%S}",
                    str(d["best_time"])[11:19],
                    f"{s.end:%H:%M:%S}",
                    f"{d['min_off_nadir_deg']:5.1f}°",
                    f"{d['roll_deg']:+5.1f}°",
                    f"{d['pitch_deg']:+5.1f}°",
                    f"{d['sun_elevation_deg']:5.1f}°"
                    if d.get("sun_elevation_deg") is not None
                    else "–",
                    f"{d['gsd_m']:5.2f}" if d.get("gsd_m") is not None else "–",
                    f"{d['covered_km2']:.0f}",
                ],
            )
        )
    for _, row in sorted(rows, key=lambda r: r[0]):
        table.add_row(*row)
    _console().print(table)
