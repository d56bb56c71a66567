"""CCSDS encapsulation packets (133.1-B): the header fields that size a packet.

An encapsulation packet starts with '111', a 3-bit protocol ID and a 2-bit length-of-length
that sets the header size (1, 2, 4 or 8 bytes) and where the packet length sits; the length
counts the whole packet, header included. A 1-byte header is an idle packet of one byte.
"""

from __future__ import annotations

__all__ = [
    "ENCAPSULATION_VERSION",
    "IDLE_PROTOCOL_ID",
    "encapsulation_header_length",
    "encapsulation_packet_length",
    "encapsulation_protocol_id",
]

ENCAPSULATION_VERSION = 7
IDLE_PROTOCOL_ID = 0
_HEADER_LENGTH = (1, 2, 4, 8)


def encapsulation_header_length(first_byte: int) -> int:
    """Header length (1, 2, 4 or 8 bytes) announced by a packet's first byte."""
    return _HEADER_LENGTH[first_byte & 0x03]


def encapsulation_protocol_id(first_byte: int) -> int:
    """The 3-bit encapsulation protocol ID (0 = idle, 7 = mission specific ...)."""
    return first_byte >> 2 & 0x07


def encapsulation_packet_length(header: bytes | bytearray | memoryview) -> int:
    """Total packet length from a complete header (see :func:`encapsulation_header_length`)."""
    lol = header[0] & 0x03
    if lol == 0:
        return 1
    if lol == 1:
        return int(header[1])
    if lol == 2:
        return header[2] << 8 | header[3]
    return int.from_bytes(header[4:8], "big")
