"""``zorka frames decode`` and ``zorka packets decode``: inspect what a ground station delivers.

``frames decode`` runs a byte stream (CADUs with an attached sync marker, or frames back to back,
or a line hex dump of either) through :class:`~zorka.control.downlink.DownlinkDecoder` and prints
the statistics of the pass; ``--packets-out`` keeps the packets it extracted. ``packets decode``
turns a file of space packets into one row per packet with a mission database
(:mod:`zorka.control.packettable`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from zorka.cli.app import app
from zorka.control.downlink import DownlinkConfig, DownlinkDecoder
from zorka.control.errors import LinkLayerError
from zorka.control.framesync import ASM
from zorka.control.hexdump import read_hex_dump
from zorka.control.mdb import (
    MdbError,
    MissionDatabase,
    default_mdb,
    list_default_mdbs,
    load_mdb,
    read_xtce,
)
from zorka.control.packettable import decode_packet_table
from zorka.control.spacepacket import split_packets

__all__ = ["frames_app", "packets_app"]

frames_app = typer.Typer(
    name="frames",
    help="Transfer frames: decode a downlink recording and count what is in it.",
    no_args_is_help=True,
)
packets_app = typer.Typer(
    name="packets",
    help="Space packets: decode a packet file with a mission database.",
    no_args_is_help=True,
)
app.add_typer(frames_app, name="frames")
app.add_typer(packets_app, name="packets")

err = Console(stderr=True, soft_wrap=True)
_CHUNK = 1 << 20


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(1)


def _is_hex_dump(path: Path) -> bool:
    if path.suffix.lower() in (".hex", ".txt"):
        return True
    with open(path, "rb") as f:
        head = f.read(4096)
    return bool(head) and all(c in b"0123456789abcdefABCDEF \t\r\n" for c in head)


@frames_app.command("decode")
def decode_frames(
    file: Annotated[
        Path, typer.Argument(help="CADUs or frames: binary, or a hex dump (one unit per line)")
    ],
    frame_type: Annotated[str, typer.Option("--frame-type", help="tm or aos")] = "tm",
    frame_length: Annotated[
        int, typer.Option("--frame-length", help="transfer frame length in bytes")
    ] = 1115,
    asm: Annotated[
        str,
        typer.Option("--asm", help="attached sync marker in hex; empty: units back to back"),
    ] = ASM.hex().upper(),
    derandomize: Annotated[bool, typer.Option("--derandomize", help="undo the randomiser")] = False,
    rs_interleave: Annotated[
        int, typer.Option("--rs-interleave", help="Reed-Solomon (255,223) interleave, 0: none")
    ] = 0,
    rs_check: Annotated[
        bool,
        typer.Option("--rs-check/--no-rs-check", help="decode the RS parity, or only strip it"),
    ] = True,
    fecf: Annotated[bool, typer.Option("--fecf", help="frames end in a CRC-16 FECF")] = False,
    ocf: Annotated[bool, typer.Option("--ocf", help="AOS frames carry an OCF")] = False,
    packet_kind: Annotated[
        str, typer.Option("--packet-kind", help="space or encapsulation packets")
    ] = "space",
    hex_input: Annotated[
        bool | None,
        typer.Option("--hex/--binary", help="input format (default: guessed from the file)"),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    packets_out: Annotated[
        Path | None,
        typer.Option("--packets-out", help="write the extracted packets back to back here"),
    ] = None,
) -> None:
    """Decode a downlink recording: CADUs, RS, frames per virtual channel, packets per APID.

    A hex dump holds one unit per line (the ASM optional); a binary file is searched for the
    ASM, or cut into units of the frame length (plus RS parity) when --asm is empty.
    """
    if frame_type not in ("tm", "aos"):
        raise _fail(f"--frame-type {frame_type!r}: use tm or aos")
    if packet_kind not in ("space", "encapsulation"):
        raise _fail(f"--packet-kind {packet_kind!r}: use space or encapsulation")
    if output not in ("table", "json"):
        raise _fail(f"--format {output!r}: use table or json")
    if not file.is_file():
        raise _fail(f"{file}: no such file")
    try:
        marker = bytes.fromhex(asm) if asm else None
    except ValueError:
        raise _fail(f"--asm {asm!r} is not hex") from None
    if not 0 <= rs_interleave <= 8:
        raise _fail(f"--rs-interleave {rs_interleave}: use 0 (no RS) to 8")
    try:
        config = DownlinkConfig(
            frame_type=frame_type,  # type: ignore[arg-type]
            frame_length=frame_length,
            asm=marker,
            derandomize=derandomize,
            rs_interleave=rs_interleave,
            rs_check=rs_check,
            has_fecf=fecf,
            aos_has_ocf=ocf,
            packet_kind=packet_kind,  # type: ignore[arg-type]
        )
        decoder = DownlinkDecoder(config)
    except (ValueError, LinkLayerError) as exc:
        raise _fail(str(exc)) from None
    sink = open(packets_out, "wb") if packets_out is not None else None  # noqa: SIM115
    try:
        if hex_input if hex_input is not None else _is_hex_dump(file):
            try:
                units = read_hex_dump(file)
            except (LinkLayerError, UnicodeDecodeError) as exc:
                raise _fail(f"{file}: not a hex dump ({exc}); try --binary") from None
            packets = decoder.feed_units(units)
            if sink is not None:
                sink.writelines(p.data for p in packets)
        else:
            with open(file, "rb") as f:
                while piece := f.read(_CHUNK):
                    packets = decoder.feed(piece)
                    if sink is not None:
                        sink.writelines(p.data for p in packets)
    finally:
        if sink is not None:
            sink.close()
    stats = decoder.stats.to_dict()
    if output == "json":
        typer.echo(json.dumps(stats, indent=2))
        return
    table = Table(title=f"{file.name}: {frame_type.upper()} frames", header_style="bold")
    table.add_column("count")
    table.add_column("value", justify="right")
    for key, value in stats.items():
        if isinstance(value, dict):
            text = ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
        else:
            text = str(value)
        table.add_row(key.replace("_", " "), text)
    if decoder.bytes_skipped:
        table.add_row("bytes skipped (no sync)", str(decoder.bytes_skipped))
    Console().print(table)


def _database(xtce: Path | None, mdb: str | None) -> MissionDatabase:
    if (xtce is None) == (mdb is None):
        raise _fail("give one database: --xtce FILE or --mdb FILE|NAME")
    if xtce is not None:
        try:
            result = read_xtce(xtce)
        except (OSError, ValueError, MdbError) as exc:
            raise _fail(f"{xtce}: {exc}") from None
        for xtce_issue in result.issues:
            err.print(f"[yellow]{xtce_issue}[/yellow]", highlight=False)
        return result.database
    assert mdb is not None
    try:
        if mdb in list_default_mdbs() and not Path(mdb).exists():
            return default_mdb(mdb)
        return load_mdb(mdb)
    except MdbError as exc:
        for issue in exc.issues:
            err.print(str(issue), highlight=False)
        raise typer.Exit(1) from None
    except (OSError, LookupError) as exc:
        raise _fail(f"{mdb}: {exc}") from None


@packets_app.command("decode")
def decode_packets(
    file: Annotated[Path, typer.Argument(help="space packets back to back")],
    xtce: Annotated[Path | None, typer.Option("--xtce", help="XTCE file of the packets")] = None,
    mdb: Annotated[
        str | None, typer.Option("--mdb", help="zorka YAML database, or an embedded name (bka)")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="csv, json or parquet")] = "csv",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="file to write (default: standard output; parquet: FILE.parquet)"
        ),
    ] = None,
) -> None:
    """One row per packet with every parameter (engineering values; NAME__raw beside calibrated).

    Columns: packet, offset, container, then the parameters in database order, header fields
    included. A bad or cut packet ends the readable stream; what follows is reported, not read.
    """
    if output not in ("csv", "json", "parquet"):
        raise _fail(f"--format {output!r}: use csv, json or parquet")
    if not file.is_file():
        raise _fail(f"{file}: no such file")
    database = _database(xtce, mdb)
    stream = file.read_bytes()
    packets, offsets = [], []
    for item in split_packets(stream):
        if isinstance(item, int):
            err.print(
                f"[yellow]{file}: no whole packet at byte {item}; "
                f"{len(stream) - item} bytes not read[/yellow]",
                highlight=False,
            )
            break
        packets.append(item.data)
        offsets.append(item.offset)
    table = decode_packet_table(database, packets, offsets)
    if table.unmatched:
        err.print(
            f"[yellow]{table.unmatched} of {len(table)} packets matched no container[/yellow]",
            highlight=False,
        )
    if output == "parquet":
        target = out if out is not None else file.with_suffix(".parquet")
        table.write_parquet(target)
        err.print(f"{len(table)} packets written to {target}", highlight=False)
    elif out is not None:
        with open(out, "w", encoding="utf-8", newline="") as f:
            if output == "csv":
                table.write_csv(f)
            else:
                table.write_json(f)
        err.print(f"{len(table)} packets written to {out}", highlight=False)
    elif output == "csv":
        table.write_csv(sys.stdout)
    else:
        table.write_json(sys.stdout)
