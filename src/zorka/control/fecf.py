"""Frame error control field: the CRC-16-CCITT that closes TM, TC and AOS transfer frames.

CCSDS 132.0-B §4.1.6 (and 232.0-B, 732.0-B) use the polynomial x^16 + x^12 + x^5 + 1 with the
register preset to all ones and no reflection - the catalogue's CRC-16/IBM-3740 (a.k.a.
CCITT-FALSE), which ``fastcrc`` computes in Rust. A frame with a valid FECF has a CRC of zero over
its full length, which is how frames are checked without splitting them.
"""

from __future__ import annotations

import fastcrc

__all__ = ["FECF_LENGTH", "append_fecf", "check_fecf", "crc16_ccitt"]

FECF_LENGTH = 2


def crc16_ccitt(data: bytes | bytearray | memoryview) -> int:
    """CRC-16-CCITT (poly 0x1021, preset 0xFFFF) of ``data``."""
    return int(fastcrc.crc16.ibm_3740(bytes(data)))


def append_fecf(frame: bytes | bytearray) -> bytes:
    """``frame`` followed by its two-byte FECF."""
    return bytes(frame) + crc16_ccitt(frame).to_bytes(2, "big")


def check_fecf(frame: bytes | bytearray | memoryview) -> bool:
    """True when the last two bytes of ``frame`` are the FECF of the bytes before them."""
    return crc16_ccitt(frame) == 0
