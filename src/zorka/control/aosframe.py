"""AOS transfer frames (CCSDS 732.0-B): parse and build, with the M_PDU packet zone.

An AOS frame is a 6-byte primary header (version '01', 8-bit spacecraft ID, 6-bit virtual
channel, 24-bit virtual channel frame count, signalling field), an optional 2-byte frame header
error control, an optional insert zone, the data field, an optional OCF and an optional FECF.
Which of the optional parts a mission uses is fixed for the mission, not signalled, so the parser
takes them as arguments. Virtual channel 63 carries idle frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from zorka.control.errors import FrameError
from zorka.control.fecf import FECF_LENGTH, append_fecf, check_fecf

__all__ = ["AOS_IDLE_VCID", "AOS_PRIMARY_HEADER_LENGTH", "AosFrame"]

AOS_PRIMARY_HEADER_LENGTH = 6
AOS_IDLE_VCID = 63
_OCF_LENGTH = 4
_FHEC_LENGTH = 2
_MPDU_HEADER_LENGTH = 2


@dataclass(frozen=True, slots=True)
class AosFrame:
    """One AOS transfer frame, fields as in 732.0-B §4.1."""

    spacecraft_id: int
    virtual_channel_id: int
    virtual_channel_frame_count: int
    data_field: bytes
    replay_flag: bool = False
    frame_count_cycle_in_use: bool = False
    frame_count_cycle: int = 0
    insert_zone: bytes = b""
    ocf: bytes | None = None
    fhec: bytes | None = None
    version: int = 1
    fecf: int | None = None

    @property
    def is_idle(self) -> bool:
        """An idle frame (virtual channel 63)."""
        return self.virtual_channel_id == AOS_IDLE_VCID

    @property
    def full_frame_count(self) -> int:
        """The frame count, extended by the 4-bit cycle counter when the frame uses it."""
        if self.frame_count_cycle_in_use:
            return self.frame_count_cycle << 24 | self.virtual_channel_frame_count
        return self.virtual_channel_frame_count

    @property
    def first_header_pointer(self) -> int:
        """The M_PDU first header pointer (valid when the VC carries packets)."""
        return (self.data_field[0] << 8 | self.data_field[1]) & 0x07FF

    @property
    def packet_zone(self) -> bytes:
        """The M_PDU packet zone: the data field after its 2-byte M_PDU header."""
        return self.data_field[_MPDU_HEADER_LENGTH:]

    @classmethod
    def from_bytes(
        cls,
        data: bytes | bytearray | memoryview,
        *,
        has_fhec: bool = False,
        insert_zone_length: int = 0,
        has_ocf: bool = False,
        has_fecf: bool = False,
    ) -> AosFrame:
        """Parse one frame with the mission's optional fields; raises :class:`FrameError`."""
        buf = bytes(data)
        fixed = (
            AOS_PRIMARY_HEADER_LENGTH
            + (_FHEC_LENGTH if has_fhec else 0)
            + insert_zone_length
            + (_OCF_LENGTH if has_ocf else 0)
            + (FECF_LENGTH if has_fecf else 0)
        )
        if len(buf) < fixed + _MPDU_HEADER_LENGTH:
            raise FrameError(f"AOS frame of {len(buf)} bytes is shorter than its headers")
        version = buf[0] >> 6
        if version != 1:
            raise FrameError(f"AOS frame version {version + 1} (expected 2, coded as 01)")
        fecf = None
        end = len(buf)
        if has_fecf:
            if not check_fecf(buf):
                raise FrameError("AOS frame fails its FECF (CRC-16)")
            fecf = int.from_bytes(buf[-2:], "big")
            end -= FECF_LENGTH
        ocf = None
        if has_ocf:
            ocf = buf[end - _OCF_LENGTH : end]
            end -= _OCF_LENGTH
        pos = AOS_PRIMARY_HEADER_LENGTH
        fhec = None
        if has_fhec:
            fhec = buf[pos : pos + _FHEC_LENGTH]
            pos += _FHEC_LENGTH
        insert_zone = buf[pos : pos + insert_zone_length]
        pos += insert_zone_length
        signalling = buf[5]
        return cls(
            spacecraft_id=(buf[0] & 0x3F) << 2 | buf[1] >> 6,
            virtual_channel_id=buf[1] & 0x3F,
            virtual_channel_frame_count=int.from_bytes(buf[2:5], "big"),
            data_field=buf[pos:end],
            replay_flag=bool(signalling & 0x80),
            frame_count_cycle_in_use=bool(signalling & 0x40),
            frame_count_cycle=signalling & 0x0F,
            insert_zone=insert_zone,
            ocf=ocf,
            fhec=fhec,
            version=version,
            fecf=fecf,
        )

    def to_bytes(self, *, with_fecf: bool = False) -> bytes:
        """Encode the frame; ``with_fecf`` appends a freshly computed FECF."""
        header = bytes(
            [
                (self.version & 0x03) << 6 | (self.spacecraft_id >> 2 & 0x3F),
                (self.spacecraft_id & 0x03) << 6 | (self.virtual_channel_id & 0x3F),
            ]
        ) + (self.virtual_channel_frame_count & 0xFFFFFF).to_bytes(3, "big")
        signalling = (
            (0x80 if self.replay_flag else 0)
            | (0x40 if self.frame_count_cycle_in_use else 0)
            | (self.frame_count_cycle & 0x0F)
        )
        frame = (
            header
            + bytes([signalling])
            + (self.fhec or b"")
            + self.insert_zone
            + self.data_field
            + (self.ocf or b"")
        )
        return append_fecf(frame) if with_fecf else frame
