"""Packets as a table: one row per packet, one column per parameter of the mission database.

What ``zorka packets decode`` writes. The columns are ``packet`` (position in the input),
``offset`` (byte offset in the file), ``container`` (the deepest container the packet matched,
empty when none), then every parameter that any packet carries, in database order, named as in
the database and holding engineering values; a calibrated parameter (polynomial, spline or
context calibrations) has its raw value in a ``NAME__raw`` column beside it. A sample that is not
valid, or a parameter the packet's container does not carry, is an empty cell (``null``).
Binary values are written as hex text.

The decoding is :class:`~zorka.control.decoding.PacketDecoder`'s, batched; only the conversion
of the decoded columns to rows is per packet.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from zorka.control.decoding import PacketDecoder
from zorka.control.mdb.model import MissionDatabase, ParameterType

__all__ = ["RAW_SUFFIX", "PacketTable", "decode_packet_table"]

RAW_SUFFIX = "__raw"
_FIXED = ("packet", "offset", "container")


def _calibrated(ptype: ParameterType) -> bool:
    return ptype.calibration is not None or bool(ptype.context_calibrations)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, float) and not np.isfinite(value):
        return None  # JSON has no NaN; an infinite float is as good as no value in a table
    return value


@dataclass
class PacketTable:
    """Decoded packets by column; ``columns`` maps each column name to one value per packet."""

    columns: dict[str, list[Any]]
    unmatched: int

    def __len__(self) -> int:
        return len(self.columns["packet"])

    @property
    def names(self) -> list[str]:
        """The column names, in order."""
        return list(self.columns)

    def rows(self, *, skip_empty: bool = False) -> Iterator[dict[str, Any]]:
        """One dict per packet; ``skip_empty`` leaves out the columns its packet does not fill."""
        names = self.names
        values = [self.columns[n] for n in names]
        for i in range(len(self)):
            row = {name: column[i] for name, column in zip(names, values, strict=True)}
            if skip_empty:
                row = {k: v for k, v in row.items() if v is not None or k in _FIXED}
            yield row

    def write_csv(self, out: IO[str]) -> None:
        """CSV with a header line; empty cells for missing and invalid values."""
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.names)
        columns = list(self.columns.values())
        for i in range(len(self)):
            writer.writerow(["" if c[i] is None else c[i] for c in columns])

    def write_json(self, out: IO[str]) -> None:
        """A JSON array of objects, one per packet, holding the columns its container fills."""
        out.write("[\n")
        for i, row in enumerate(self.rows(skip_empty=True)):
            out.write(("" if i == 0 else ",\n") + json.dumps(row))
        out.write("\n]\n")

    def write_parquet(self, path: str | Path) -> None:
        """A Parquet file (needs pyarrow), one typed column per table column."""
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        pq.write_table(pa.table(self.columns), str(path))


def decode_packet_table(
    mdb: MissionDatabase, packets: Sequence[bytes], offsets: Sequence[int] | None = None
) -> PacketTable:
    """Decode ``packets`` with ``mdb`` into a :class:`PacketTable`."""
    n = len(packets)
    decoder = PacketDecoder(mdb)
    batches = decoder.decode(packets)
    present = {name for batch in batches for name in batch.parameters}
    columns: dict[str, list[Any]] = {
        "packet": list(range(n)),
        "offset": list(offsets) if offsets is not None else [None] * n,
        "container": [None] * n,
    }
    calibrated = set()
    for parameter in mdb.parameters:
        if parameter.name not in present:
            continue
        columns[parameter.name] = [None] * n
        if _calibrated(mdb.parameter_type(parameter.name)):
            calibrated.add(parameter.name)
            columns[parameter.name + RAW_SUFFIX] = [None] * n
    for batch in batches:
        index = batch.index.tolist()
        for i in index:
            columns["container"][i] = batch.container
        for name, samples in batch.parameters.items():
            targets = [(name, samples.eng)]
            if name in calibrated:
                targets.append((name + RAW_SUFFIX, samples.raw))
            valid = samples.valid.tolist()
            for column_name, data in targets:
                column = columns[column_name]
                values = data.tolist() if data.dtype != object else list(data)
                for i, value, ok in zip(index, values, valid, strict=True):
                    column[i] = _plain(value) if ok else None
    return PacketTable(columns, len(decoder.unmatched))
