"""CCSDS space packets (133.0-B) and PUS-C packets, on top of the ``spacepackets`` library.

``spacepackets`` owns the packet formats: :class:`SpacePacketHeader`, :class:`PusTm` and
:class:`PusTc` are its classes, re-exported here. What this module adds is what a receiving
ground station needs around them: cutting a byte stream into packets without dying on a bad one,
and following each APID's 14-bit sequence count to report lost packets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from spacepackets.ccsds.spacepacket import (  # type: ignore[import-untyped]
    PacketType,
    SequenceFlags,
    SpacePacketHeader,
)
from spacepackets.ecss.tc import PusTc  # type: ignore[import-untyped]
from spacepackets.ecss.tm import PusTm  # type: ignore[import-untyped]

__all__ = [
    "IDLE_APID",
    "PRIMARY_HEADER_LENGTH",
    "PacketSequenceCounter",
    "PacketType",
    "PusTc",
    "PusTm",
    "SequenceFlags",
    "SpacePacketHeader",
    "StreamPacket",
    "packet_apid",
    "packet_length",
    "split_packets",
]

PRIMARY_HEADER_LENGTH = 6
IDLE_APID = 0x7FF
_SEQ_MODULO = 1 << 14


def packet_length(header: bytes | bytearray | memoryview) -> int:
    """Total length in bytes of the packet whose primary header starts ``header``."""
    return (header[4] << 8 | header[5]) + PRIMARY_HEADER_LENGTH + 1


def packet_apid(packet: bytes | bytearray | memoryview) -> int:
    """The 11-bit application process identifier of a packet."""
    return (packet[0] & 0x07) << 8 | packet[1]


@dataclass(frozen=True)
class StreamPacket:
    """One packet cut from a stream, with its byte offset in that stream."""

    offset: int
    data: bytes

    @property
    def apid(self) -> int:
        """The packet's APID."""
        return packet_apid(self.data)

    @property
    def sequence_count(self) -> int:
        """The packet's 14-bit sequence count."""
        return (self.data[2] & 0x3F) << 8 | self.data[3]

    def header(self) -> SpacePacketHeader:
        """The primary header, parsed by ``spacepackets``."""
        return SpacePacketHeader.unpack(self.data[:PRIMARY_HEADER_LENGTH])


def split_packets(
    data: bytes | bytearray | memoryview, *, offset: int = 0
) -> Iterator[StreamPacket | int]:
    """Cut a stream of back-to-back space packets into packets.

    Yields a :class:`StreamPacket` for each whole packet and, for a packet that is cut short or
    whose version number is not 0, the offset where the stream stops making sense (an ``int``);
    a bad version ends the walk because nothing after it can be trusted to be aligned.
    """
    view = memoryview(data)
    pos = 0
    end = len(view)
    while pos < end:
        if end - pos < PRIMARY_HEADER_LENGTH or view[pos] >> 5 != 0:
            yield offset + pos
            return
        length = packet_length(view[pos : pos + PRIMARY_HEADER_LENGTH])
        if pos + length > end:
            yield offset + pos
            return
        yield StreamPacket(offset + pos, bytes(view[pos : pos + length]))
        pos += length


@dataclass
class PacketSequenceCounter:
    """Follows the sequence count of every APID and counts jumps (idle packets are ignored).

    ``errors`` counts discontinuities; ``missing`` the packets they imply were lost. A jump of
    more than half the 14-bit range is read as a restart or reordering (an error, but no loss),
    since no real gap loses 8,000 packets of one APID without the frame counts showing it.
    """

    last: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    missing: int = 0

    def update(self, apid: int, sequence_count: int) -> int:
        """Record one packet; returns how many packets went missing just before it."""
        if apid == IDLE_APID:
            return 0
        previous = self.last.get(apid)
        self.last[apid] = sequence_count
        if previous is None:
            return 0
        gap = (sequence_count - previous - 1) % _SEQ_MODULO
        if gap:
            self.errors += 1
            if gap < _SEQ_MODULO // 2:
                self.missing += gap
                return gap
        return 0
