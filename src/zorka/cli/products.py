"""``zorka products ingest|search``: products into the catalog, and searches of it.

Thin: ingest is :func:`zorka.catalog.ingest_paths`, search is
:meth:`zorka.catalog.SQLiteCatalog.search` with its parameters parsed by
:mod:`zorka.catalog.params`, the same parsers the STAC API uses.
"""

from __future__ import annotations

import json
import sqlite3
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from zorka.catalog import (
    FilterError,
    SearchQuery,
    SQLiteCatalog,
    default_catalog_path,
    ingest_paths,
    parse_bbox,
    parse_sortby,
)
from zorka.cli.app import app
from zorka.products.stac_validation import OfflineValidator

__all__ = ["CatalogOption", "open_catalog", "products_app"]

products_app = typer.Typer(
    name="products",
    help="Products: ingest BKA products into the catalog, search it.",
    no_args_is_help=True,
)
app.add_typer(products_app, name="products")

#: The ``--catalog FILE`` option (default: ``catalog.sqlite`` in the zorka data directory).
CatalogOption = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="catalog file (SQLite); default: catalog.sqlite in the zorka data directory",
        dir_okay=False,
    ),
]


class OutputFormat(StrEnum):
    """How ``products search`` prints its results."""

    table = "table"
    json = "json"


def open_catalog(path: Path | None) -> SQLiteCatalog:
    """The catalog a ``--catalog`` option names, or the one in the data directory."""
    target = default_catalog_path() if path is None else path
    try:
        return SQLiteCatalog(target)
    except (sqlite3.Error, OSError) as exc:
        typer.echo(f"{target}: cannot open the catalog: {exc}", err=True)
        raise typer.Exit(2) from None


@products_app.command("ingest")
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="product folders, passports or zip deliveries")
    ],
    catalog: CatalogOption = None,
    schemas: Annotated[
        list[Path] | None,
        typer.Option(
            "--schemas",
            help="validate items against the STAC schemas, extension schemas from this folder "
            "(laid out as <host>/<path>); repeatable",
            file_okay=False,
        ),
    ] = None,
    quicklooks: Annotated[
        Path | None,
        typer.Option(
            "--quicklooks",
            help="folder for the thumbnails and browse images made from product rasters; "
            "default: quicklooks/ beside the catalog",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Read BKA products under PATH... into the catalog; print what was stored and every problem.

    Exits non-zero only if nothing could be ingested.
    """
    store = open_catalog(catalog)
    try:
        validator = OfflineValidator(schemas) if schemas else None
        quicklook_dir = quicklooks or Path(store.path).resolve().parent / "quicklooks"
        report = ingest_paths(store, paths, validator, quicklook_dir)
        stored = store.search(SearchQuery(ids=report.ingested, limit=10_000)).items
    finally:
        store.close()
    console = _console()
    if stored:
        table = Table(title=f"Ingested into {store.path}")
        for column in ("id", "collection", "datetime", "gsd", "cloud %", "issues"):
            table.add_column(column, no_wrap=column == "id")
        by_id = {i["id"]: i for i in stored}
        for item_id in report.ingested:
            item = by_id.get(item_id)
            if item is None:
                continue
            p = item["properties"]
            table.add_row(
                item_id,
                item.get("collection", ""),
                str(p.get("datetime") or p.get("start_datetime") or ""),
                _number(p.get("gsd")),
                _number(p.get("eo:cloud_cover")),
                str(len(report.issues.get(item_id, []))),
            )
        console.print(table)
    problems = [("error", e) for e in report.errors]
    problems += [("warning", i) for issues in report.issues.values() for i in issues]
    if problems:
        table = Table(title="Problems (file: field: message)")
        table.add_column("severity")
        table.add_column("problem", overflow="fold")
        for severity, message in problems:
            table.add_row(severity, message)
        console.print(table)
    console.print(
        f"{len(report.ingested)} ingested, {len(report.errors)} refused, "
        f"{sum(len(i) for i in report.issues.values())} warnings"
    )
    if not report.ingested:
        raise typer.Exit(1)


def _console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        # Piped or captured output is read whole: wide enough that no id or path is cut.
        console.width = max(console.width, 200)
    return console


def _number(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


@products_app.command("search")
def search(
    catalog: CatalogOption = None,
    bbox: Annotated[
        str | None, typer.Option("--bbox", help="west,south,east,north in degrees")
    ] = None,
    datetime: Annotated[
        str | None,
        typer.Option("--datetime", help="a time, or start/end with .. for an open end"),
    ] = None,
    filter_: Annotated[
        str | None,
        typer.Option("--filter", help="CQL2 filter, text or JSON (a JSON object starts with {)"),
    ] = None,
    collection: Annotated[
        list[str] | None, typer.Option("--collection", help="collection id; repeatable")
    ] = None,
    ids: Annotated[list[str] | None, typer.Option("--id", help="item id; repeatable")] = None,
    sortby: Annotated[
        str | None, typer.Option("--sortby", help="e.g. -datetime,+gsd (default: newest first)")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many items", min=1)] = 10,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table, or a GeoJSON FeatureCollection")
    ] = OutputFormat.table,
) -> None:
    """Search the catalog: bbox, datetime, CQL2 filter, collections, ids."""
    filter_value: str | dict[str, Any] | None = filter_
    try:
        if filter_ is not None and filter_.lstrip().startswith("{"):
            try:
                filter_value = json.loads(filter_)
            except ValueError as exc:
                raise FilterError(f"filter: not JSON: {exc}") from None
        query = SearchQuery(
            bbox=parse_bbox(bbox),
            datetime=datetime,
            filter=filter_value,
            collections=collection or None,
            ids=ids or None,
            sortby=parse_sortby(sortby),
            limit=limit,
        )
    except FilterError as exc:
        raise typer.BadParameter(str(exc)) from None
    store = open_catalog(catalog)
    try:
        page = store.search(query)
    except FilterError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        store.close()
    if output is OutputFormat.json:
        collection_doc = {
            "type": "FeatureCollection",
            "features": page.items,
            "numberMatched": page.matched,
            "numberReturned": len(page.items),
        }
        typer.echo(json.dumps(collection_doc, indent=2, ensure_ascii=False))
        return
    console = _console()
    table = Table(title=f"{len(page.items)} of {page.matched} matching items")
    for column in ("id", "collection", "datetime", "platform", "gsd", "cloud %"):
        table.add_column(column, no_wrap=column == "id")
    for item in page.items:
        p = item["properties"]
        table.add_row(
            item["id"],
            item.get("collection", ""),
            str(p.get("datetime") or p.get("start_datetime") or ""),
            str(p.get("platform", "")),
            _number(p.get("gsd")),
            _number(p.get("eo:cloud_cover")),
        )
    console.print(table)
