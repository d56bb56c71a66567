"""``zorka mission ...`` and ``zorka schema NAME``: mission files and published schemas.

Thin: every verb is one call into :mod:`zorka.mission`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from zorka.cli.app import app
from zorka.mission import (
    DEFAULT_MISSION,
    Mission,
    MissionError,
    default_mission,
    default_mission_path,
    list_default_missions,
    load_mission,
    read_mission,
)
from zorka.mission.schemas import json_schema, schema_entries

__all__ = ["MissionOption", "load_mission_option", "mission_app"]

mission_app = typer.Typer(
    name="mission",
    help="Mission files: check one, list and show the embedded ones.",
    no_args_is_help=True,
)
app.add_typer(mission_app, name="mission")

#: The ``--mission FILE`` option of the verbs that work on a mission (default: embedded ``by``).
MissionOption = Annotated[
    Path | None,
    typer.Option(
        "--mission",
        "-m",
        help=f"mission file (YAML); default: the embedded mission '{DEFAULT_MISSION}'",
        dir_okay=False,
    ),
]


def load_mission_option(path: Path | None) -> Mission:
    """The mission a ``--mission`` option names, or the embedded default when it is ``None``.

    A file with errors prints every one of them to standard error and exits with code 1.
    """
    try:
        if path is None:
            return default_mission()
        # a bare name that is no file picks an embedded mission: --mission by-2015
        if not path.exists() and str(path) in list_default_missions():
            return default_mission(str(path))
        return load_mission(path)
    except MissionError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        typer.echo(f"{path or DEFAULT_MISSION}: the mission has errors; see above", err=True)
        raise typer.Exit(1) from None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@mission_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="mission file to check", dir_okay=False)],
    strict: Annotated[
        bool, typer.Option("--strict", help="count warnings as errors (exit code 1)")
    ] = False,
) -> None:
    """Validate a mission file and build its orbits; print every problem with its field path."""
    mission, issues = read_mission(file)
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity == "warning"]
    for issue in issues:
        typer.echo(str(issue))
    if errors or (strict and warnings):
        counts = [_plural(len(errors), "error")]
        if warnings:
            counts.append(_plural(len(warnings), "warning"))
        typer.echo(f"{file}: {', '.join(counts)}")
        raise typer.Exit(1)
    assert mission is not None  # no errors means it loaded
    summary = (
        f"{file}: mission {mission.name!r} is valid:"
        f" {_plural(len(mission.satellites), 'satellite')},"
        f" {_plural(len(mission.stations), 'station')}"
    )
    if warnings:
        summary += f", {_plural(len(warnings), 'warning')}"
    typer.echo(summary)


@mission_app.command("list")
def list_missions() -> None:
    """List the embedded missions."""
    for name in list_default_missions():
        mission = default_mission(name)
        marker = " (default)" if name == DEFAULT_MISSION else ""
        typer.echo(f"{name}{marker}: {mission.description or ''}".rstrip())


@mission_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="embedded mission name")] = DEFAULT_MISSION,
) -> None:
    """Print an embedded mission file, comments and all (a start for a mission of your own)."""
    try:
        path = default_mission_path(name)
    except MissionError as exc:
        typer.echo(str(exc.issues[0]), err=True)
        raise typer.Exit(2) from None
    typer.echo(path.read_text(encoding="utf-8"), nl=False)


@app.command("schema")
def schema(
    name: Annotated[str | None, typer.Argument(help="schema name; leave out to list them")] = None,
) -> None:
    """Print the JSON Schema of one of zorka's file formats, e.g. `zorka schema mission`."""
    if name is None:
        for entry in schema_entries():
            typer.echo(f"{entry.name}: {entry.description}")
        return
    try:
        document = json_schema(name)
    except LookupError as exc:
        typer.echo(str(exc.args[0]), err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
