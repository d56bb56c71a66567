"""``zorka fleet update``: refresh orbits from CelesTrak's GP API into the data directory."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from zorka.cli.app import app
from zorka.orbits.celestrak import DEFAULT_MAX_AGE_S, CelesTrakError, GPResult, fetch_gp

__all__ = ["fleet_app", "merge_results", "transport", "update"]

fleet_app = typer.Typer(
    help="The fleet's orbits: refresh them from CelesTrak.", no_args_is_help=True
)
app.add_typer(fleet_app, name="fleet")

transport: httpx.BaseTransport | None = None
"""The HTTP transport ``fleet update`` uses; None is the network. Tests put a recorded one here."""

out = Console()
err = Console(stderr=True)


class GPFormatOption(StrEnum):
    tle = "tle"
    json = "json"


def merge_results(results: list[GPResult]) -> str:
    """One document from several GP answers of the same format (element sets in query order)."""
    if not results:
        return ""
    if results[0].format == "json":
        records: list[Any] = []
        for result in results:
            value = json.loads(result.text)
            records.extend(value if isinstance(value, list) else [value])
        return json.dumps(records, indent=1) + "\n"
    return "".join(r.text if r.text.endswith("\n") else r.text + "\n" for r in results)


def _cache_dir(cache_dir: Path | None) -> Path:
    if cache_dir is not None:
        return cache_dir
    from zorka.datadir import data_dir

    return data_dir() / "celestrak"


@fleet_app.command()
def update(
    group: Annotated[
        list[str] | None,
        typer.Option("--group", "-g", help="CelesTrak group name, e.g. resource (repeatable)."),
    ] = None,
    norad: Annotated[
        list[int] | None,
        typer.Option("--norad", "-n", help="NORAD catalog number, e.g. 38708 (repeatable)."),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also write every element set fetched to this file."),
    ] = None,
    format: Annotated[
        GPFormatOption, typer.Option("--format", help="tle or json (OMM).")
    ] = GPFormatOption.tle,
    max_age_hours: Annotated[
        float,
        typer.Option(
            "--max-age-hours",
            min=0.0,
            help="Reuse cached answers younger than this (CelesTrak updates every 2 h).",
        ),
    ] = DEFAULT_MAX_AGE_S / 3600.0,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="Cache directory; default: <data dir>/celestrak."),
    ] = None,
) -> None:
    """Fetch TLE or OMM data from CelesTrak; offline, keep and use the cached copies."""
    if not group and not norad:
        raise typer.BadParameter(
            "give at least one --group (e.g. --group resource) or --norad (e.g. --norad 38708)"
        )
    directory = _cache_dir(cache_dir)
    results: list[GPResult] = []
    failed = False
    queries: list[str | list[int]] = [*(group or [])]
    if norad:
        queries.append(list(norad))
    for query in queries:
        try:
            results.extend(
                fetch_gp(
                    query,
                    "json" if format is GPFormatOption.json else "tle",
                    cache_dir=directory,
                    transport=transport,
                    max_age_s=max_age_hours * 3600.0,
                )
            )
        except CelesTrakError as exc:
            results.extend(exc.results)
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
            failed = True
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    for result in results:
        how = "downloaded" if result.downloaded else "cached"
        out.print(
            escape(f"{result.query}: {result.count} element sets, {how} -> {result.path}"),
            highlight=False,
        )
        if result.warning:
            err.print(f"[yellow]warning:[/yellow] {escape(result.warning)}", highlight=False)
    if out_path is not None and results:
        out_path.write_text(merge_results(results), encoding="utf-8")
        total = sum(r.count for r in results)
        out.print(escape(f"wrote {total} element sets to {out_path}"), highlight=False)
    if failed:
        raise typer.Exit(1)
