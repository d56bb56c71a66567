"""CCSDS pseudo-randomisers for the downlink (TM, 131.0-B §10) and the uplink (TC, 231.0-B §6).

Randomising is an XOR with a fixed pseudo-noise sequence that restarts at every frame (after the
attached sync marker, or after the CLTU start sequence), so derandomising is the same operation.
The sequences are computed once per length and cached, and the XOR runs in numpy.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = ["derandomize_tm", "randomize_tc", "randomize_tm", "tc_sequence", "tm_sequence"]

# Feedback taps k of the recurrence b[n+8] = XOR b[n+k], read from an 8-bit shift register whose
# bit 7 is the output. TM: h(x) = x^8 + x^7 + x^5 + x^3 + 1; TC: h(x) = x^8 + x^6 + x^4 + x^3 +
# x^2 + x + 1. Both start from all ones.
_TM_TAPS = (0, 3, 5, 7)
_TC_TAPS = (0, 1, 2, 3, 4, 6)


def _lfsr_bytes(taps: tuple[int, ...], nbytes: int) -> npt.NDArray[np.uint8]:
    register = 0xFF
    bits = np.empty(nbytes * 8, dtype=np.uint8)
    for i in range(nbytes * 8):
        bits[i] = register >> 7 & 1
        feedback = 0
        for tap in taps:
            feedback ^= register >> (7 - tap) & 1
        register = (register << 1 | feedback) & 0xFF
    return np.packbits(bits)


@lru_cache(maxsize=32)
def _sequence(taps: tuple[int, ...], nbytes: int) -> npt.NDArray[np.uint8]:
    # The sequence repeats every 255 bits, so 255 bytes hold a whole number of periods: tile them.
    period = _lfsr_bytes(taps, 255)
    seq = np.tile(period, nbytes // 255 + 1)[:nbytes]
    seq.setflags(write=False)
    return seq


def tm_sequence(nbytes: int) -> npt.NDArray[np.uint8]:
    """The first ``nbytes`` of the TM pseudo-randomiser sequence (``FF 48 0E C0 9A ...``)."""
    return _sequence(_TM_TAPS, nbytes)


def tc_sequence(nbytes: int) -> npt.NDArray[np.uint8]:
    """The first ``nbytes`` of the TC (CLTU) pseudo-randomiser sequence (``FF 39 9E 5A ...``)."""
    return _sequence(_TC_TAPS, nbytes)


def randomize_tm(data: bytes | bytearray | memoryview) -> bytes:
    """XOR one TM frame or CADU body (everything after the sync marker) with the TM sequence."""
    buf = np.frombuffer(data, dtype=np.uint8)
    return (buf ^ tm_sequence(buf.size)).tobytes()


derandomize_tm = randomize_tm
"""Derandomising is the same XOR as randomising."""


def randomize_tc(data: bytes | bytearray | memoryview) -> bytes:
    """XOR one TC transfer frame (before BCH encoding into a CLTU) with the TC sequence."""
    buf = np.frombuffer(data, dtype=np.uint8)
    return (buf ^ tc_sequence(buf.size)).tobytes()
