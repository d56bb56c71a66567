"""``zorka tm ...``: telemetry with a mission database and the archive.

``decode`` and ``import-xtce`` work on files alone; ``ingest``, ``query``, ``export`` and
``alarms`` work on the archive (``archive.sqlite`` in the data directory unless ``--archive``).
``ingest --link`` archives a live stream (a simulator's, say) and shows it as it comes.
Thin: every verb is a call into :mod:`zorka.control` (``mdb``, ``decoding``, ``alarms``,
``ingest``, ``archive``). Importing this module also publishes ``zorka schema mdb``.
"""

from __future__ import annotations

import csv
import json
import queue
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import typer
from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zorka.cli.app import app
from zorka.control.alarms import (
    AlarmEvent,
    AlarmServer,
    acknowledge_archived,
    save_alarm_changes,
    severity_name,
)
from zorka.control.archive import (
    SqliteArchive,
    export_samples,
    parquet_available,
    plain_value,
)
from zorka.control.decoding import PacketDecoder
from zorka.control.downlink import DownlinkConfig, DownlinkDecoder
from zorka.control.framesync import ASM
from zorka.control.ingest import TelemetryIngester
from zorka.control.links import TcpTmLink, TmLink, UdpTmLink
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
from zorka.control.timecorrelation import TimeCorrelation
from zorka.time import parse_utc

__all__ = ["tm_app"]

