"""A telecommand packet back to its command and arguments: what a spacecraft (or a simulator) does.

:func:`decode_command` is the inverse of :class:`~zorka.control.commanding.CommandEncoder`: the
PUS-C header is read by ``spacepackets`` (its CRC checked), then every concrete command of the
database whose assignments match the header's APID, service and subtype is tried on the
application data; the first one whose fixed fields and assignments hold, and which uses the data
exactly, is the answer. Arguments come back as engineering values (enumeration labels, booleans,
calibrated numbers, text, bytes), as :func:`~zorka.control.commanding.validate_command` takes
them, so that encode -> decode -> validate is the identity.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from zorka.control.commanding import PusConventions
from zorka.control.mdb.model import ArgumentType, Command, CommandEntry, MissionDatabase, Value
from zorka.control.spacepacket import PusTc

__all__ = ["CommandDecodeError", "DecodedCommand", "decode_command"]


class CommandDecodeError(ValueError):
    """A packet that is not a command of the database (the message says why)."""


@dataclass(frozen=True)
class DecodedCommand:
    """The command a TC packet carries: name, every argument, and its request ID."""

    name: str
    arguments: dict[str, Value | bytes]
    apid: int
    service: int
    subtype: int
    ack_flags: int
    sequence_count: int
    packet: bytes = field(repr=False)

    @property
    def request_id(self) -> tuple[int, int]:
        """(packet ID, packet sequence control), what PUS-1 reports name the command by."""
        return (
            int.from_bytes(self.packet[0:2], "big"),
            int.from_bytes(self.packet[2:4], "big"),
        )


class _Bits:
    """Reads big-endian fields of any bit size from bytes."""

    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "big")
        self.total = 8 * len(data)
        self.pos = 0

    def read(self, bits: int) -> int:
        if self.pos + bits > self.total:
            raise CommandDecodeError(f"the data ends {self.pos + bits - self.total} bits short")
        self.pos += bits
        return self.value >> (self.total - self.pos) & ((1 << bits) - 1)


def _read_argument(atype: ArgumentType, bits: _Bits) -> Value | bytes:
    enc = atype.encoding
    if enc.kind in ("string", "binary"):
        if enc.bits is not None:
            size = enc.bits // 8
        elif enc.size_prefix_bits is not None:
            size = bits.read(enc.size_prefix_bits)
        else:
            raise CommandDecodeError("arguments sized by another argument are not supported")
        blob = bits.read(8 * size).to_bytes(size, "big") if size else b""
        if atype.kind == "binary":
            return blob
        if enc.terminator is not None:
            blob = blob.split(bytes([enc.terminator]), 1)[0]
        codec = {"ascii": "ascii", "utf-8": "utf-8", "utf-16": "utf-16-be"}[enc.charset]
        return blob.decode(codec, errors="replace")
    size = enc.bits or 0
    value = bits.read(size)
    if enc.byte_order == "little":
        value = int.from_bytes(value.to_bytes(size // 8, "big"), "little")
    raw: int | float
    if enc.kind == "ieee754":
        raw = struct.unpack(">f" if size == 32 else ">d", value.to_bytes(size // 8, "big"))[0]
    elif enc.kind == "unsigned" or not value >> (size - 1):
        raw = value
    elif enc.kind == "twos_complement":
        raw = value - (1 << size)
    elif enc.kind == "sign_magnitude":
        raw = -(value & ((1 << (size - 1)) - 1))
    else:
        raw = -(~value & ((1 << size) - 1))
    if atype.kind == "enumerated":
        for label, number in (atype.enumeration or {}).items():
            if number == raw:
                return label
        raise CommandDecodeError(f"{raw} is not a value of the enumeration")
    if atype.kind == "boolean":
        return bool(raw)
    cal = atype.calibration
    if cal is not None and cal.polynomial is not None:
        raw = sum(c * float(raw) ** i for i, c in enumerate(cal.polynomial))
    elif cal is not None:
        raise CommandDecodeError("only polynomial calibrations of arguments are decoded")
    if atype.kind == "integer":
        return round(raw)
    return float(raw)


def _try(
    mdb: MissionDatabase, chain: list[Command], header: dict[str, int], app_data: bytes
) -> dict[str, Value | bytes]:
    assigned: dict[str, Value] = {}
    for command in chain[1:]:
        assigned.update(command.assignments)
    types = {a.name: mdb.argument_type(a) for c in chain for a in c.arguments}
    values: dict[str, Value | bytes] = dict(header)
    for name, fixed in assigned.items():
        if name in header and header[name] != fixed:
            raise CommandDecodeError(f"{name} is {header[name]}, not {fixed}")
    bits = _Bits(app_data)
    for command in chain[1:]:
        for entry in command.entries:
            ref = CommandEntry(argument=entry) if isinstance(entry, str) else entry
            if ref.fixed is not None:
                assert ref.bits is not None
                if bits.read(ref.bits) != ref.fixed:
                    raise CommandDecodeError(f"fixed field {ref.name or ''} differs")
                continue
            assert ref.argument is not None
            value = _read_argument(types[ref.argument], bits)
            if ref.argument in assigned and assigned[ref.argument] != value:
                raise CommandDecodeError(f"{ref.argument} is {value!r}")
            values[ref.argument] = value
    if bits.total - bits.pos >= 8:
        raise CommandDecodeError(f"{(bits.total - bits.pos) // 8} bytes left over")
    for name, fixed in assigned.items():
        values.setdefault(name, fixed)
    return values


def decode_command(
    mdb: MissionDatabase,
    packet: bytes,
    *,
    conventions: PusConventions | None = None,
    checksum: bool = True,
) -> DecodedCommand:
    """The command of the database that ``packet`` (a PUS-C TC) carries.

    Raises :class:`CommandDecodeError` naming why no command fits.
    """
    c = conventions or PusConventions()
    try:
        tc = PusTc.unpack(packet)
    except Exception as exc:  # spacepackets raises several kinds for a bad packet
        raise CommandDecodeError(f"not a PUS-C telecommand: {exc}") from None
    if not checksum:
        raise CommandDecodeError("packets without a PUS checksum are not decoded yet")
    header = {
        c.apid: int(tc.apid),
        c.service: int(tc.service),
        c.subtype: int(tc.message_subtype),
        c.ack_flags: int(packet[6] & 0x0F),
        c.source_id: int(tc.source_id),
    }
    app_data = bytes(tc.app_data)
    problems: list[str] = []
    for command in mdb.commands:
        if command.abstract:
            continue
        chain = mdb.command_chain(command.name)
        try:
            values = _try(mdb, chain, header, app_data)
        except CommandDecodeError as exc:
            problems.append(f"{command.name}: {exc}")
            continue
        return DecodedCommand(
            command.name,
            values,
            int(tc.apid),
            int(tc.service),
            int(tc.message_subtype),
            header[c.ack_flags],
            int(tc.seq_count),
            bytes(packet),
        )
    where = f"APID {tc.apid}, service {tc.service},{tc.message_subtype}"
    detail = "; ".join(problems[:3]) if problems else "no command has that header"
    raise CommandDecodeError(f"{where}: no command of {mdb.name} fits ({detail})")
