"""Parameter values to a telemetry packet with a mission database: the decoder's inverse.

The simulator and the tests make packets this way. Values are engineering values (labels for
enumerations, ``True``/``False`` or labels for booleans, calibrated numbers, text) unless
``raw=True``; a polynomial calibration of degree 1 and a monotonic linear spline are inverted,
other calibrations need raw values. Parameters the restriction criteria of the container's
bases fix with ``==`` (APID, service, structure ID, ...) are filled in when not given, and the
CCSDS packet data length (bytes 4-5) is set to the packet's length.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from zorka.control.mdb.model import Entry, MissionDatabase, ParameterType, Value

__all__ = ["encode_packet", "field_value", "raw_value"]


def raw_value(ptype: ParameterType, value: Value | bytes) -> int | float | bytes:
    """The raw value of an engineering value of type ``ptype``."""
    kind = ptype.kind
    if kind == "enumerated":
        labels = ptype.enumeration or {}
        if value not in labels:
            raise ValueError(f"{value!r} is not one of {sorted(labels)}")
        return labels[str(value)]
    if kind == "boolean":
        if isinstance(value, str):
            if value not in (ptype.true_label, ptype.false_label):
                raise ValueError(f"{value!r}: use {ptype.true_label!r} or {ptype.false_label!r}")
            return int(value == ptype.true_label)
        return int(bool(value))
    if kind == "string":
        codec = {"ascii": "ascii", "utf-8": "utf-8", "utf-16": "utf-16-be"}[ptype.encoding.charset]
        return str(value).encode(codec)
    if kind == "binary":
        if not isinstance(value, bytes | bytearray):
            raise ValueError("a binary value must be bytes")
        return bytes(value)
    if isinstance(value, str):
        raise ValueError(f"{value!r} is not a number")
    cal = ptype.calibration
    if cal is None and isinstance(value, int) and ptype.encoding.kind != "ieee754":
        return int(value)  # exact, also beyond 2**53
    x = float(value)
    if cal is not None:
        if cal.polynomial is not None and len(cal.polynomial) <= 2:
            c0, c1 = [*cal.polynomial, 0.0][:2]
            if c1 == 0:
                raise ValueError("a constant calibration cannot be inverted")
            x = (x - c0) / c1
        elif cal.spline is not None and cal.order == 1:
            raws = np.array([p.raw for p in cal.spline])
            engs = np.array([p.eng for p in cal.spline])
            order = np.argsort(engs)
            if np.any(np.diff(engs[order]) <= 0):
                raise ValueError("a spline that is not monotonic cannot be inverted")
            x = float(np.interp(x, engs[order], raws[order]))
        else:
            raise ValueError("this calibration cannot be inverted; give the raw value")
    if ptype.encoding.kind == "ieee754":
        return x
    return round(x)


def field_value(ptype: ParameterType, raw: int | float | bytes) -> tuple[int, int]:
    """(value as an unsigned integer, size in bits) of one field."""
    enc = ptype.encoding
    if isinstance(raw, bytes):
        if enc.bits is not None:
            size = enc.bits // 8
            if len(raw) > size:
                raise ValueError(f"{len(raw)} bytes do not fit in {size}")
            raw = raw.ljust(size, bytes([enc.terminator or 0]))
            return int.from_bytes(raw, "big"), enc.bits
        if enc.size_prefix_bits is not None:
            bits = enc.size_prefix_bits + 8 * len(raw)
            return (len(raw) << (8 * len(raw))) | int.from_bytes(raw, "big"), bits
        return int.from_bytes(raw, "big"), 8 * len(raw)
    bits = enc.bits or 0
    if enc.kind == "ieee754":
        packed = struct.pack(">f" if bits == 32 else ">d", float(raw))
        value = int.from_bytes(packed, "big")
    else:
        number = int(raw)
        limit = 1 << bits
        if enc.kind == "unsigned":
            if not 0 <= number < limit:
                raise ValueError(f"{number} does not fit in {bits} unsigned bits")
            value = number
        else:
            half = 1 << (bits - 1)
            if not -half < number < half and not (
                enc.kind == "twos_complement" and number == -half
            ):
                raise ValueError(f"{number} does not fit in {bits} signed bits")
            if number >= 0:
                value = number
            elif enc.kind == "twos_complement":
                value = number + limit
            elif enc.kind == "sign_magnitude":
                value = half | -number
            else:
                value = (~(-number)) & (limit - 1)
    if enc.byte_order == "little":
        value = int.from_bytes(value.to_bytes(bits // 8, "big"), "little")
    return value, bits


def encode_packet(
    mdb: MissionDatabase, container: str, values: Mapping[str, Any], *, raw: bool = False
) -> bytes:
    """The packet of ``container`` carrying ``values`` (engineering unless ``raw``)."""
    chain = mdb.container_chain(container)
    fixed: dict[str, Any] = {}
    for item in chain:
        for comp in item.restriction:
            if comp.operator == "==":
                fixed[comp.parameter] = (comp.value, comp.raw)
    fields: list[tuple[int, int, int]] = []  # position, bits, value
    pos = 0

    def walk(entries: list[str | Entry]) -> None:
        nonlocal pos
        for entry in entries:
            ref = Entry(parameter=entry) if isinstance(entry, str) else entry
            if ref.location_bits is not None:
                pos = (
                    ref.location_bits
                    if ref.reference == "container_start"
                    else pos + ref.location_bits
                )
            if ref.spare is not None:
                pos += ref.spare
            elif ref.container is not None:
                walk(mdb.container(ref.container).entries)
            elif ref.parameter is not None:
                name = ref.parameter
                ptype = mdb.parameter_type(name)
                if name in values:
                    given, is_raw = values[name], raw
                elif name in fixed:
                    given, is_raw = fixed[name]
                else:
                    given, is_raw = (b"" if ptype.kind in ("string", "binary") else 0), True
                try:
                    value = (
                        given if is_raw and not isinstance(given, str) else raw_value(ptype, given)
                    )
                    number, bits = field_value(ptype, value)
                except ValueError as exc:
                    raise ValueError(f"{container}: {name}: {exc}") from None
                fields.append((pos, bits, number))
                pos += bits

    for item in chain:
        walk(item.entries)
    total_bits = max([pos, *(p + b for p, b, _ in fields)])
    total_bits += -total_bits % 8
    acc = 0
    for position, bits, number in fields:
        acc |= number << (total_bits - position - bits)
    packet = bytearray(acc.to_bytes(total_bits // 8, "big"))
    if len(packet) == 6 and packet[0] >> 5 == 0:
        packet.append(0)  # a space packet has at least one byte of data (133.0-B 4.1.3.2.2)
    if len(packet) >= 7 and packet[0] >> 5 == 0:
        packet[4:6] = (len(packet) - 7).to_bytes(2, "big")
    return bytes(packet)