tm_app = typer.Typer(
    name="tm",
    help="Telemetry: decode and archive frames and packets, query samples, handle alarms.",
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


# -- the archive ------------------------------------------------------------------------------

err = Console(stderr=True)

ArchiveOption = Annotated[
    Path | None,
    typer.Option("--archive", help="archive file (default: archive.sqlite in the data directory)"),
]


def _open_archive(path: Path | None) -> SqliteArchive:
    return SqliteArchive(path)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(1)


@tm_app.command("ingest")
def ingest(
    file: Annotated[
        Path | None, typer.Argument(help="file of CADUs/frames or packets", dir_okay=False)
    ] = None,
    link: Annotated[
        str | None,
        typer.Option(
            "--link",
            help="live: udp://127.0.0.1:PORT (listen; a unit a datagram) or tcp://127.0.0.1:PORT "
            "(connect); instead of FILE",
        ),
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option("--duration", help="--link: stop after this many seconds (default: Ctrl-C)"),
    ] = None,
    mdb: Annotated[
        str, typer.Option("--mdb", help="database: an embedded name (bka), a YAML or XTCE file")
    ] = "bka",
    frames: Annotated[
        str, typer.Option("--frames", help="tm or aos (frames, with --asm/--frame-length...), none")
    ] = "none",
    frame_length: Annotated[
        int, typer.Option("--frame-length", help="transfer frame length in bytes")
    ] = 1115,
    asm: Annotated[
        str, typer.Option("--asm", help="attached sync marker in hex; empty: frames back to back")
    ] = ASM.hex().upper(),
    derandomize: Annotated[bool, typer.Option("--derandomize", help="undo the randomiser")] = False,
    rs_interleave: Annotated[
        int, typer.Option("--rs-interleave", help="Reed-Solomon (255,223) interleave, 0: none")
    ] = 0,
    fecf: Annotated[bool, typer.Option("--fecf", help="frames end in a CRC-16 FECF")] = False,
    obt_epoch: Annotated[
        str | None,
        typer.Option(
            "--obt-epoch", help="UTC when the on-board clock read zero (overrides the db)"
        ),
    ] = None,
    obt_rate: Annotated[
        float | None, typer.Option("--obt-rate", help="UTC seconds per on-board second")
    ] = None,
    again: Annotated[
        bool, typer.Option("--again", help="ingest from the start, not where a run stopped")
    ] = False,
    archive: ArchiveOption = None,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Decode a file of frames or packets and archive packets, samples and alarms.

    A file ingested before continues where that run stopped (--again starts over). On-board
    times become UTC where the database declares them (onboard_time), else samples take the
    time of ingest.
    """
    if frames not in ("tm", "aos", "none"):
        raise _fail(f"--frames {frames!r}: use tm, aos or none")
    if (file is None) == (link is None):
        raise _fail("give a FILE or --link, one of them")
    if file is not None and not file.is_file():
        raise _fail(f"{file}: no such file")
    database = _database(mdb)
    correlation = TimeCorrelation.from_database(database)
    if obt_epoch is not None or obt_rate is not None:
        if database.onboard_time is None:
            raise _fail(f"{mdb}: the database declares no on-board time (onboard_time)")
        try:
            epoch = parse_utc(obt_epoch, field="--obt-epoch") if obt_epoch else None
            correlation = TimeCorrelation(
                epoch or database.onboard_time.epoch,
                obt_rate if obt_rate is not None else database.onboard_time.rate,
            )
        except ValueError as exc:
            raise _fail(str(exc)) from None
    try:
        marker = bytes.fromhex(asm) if asm else None
    except ValueError:
        raise _fail(f"--asm {asm!r} is not hex") from None
    config = DownlinkConfig(
        frame_length=frame_length,
        asm=marker,
        derandomize=derandomize,
        rs_interleave=rs_interleave,
        has_fecf=fecf,
    )
    kind: Literal["tm", "aos", "none"] = frames  # type: ignore[assignment]
    if link is not None:
        _ingest_live(link, database, correlation, kind, config, archive, duration, output)
        return
    assert file is not None
    with _open_archive(archive) as store:
        ingester = TelemetryIngester(database, store, correlation=correlation)
        size = file.stat().st_size
        with Progress(
            TextColumn("[bold]ingest[/bold]"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as progress:
            task = progress.add_task("ingest", total=size)
            started = time.monotonic()
            for offset in ingester.ingest_file(file, kind, config=config, resume=not again):
                progress.update(task, completed=offset)
            elapsed = time.monotonic() - started
        counts = ingester.counts.as_dict()
        counts["seconds"] = round(elapsed, 3)  # type: ignore[assignment]
        if output == "json":
            typer.echo(json.dumps(counts, indent=2))
            return
        table = Table(title=f"{file.name} into {store.path}", header_style="bold")
        table.add_column("count")
        table.add_column("value", justify="right")
        rows = {
            "frames": counts["frames"],
            "frames bad / missing": f"{counts['frames_bad']} / {counts['frames_missing']}",
            "packets": counts["packets"],
            "packets bad / unmatched / missing": (
                f"{counts['packets_bad']} / {counts['packets_unmatched']} / "
                f"{counts['packets_missing']}"
            ),
            "bytes skipped": counts["bytes_skipped"],
            "samples": counts["samples"],
            "alarms raised / changes": f"{counts['alarms_raised']} / {counts['alarm_events']}",
        }
        for name, value in rows.items():
            table.add_row(name, str(value))
        Console().print(table)


def _link_address(link: str) -> tuple[str, str, int]:
    scheme, sep, rest = link.partition("://")
    host, _, port = rest.rpartition(":")
    if not sep or scheme not in ("udp", "tcp") or not port.isdigit():
        raise _fail(f"--link {link!r}: use udp://127.0.0.1:PORT or tcp://127.0.0.1:PORT")
    if host not in ("127.0.0.1", "localhost"):
        # the live links are for simulators and station front ends on this machine
        raise _fail(f"--link {link!r}: only the loopback address 127.0.0.1 is supported")
    return scheme, "127.0.0.1", int(port)


def _ingest_live(
    link: str,
    database: MissionDatabase,
    correlation: TimeCorrelation | None,
    kind: Literal["tm", "aos", "none"],
    config: DownlinkConfig,
    archive: Path | None,
    duration: float | None,
    output: str,
) -> None:
    """Archive what a live link brings, showing the latest values and the alarms as they come."""
    scheme, host, port = _link_address(link)
    units: queue.Queue[bytes] = queue.Queue()
    frames = DownlinkDecoder(replace(config, frame_type=kind)) if kind != "none" else None
    fixed = None
    if frames is not None and scheme == "tcp":
        fixed = len(config.asm or b"") + config.body_length
    try:
        receiver: TmLink = (
            UdpTmLink(f"ingest {link}", host, port, units.put)
            if scheme == "udp"
            else TcpTmLink(f"ingest {link}", host, port, units.put, fixed_length=fixed)
        )
    except OSError as exc:
        raise _fail(f"--link {link}: {exc}") from None
    display = PacketDecoder(database)
    latest: dict[str, tuple[Any, int]] = {}
    deadline = None if duration is None else time.monotonic() + duration
    out = Console()
    live = out.is_terminal and output == "table"
    with _open_archive(archive) as store, receiver:
        ingester = TelemetryIngester(database, store, correlation=correlation, source=link)
        receiver.start()
        err.print(f"listening on {link} ({kind} frames); Ctrl-C to stop", highlight=False)
        with Live(console=out, auto_refresh=False, transient=False) if live else _NoLive() as view:
            try:
                while deadline is None or time.monotonic() < deadline:
                    batch = _drain(units, 0.25)
                    if not batch:
                        continue
                    if frames is not None:
                        packets = [p.data for p in frames.feed_units(batch)]
                    else:
                        packets = batch
                    for event in ingester.ingest_packets(packets):
                        if not live and output == "table":
                            out.print(_alarm_line(event), highlight=False)
                    for decoded in display.decode(packets):
                        for name, samples in decoded.parameters.items():
                            i = len(decoded) - 1
                            value = samples.eng[i] if samples.valid[i] else None
                            latest[name] = (plain_value(value), int(samples.level[i]))
                    if live:
                        view.update(_live_view(database, latest, ingester), refresh=True)
            except KeyboardInterrupt:
                pass
        counts: dict[str, Any] = dict(ingester.counts.as_dict())
        if frames is not None:
            counts.update(frames=frames.stats.frames, frames_bad=frames.stats.frames_invalid,
                          frames_missing=frames.stats.frames_missing)  # fmt: skip
        counts["link_status"] = receiver.status.value
        alarms = [
            {"parameter": a.parameter, "severity": severity_name(a.severity),
             "state": "in limits" if a.in_limits else severity_name(a.level), "value": a.value}
            for a in ingester.alarms.active(time.time())
        ]  # fmt: skip
    if output == "json":
        values = {name: value for name, (value, _) in latest.items()}
        typer.echo(json.dumps({"counts": counts, "values": values, "alarms": alarms}, default=str))
    elif not live:
        out.print(_live_view(database, latest, ingester))


class _NoLive:
    """Stands in for ``rich.live.Live`` when standard output is not a terminal."""

    def __enter__(self) -> _NoLive:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, *args: object, **kwargs: object) -> None:
        return None


def _drain(units: queue.Queue[bytes], wait_s: float) -> list[bytes]:
    try:
        batch = [units.get(timeout=wait_s)]
    except queue.Empty:
        return []
    while len(batch) < 10_000:
        try:
            batch.append(units.get_nowait())
        except queue.Empty:
            break
    return batch


def _alarm_line(event: AlarmEvent) -> str:
    return (
        f"{_iso(event.time_s)} alarm {event.kind}: {event.parameter} {event.severity} "
        f"= {event.value}"
    )


def _live_view(
    database: MissionDatabase, latest: dict[str, tuple[Any, int]], ingester: TelemetryIngester
) -> Group:
    colours = {1: "yellow", 2: "red"}
    values = Table(title="latest values", header_style="bold", show_edge=False)
    for column in ("parameter", "value", "unit"):
        values.add_column(column)
    for parameter in database.parameters:
        if parameter.name not in latest or parameter.name.startswith(("CCSDS_", "PUS_")):
            continue
        value, level = latest[parameter.name]
        text = f"{value:.3f}" if isinstance(value, float) else str(value)
        if level in colours:
            text = f"[{colours[level]}]{text}[/{colours[level]}]"
        values.add_row(parameter.name, text, database.parameter_type(parameter.name).unit or "")
    alarms = Table(title="alarms", header_style="bold", show_edge=False)
    for column in ("parameter", "severity", "now", "value"):
        alarms.add_column(column)
    for a in ingester.alarms.active(time.time()):
        colour = colours[2 if a.severity > 1 else 1]
        alarms.add_row(
            a.parameter, f"[{colour}]{severity_name(a.severity)}[/{colour}]",
            "in limits" if a.in_limits else severity_name(a.level), str(a.value),
        )  # fmt: skip
    c = ingester.counts
    summary = (
        f"{c.packets} packets, {c.samples} samples, {c.alarms_raised} alarms raised, "
        f"{c.packets_unmatched} unmatched"
    )
    return Group(values, alarms, summary)


@tm_app.command("query")
def query(
    parameter: Annotated[str, typer.Argument(help="parameter name")],
    start: Annotated[
        str | None, typer.Option("--start", help="UTC, ISO-8601; default: all")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="UTC, ISO-8601, exclusive")] = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    limit: Annotated[
        int, typer.Option("--limit", help="table: show the last N samples (0: all)")
    ] = 50,
    archive: ArchiveOption = None,
) -> None:
    """Samples of one parameter in a time range: time, raw, engineering value, validity, level."""
    try:
        t0 = parse_utc(start, field="--start") if start else None
        t1 = parse_utc(end, field="--end") if end else None
        with _open_archive(archive) as store:
            series = store.samples(parameter, t0, t1)
    except (ValueError, KeyError) as exc:
        raise _fail(str(exc.args[0] if exc.args else exc)) from None
    rows = list(series.rows())
    if output == "json":
        typer.echo(json.dumps({"parameter": parameter, "samples": rows}, indent=1))
    elif output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["time", "raw", "eng", "valid", "level"])
        for row in rows:
            writer.writerow([row["time"], row["raw"], row["eng"], int(row["valid"]), row["level"]])
    elif output == "table":
        shown = rows[-limit:] if limit else rows
        table = Table(
            title=f"{parameter}: {len(rows)} samples"
            + (f", last {len(shown)}" if len(shown) < len(rows) else ""),
            header_style="bold",
        )
        for column in ("time (UTC)", "raw", "eng", "valid", "level"):
            table.add_column(column, justify="left" if column.startswith("time") else "right")
        levels = {0: "", 1: "[yellow]warning[/yellow]", 2: "[red]critical[/red]"}
        for row in shown:
            table.add_row(
                row["time"], str(row["raw"]), str(row["eng"]), "" if row["valid"] else "invalid",
                levels.get(row["level"], str(row["level"])),
            )  # fmt: skip
        Console().print(table)
    else:
        raise _fail(f"--format {output!r}: use table, csv or json")


@tm_app.command("export")
def export(
    parameters: Annotated[list[str], typer.Argument(help="parameter names")],
    out: Annotated[Path, typer.Option("--out", "-o", help="file to write", dir_okay=False)],
    start: Annotated[
        str | None, typer.Option("--start", help="UTC, ISO-8601; default: all")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="UTC, ISO-8601, exclusive")] = None,
    output: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
    archive: ArchiveOption = None,
) -> None:
    """Export samples of parameters, one row per sample, to CSV or Parquet."""
    if output not in ("csv", "parquet"):
        raise _fail(f"--format {output!r}: use csv or parquet")
    if output == "parquet" and not parquet_available():
        raise _fail("Parquet export needs pyarrow (pip install pyarrow); --format csv works")
    try:
        t0 = parse_utc(start, field="--start") if start else None
        t1 = parse_utc(end, field="--end") if end else None
        with _open_archive(archive) as store:
            rows = export_samples(store, parameters, out, start=t0, end=t1, format=output)  # type: ignore[arg-type]
    except (ValueError, KeyError) as exc:
        raise _fail(str(exc.args[0] if exc.args else exc)) from None
    typer.echo(f"{rows} samples written to {out}")


alarms_app = typer.Typer(
    name="alarms",
    help="Limit alarms in the archive: list, acknowledge, shelve.",
    invoke_without_command=True,
)
tm_app.add_typer(alarms_app, name="alarms")


def _alarm_server(store: SqliteArchive) -> AlarmServer:
    return AlarmServer({a.parameter: a for a in store.load_alarms()})


@alarms_app.callback()
def alarms(
    ctx: typer.Context,
    show_all: Annotated[bool, typer.Option("--all", help="shelved alarms too")] = False,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    archive: ArchiveOption = None,
) -> None:
    """The alarms awaiting an operator, worst first (shelved ones with --all)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = archive
        return
    now = time.time()
    with _open_archive(archive) as store:
        shown = _alarm_server(store).active(now, include_shelved=show_all)
    records = [
        {"parameter": a.parameter, "severity": severity_name(a.severity),
         "state": "in limits" if a.in_limits else severity_name(a.level),
         "value": a.value, "raised": _iso(a.raised_s), "acknowledged": a.acknowledged,
         "shelved_until": _iso(a.shelved_until_s) if a.shelved(now) else None}
        for a in shown
    ]  # fmt: skip
    if output == "json":
        typer.echo(json.dumps(records, indent=1, default=str))
        return
    if not records:
        typer.echo("no alarms")
        return
    table = Table(title=f"{len(records)} alarms", header_style="bold")
    for column in ("parameter", "severity", "now", "value", "raised (UTC)", "ack", "shelved until"):
        table.add_column(column)
    for r in records:
        colour = "red" if r["severity"] == "critical" else "yellow"
        table.add_row(
            r["parameter"], f"[{colour}]{r['severity']}[/{colour}]", r["state"], str(r["value"]),
            r["raised"], "yes" if r["acknowledged"] else "", r["shelved_until"] or "",
        )  # fmt: skip
    Console().print(table)


def _iso(unix_s: float | None) -> str | None:
    if unix_s is None:
        return None
    return str(np.datetime64(round(unix_s * 1e3), "ms")) + "Z"


def _acting_on(ctx: typer.Context, archive: Path | None) -> Path | None:
    return archive if archive is not None else ctx.obj


@alarms_app.command("acknowledge")
def acknowledge(
    ctx: typer.Context,
    parameter: Annotated[str, typer.Argument(help="the alarm's parameter")],
    by: Annotated[str | None, typer.Option("--by", help="operator")] = None,
    archive: ArchiveOption = None,
) -> None:
    """Acknowledge an alarm; it clears if its parameter is back in limits."""
    with _open_archive(_acting_on(ctx, archive)) as store:
        try:
            events = acknowledge_archived(store, parameter, time.time(), by=by)
        except KeyError as exc:
            raise _fail(str(exc.args[0])) from None
    typer.echo(f"{parameter}: " + ", ".join(e.kind for e in events))


@alarms_app.command("shelve")
def shelve(
    ctx: typer.Context,
    parameter: Annotated[str, typer.Argument(help="the alarm's parameter")],
    duration_s: Annotated[float, typer.Option("--for", help="seconds to hide it")] = 3600.0,
    by: Annotated[str | None, typer.Option("--by", help="operator")] = None,
    archive: ArchiveOption = None,
) -> None:
    """Hide an alarm for a while; it keeps its state."""
    with _open_archive(_acting_on(ctx, archive)) as store:
        server = _alarm_server(store)
        try:
            event = server.shelve(parameter, time.time(), duration_s, by=by)
        except KeyError as exc:
            raise _fail(str(exc.args[0])) from None
        save_alarm_changes(store, server, [event])
    typer.echo(f"{parameter}: shelved for {duration_s:g} s")


@alarms_app.command("unshelve")
def unshelve(
    ctx: typer.Context,
    parameter: Annotated[str, typer.Argument(help="the alarm's parameter")],
    by: Annotated[str | None, typer.Option("--by", help="operator")] = None,
    archive: ArchiveOption = None,
) -> None:
    """Show a shelved alarm again."""
    with _open_archive(_acting_on(ctx, archive)) as store:
        server = _alarm_server(store)
        try:
            event = server.unshelve(parameter, time.time(), by=by)
        except KeyError as exc:
            raise _fail(str(exc.args[0])) from None
        save_alarm_changes(store, server, [event])
    typer.echo(f"{parameter}: unshelved")
