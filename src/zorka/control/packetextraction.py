"""Packet extraction from the frames of one virtual channel (132.0-B §4.1.4, 732.0-B M_PDU).

Packets run back to back through the data fields of a virtual channel's frames and may span
frames. Each frame's first header pointer (FHP) says where the first packet starting in it begins,
so a receiver that lost a frame can drop the packet it was assembling and pick up again at the
next FHP. The same logic serves TM frames and AOS M_PDUs, for space packets and for
encapsulation packets.
"""

from __future__ import annotations

from typing import Literal

from zorka.control.encapsulation import (
    ENCAPSULATION_VERSION,
    encapsulation_header_length,
    encapsulation_packet_length,
)
from zorka.control.spacepacket import PRIMARY_HEADER_LENGTH, packet_length
from zorka.control.tmframe import FHP_IDLE, FHP_NO_PACKET_START

__all__ = ["PacketExtractor", "PacketKind"]

PacketKind = Literal["space", "encapsulation"]

_INCOMPLETE = -1
_INVALID = -2


def _space_length(buf: bytes | bytearray) -> int:
    if len(buf) < PRIMARY_HEADER_LENGTH:
        return _INCOMPLETE
    if buf[0] >> 5 != 0:
        return _INVALID
    return packet_length(buf)


def _encapsulation_length(buf: bytes | bytearray) -> int:
    if not buf:
        return _INCOMPLETE
    if buf[0] >> 5 != ENCAPSULATION_VERSION:
        return _INVALID
    header = encapsulation_header_length(buf[0])
    if len(buf) < header:
        return _INCOMPLETE
    length = encapsulation_packet_length(buf)
    return length if length >= header else _INVALID


class PacketExtractor:
    """Reassembles the packets of one virtual channel from its frames' data fields.

    Feed each frame's packet zone and FHP to :meth:`push` in order, saying whether the frame
    follows the previous one without a gap. A packet that cannot be completed (a frame was lost,
    or the FHP contradicts the packet lengths) is dropped and counted in ``packets_invalid``.
    """

    def __init__(self, kind: PacketKind = "space") -> None:
        self.kind: PacketKind = kind
        self._length = _space_length if kind == "space" else _encapsulation_length
        self._partial = bytearray()
        self._assembling = False
        self.packets_invalid = 0

    def _drop_partial(self) -> None:
        if self._assembling:
            self.packets_invalid += 1
        self._partial.clear()
        self._assembling = False

    def _start(self, zone: bytes, pos: int, out: list[bytes]) -> None:
        """Cut whole packets from zone[pos:] and keep the start of an unfinished one."""
        end = len(zone)
        while pos < end:
            length = self._length(zone[pos : pos + 8])
            if length == _INVALID:
                # Not a packet header where one must be: lose the rest up to the next FHP.
                self.packets_invalid += 1
                return
            if length == _INCOMPLETE or pos + length > end:
                self._partial[:] = zone[pos:]
                self._assembling = True
                return
            out.append(zone[pos : pos + length])
            pos += length

    def push(
        self, zone: bytes, first_header_pointer: int, *, continuous: bool = True
    ) -> list[bytes]:
        """Add one frame's packet zone; returns the packets completed by it."""
        out: list[bytes] = []
        if not continuous:
            self._drop_partial()
        if first_header_pointer == FHP_IDLE:
            self._drop_partial()
            return out
        if first_header_pointer == FHP_NO_PACKET_START:
            if self._assembling:
                self._partial += zone
                length = self._length(self._partial)
                if length == _INVALID or 0 <= length < len(self._partial):
                    # A packet that ends inside a frame with no packet start contradicts the FHP.
                    self._drop_partial()
                elif length == len(self._partial):
                    out.append(bytes(self._partial))
                    self._partial.clear()
                    self._assembling = False
            return out
        if first_header_pointer >= len(zone):
            self._drop_partial()
            return out
        if self._assembling:
            self._partial += zone[:first_header_pointer]
            if self._length(self._partial) == len(self._partial):
                out.append(bytes(self._partial))
                self._partial.clear()
                self._assembling = False
            else:
                self._drop_partial()
        self._start(zone, first_header_pointer, out)
        return out
