"""``zorka commands PLAN``: a plan as the time-tagged commands each satellite is sent.

Thin: :func:`zorka.control.timeline.command_timeline` makes the timelines, each command
validated against its satellite's mission database (the mission's ``database:``); a plan that
cannot become valid commands prints every problem and exits with code 1.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zorka.cli.app import app
from zorka.cli.mission import MissionOption
from zorka.cli.passes import _console, err
from zorka.cli.plan import plan_mission, read_plan_file
from zorka.control.timeline import TimedCommand, TimelineError, command_timeline
from zorka.planning.plan import Plan

__all__ = ["TimelineFormat", "commands_timeline"]


class TimelineFormat(StrEnum):
    """How ``zorka commands`` prints the timelines."""

    table = "table"
    json = "json"


def _arguments(command: TimedCommand) -> str:
    parts = []
    for name, value in command.command_arguments().items():
        text = f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
        parts.append(f"{name}={text}")
    return " ".join(parts)


def timeline_data(plan: Plan, timelines: dict[str, list[TimedCommand]]) -> dict[str, Any]:
    """The JSON document ``--format json`` prints."""
    return {
        "mission": plan.mission,
        "start": plan.start.isoformat().replace("+00:00", "Z"),
        "end": plan.end.isoformat().replace("+00:00", "Z"),
        "satellites": {
            name: [command.to_dict() for command in commands]
            for name, commands in timelines.items()
        },
    }


@app.command("commands")
def commands_timeline(
    plan_file: Annotated[
        Path, typer.Argument(help="plan (JSON) from `zorka plan`", dir_okay=False)
    ],
    mission: MissionOption = None,
    fmt: Annotated[
        TimelineFormat, typer.Option("--format", help="table or json")
    ] = TimelineFormat.table,
) -> None:
    """Turn a plan into each satellite's command timeline: slews, imaging and downlink on/off.

    Every command is checked against the satellite's mission database and is meant to be sent
    time-tagged (PUS 11,4) for execution on board at its time. The mission defaults to the one
    the plan names when it is embedded.
    """
    plan = read_plan_file(plan_file)
    chosen = plan_mission(plan, mission)
    try:
        timelines = command_timeline(plan, chosen)
    except TimelineError as exc:
        for issue in exc.issues:
            err.print(f"[red]error:[/red] {issue}", highlight=False)
        err.print(f"{plan_file}: {len(exc.issues)} problems; no timeline", highlight=False)
        raise typer.Exit(1) from None
    if fmt is TimelineFormat.json:
        sys.stdout.write(
            json.dumps(timeline_data(plan, timelines), indent=2, ensure_ascii=False) + "\n"
        )
        return
    console = _console()
    if not timelines:
        console.print("The plan has no acquisitions and no downlinks: no commands.")
    for name, commands in timelines.items():
        table = Table(title=f"{name}: {len(commands)} time-tagged commands", header_style="bold")
        for column in ("time (UTC)", "command", "arguments", "for", "note"):
            table.add_column(column)
        for command in commands:
            table.add_row(
                f"{command.time:%Y-%m-%d %H:%M:%S.%f}"[:-3],
                command.name,
                _arguments(command),
                command.source,
                command.note,
            )
        console.print(table)
