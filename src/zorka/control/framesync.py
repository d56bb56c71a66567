"""Frame synchronisation: finding attached sync markers (ASM) in a byte stream (131.0-B §9).

A channel access data unit (CADU) is the 4-byte ASM ``1ACFFC1D`` followed by a fixed-length
body (a frame, or an RS codeblock). The synchroniser searches for an exact ASM, then, once locked,
only checks the marker where the next one is due, accepting up to ``max_bit_errors`` flipped bits
there (a flywheel), so a noisy marker does not cost a frame. Streams are taken as byte-aligned.
"""

from __future__ import annotations

__all__ = ["ASM", "FrameSynchronizer", "find_asm"]

ASM = bytes.fromhex("1ACFFC1D")
"""The attached sync marker of CCSDS TM and AOS frames."""


def find_asm(data: bytes | bytearray, asm: bytes = ASM, start: int = 0) -> list[int]:
    """Offsets of every exact, byte-aligned occurrence of ``asm`` in ``data``."""
    found = []
    pos = data.find(asm, start)
    while pos >= 0:
        found.append(pos)
        pos = data.find(asm, pos + 1)
    return found


def _bit_errors(a: bytes | bytearray, b: bytes) -> int:
    return sum((x ^ y).bit_count() for x, y in zip(a, b, strict=True))


class FrameSynchronizer:
    """Cuts CADU bodies of ``body_length`` bytes out of a stream fed in pieces of any size.

    Counters: ``cadus`` found, ``bytes_skipped`` while searching, ``sync_losses`` (lock lost
    because a marker was not where it was due).
    """

    def __init__(self, body_length: int, asm: bytes = ASM, max_bit_errors: int = 0) -> None:
        if body_length <= 0:
            raise ValueError("body_length must be positive")
        self.body_length = body_length
        self.asm = asm
        self.max_bit_errors = max_bit_errors
        self._buffer = bytearray()
        self._locked = False
        self._offset = 0  # stream offset of _buffer[0]
        self.cadus = 0
        self.bytes_skipped = 0
        self.sync_losses = 0

    @property
    def locked(self) -> bool:
        """Whether the last marker was found where it was due."""
        return self._locked

    def feed(self, data: bytes | bytearray) -> list[tuple[int, bytes]]:
        """Add stream bytes; returns (stream offset of the ASM, body) for every complete CADU."""
        self._buffer += data
        out: list[tuple[int, bytes]] = []
        unit = len(self.asm) + self.body_length
        pos = 0
        buf = self._buffer
        while True:
            if self._locked:
                if len(buf) - pos < unit:
                    break
                if _bit_errors(buf[pos : pos + len(self.asm)], self.asm) > self.max_bit_errors:
                    self._locked = False
                    self.sync_losses += 1
                    continue
            else:
                found = buf.find(self.asm, pos)
                if found < 0:
                    # keep the last len(asm)-1 bytes: a marker may straddle the next piece
                    keep = max(pos, len(buf) - len(self.asm) + 1)
                    self.bytes_skipped += keep - pos
                    pos = keep
                    break
                self.bytes_skipped += found - pos
                pos = found
                if len(buf) - pos < unit:
                    break
                self._locked = True
            out.append((self._offset + pos, bytes(buf[pos + len(self.asm) : pos + unit])))
            self.cadus += 1
            pos += unit
        del buf[:pos]
        self._offset += pos
        return out
