"""CLTUs and the BCH(63,56) code of the TC uplink (CCSDS 231.0-B).

A communications link transmission unit is the start sequence ``EB90``, the TC frame cut into
7-byte pieces each closed by a BCH parity byte (a codeblock), and the tail sequence
``C5C5C5C5C5C5C579``. The last piece is filled with ``55``. The parity byte holds the 7 parity
bits of g(x) = x^7 + x^6 + x^2 + 1, complemented (so an all-zero codeblock is never valid), and a
filler 0 bit. On the ground side the decoder corrects a single bit error per codeblock (the
standard's error-correcting mode) and rejects anything worse.
"""

from __future__ import annotations

from dataclasses import dataclass

from zorka.control.errors import CltuError
from zorka.control.randomizer import randomize_tc

__all__ = [
    "CLTU_START",
    "CLTU_TAIL",
    "CltuDecodeResult",
    "bch_parity",
    "decode_cltu",
    "encode_cltu",
]

CLTU_START = bytes.fromhex("EB90")
CLTU_TAIL = bytes.fromhex("C5C5C5C5C5C5C579")
_INFO = 7
_FILL = 0x55
_GENERATOR = 0x45  # x^6 + x^2 + 1: g(x) without its x^7 term


def _crc7_table() -> list[int]:
    table = []
    for byte in range(256):
        reg = 0
        for bit in range(7, -1, -1):
            feedback = (reg >> 6 & 1) ^ (byte >> bit & 1)
            reg = reg << 1 & 0x7F
            if feedback:
                reg ^= _GENERATOR
        table.append(reg)
    return table


_TABLE = _crc7_table()


def _remainder(info: bytes | bytearray) -> int:
    reg = 0
    for byte in info:
        # Shift eight bits through the 7-bit register at once: the top bit of reg lines up with
        # bit 7 of the incoming byte.
        reg = _TABLE[(reg << 1 ^ byte) & 0xFF]
    return reg


def bch_parity(info: bytes | bytearray) -> int:
    """The parity byte of a 7-byte piece: complemented BCH parity bits, then a 0 filler bit."""
    if len(info) != _INFO:
        raise ValueError(f"a BCH codeblock carries 7 bytes, not {len(info)}")
    return (~_remainder(info) & 0x7F) << 1


def _syndrome_positions() -> dict[int, int]:
    """Syndrome of a single flipped bit -> that bit's index in the 63-bit codeword."""
    table = {}
    zero = bytes(_INFO)
    clean = bch_parity(zero)
    for bit in range(63):
        word = bytearray(zero + bytes([clean]))
        word[bit // 8] ^= 0x80 >> (bit % 8)
        table[bch_parity(word[:_INFO]) ^ word[_INFO] & 0xFE] = bit
    return table


_SINGLE_ERRORS = _syndrome_positions()


def encode_cltu(frame: bytes | bytearray, *, randomize: bool = False) -> bytes:
    """Wrap a TC frame into a CLTU, optionally randomising it first (231.0-B §6)."""
    data = randomize_tc(frame) if randomize else bytes(frame)
    pad = -len(data) % _INFO
    data += bytes([_FILL]) * pad
    blocks = bytearray(CLTU_START)
    for pos in range(0, len(data), _INFO):
        piece = data[pos : pos + _INFO]
        blocks += piece
        blocks.append(bch_parity(piece))
    return bytes(blocks + CLTU_TAIL)


@dataclass(frozen=True)
class CltuDecodeResult:
    """The data of a CLTU (the TC frame, with any fill at its end) and bits corrected."""

    data: bytes
    corrected_bits: int


def decode_cltu(
    cltu: bytes | bytearray, *, derandomize: bool = False, correct: bool = True
) -> CltuDecodeResult:
    """Check and unwrap a CLTU; raises :class:`CltuError` for a bad start or codeblock.

    Decoding stops at the tail sequence (or the end of input, a missing tail being tolerated as
    the standard allows a receiver to end on the first failing codeblock).
    """
    buf = bytes(cltu)
    if not buf.startswith(CLTU_START):
        raise CltuError(f"CLTU does not begin with the start sequence {CLTU_START.hex().upper()}")
    data = bytearray()
    corrected = 0
    pos = len(CLTU_START)
    while pos + _INFO + 1 <= len(buf):
        block = bytearray(buf[pos : pos + _INFO + 1])
        if bytes(block) == CLTU_TAIL:
            break
        syndrome = bch_parity(block[:_INFO]) ^ (block[_INFO] & 0xFE)
        if syndrome:
            bit = _SINGLE_ERRORS.get(syndrome)
            if bit is None or not correct:
                raise CltuError(f"codeblock {len(data) // _INFO} at byte {pos}: BCH check fails")
            block[bit // 8] ^= 0x80 >> (bit % 8)
            corrected += 1
        data += block[:_INFO]
        pos += _INFO + 1
    out = randomize_tc(data) if derandomize else bytes(data)
    return CltuDecodeResult(out, corrected)
