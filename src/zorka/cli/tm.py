"""``zorka tm ...``: telemetry with a mission database (decode packet files, import XTCE).

Thin: every verb is a call into :mod:`zorka.control.mdb`, :mod:`zorka.control.decoding` and
:mod:`zorka.control.alarms`. Importing this module also publishes ``zorka schema mdb``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from zorka.cli.app import app
from zorka.control.alarms import AlarmServer
from zorka.control.decoding import PacketDecoder
from zorka.control.mdb import (
    MdbError,
    MissionDatabase,
    default_mdb,
    dump_mdb,
    list_default_mdbs,
    load_mdb,
    read_xtce,
)
from zorka.control.spacepacket import split_packets

__all__ = ["tm_app"]

tm_app = typer.Typer(
    name="tm",
    help="Telemetry: decode packet files with a mission database, import XTCE.",
    no_args_is_help=True,
)
app.add_typer(tm_app, name="tm")


def _database(mdb: str) -> MissionDatabase:
    try:
        if mdb in list_default_mdbs() and not Path(mdb).exists():
            return default_mdb(mdb)
        return load_mdb(mdb)
    except MdbError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(1) from None
    except (OSError, LookupError) as exc:
        typer.echo(f"{mdb}: {exc}", err=True)
        raise typer.Exit(1) from None


@tm_app.command("decode")
def decode(
    file: Annotated[
        Path, typer.Argument(help="file of space packets back to back", dir_okay=False)
    ],
    mdb: Annotated[
        str,
        typer.Option("--mdb", help="database: an embedded name (bka), a YAML file or an XTCE file"),
    ] = "bka",
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Decode a packet file: packets per container, unmatched packets, limit alarms raised."""
    database = _database(mdb)
    stream = file.read_bytes()
    packets = [p.data for p in split_packets(stream) if not isinstance(p, int)]
    decoder = PacketDecoder(database)
    batches = decoder.decode(packets)
    server = AlarmServer()
    events = []
    for batch in batches:
        # without a time field the packet's position in the file orders the samples
        events += server.process(batch, batch.index.astype(np.float64))
    summary: dict[str, Any] = {
        "packets": len(packets),
        "bytes_left": len(stream) - sum(len(p) for p in packets),
        "unmatched": len(decoder.unmatched),
        "containers": {},
        "alarms": [
            {"parameter": a.parameter, "severity": "critical" if a.severity > 1 else "warning",
             "first_packet": int(a.raised_s), "value": a.value}
            for a in server.active(0.0, include_shelved=True)
        ],
    }  # fmt: skip
    for batch in batches:
        summary["containers"][batch.container] = summary["containers"].get(batch.container, 0)
        summary["containers"][batch.container] += len(batch)
    if output == "json":
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    typer.echo(f"{summary['packets']} packets, {summary['unmatched']} matched no container")
    for name, count in sorted(summary["containers"].items()):
        typer.echo(f"  {name}: {count}")
    for alarm in summary["alarms"]:
        typer.echo(
            f"alarm {alarm['severity']}: {alarm['parameter']} = {alarm['value']} "
            f"(from packet {alarm['first_packet']})"
        )


@tm_app.command("import-xtce")
def import_xtce(
    files: Annotated[list[Path], typer.Argument(help="XTCE files, read together", dir_okay=False)],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="write the database as zorka YAML")
    ] = None,
) -> None:
    """Import XTCE; list what was not imported (element paths) on standard error."""
    result = read_xtce(*files)
    for issue in result.issues:
        typer.echo(str(issue), err=True)
    db = result.database
    typer.echo(
        f"{db.name}: {len(db.parameters)} parameters, {len(db.containers)} containers, "
        f"{len(db.commands)} commands; {len(result.issues)} issues"
    )
    if out is not None:
        out.write_text(dump_mdb(db), encoding="utf-8")
