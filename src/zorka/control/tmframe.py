"""TM transfer frames (CCSDS 132.0-B): parse and build.

A TM frame is a 6-byte primary header (version, spacecraft ID, virtual channel, OCF flag, master
and virtual channel frame counts, data field status with the first header pointer), an optional
secondary header, the data field, an optional 4-byte operational control field (the CLCW) and an
optional 2-byte FECF. Whether the FECF is present is a mission constant, not in the header, so the
parser is told.
"""

from __future__ import annotations

from dataclasses import dataclass

from zorka.control.errors import FrameError
from zorka.control.fecf import FECF_LENGTH, append_fecf, check_fecf

__all__ = [
    "FHP_IDLE",
    "FHP_NO_PACKET_START",
    "TM_PRIMARY_HEADER_LENGTH",
    "TmFrame",
]

TM_PRIMARY_HEADER_LENGTH = 6
FHP_NO_PACKET_START = 0x7FF
"""First header pointer: no packet starts in this frame (a long packet continues)."""
FHP_IDLE = 0x7FE
"""First header pointer: the data field holds only idle data."""
_OCF_LENGTH = 4


@dataclass(frozen=True, slots=True)
class TmFrame:
    """One TM transfer frame, fields as in 132.0-B §4.1."""

    spacecraft_id: int
    virtual_channel_id: int
    master_channel_frame_count: int
    virtual_channel_frame_count: int
    first_header_pointer: int
    data_field: bytes
    ocf: bytes | None = None
    secondary_header: bytes | None = None
    sync_flag: bool = False
    packet_order_flag: bool = False
    segment_length_id: int = 0b11
    version: int = 0
    fecf: int | None = None

    @property
    def is_idle(self) -> bool:
        """An idle frame: its data field carries only idle data."""
        return self.first_header_pointer == FHP_IDLE

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview, *, has_fecf: bool = False) -> TmFrame:
        """Parse one frame; ``has_fecf`` says whether the mission closes frames with a FECF.

        Raises :class:`FrameError` when the frame is shorter than its headers, is not version 0,
        or fails its FECF.
        """
        buf = bytes(data)
        trailer = (FECF_LENGTH if has_fecf else 0) + (
            _OCF_LENGTH if len(buf) > 1 and buf[1] & 1 else 0
        )
        if len(buf) < TM_PRIMARY_HEADER_LENGTH + trailer:
            raise FrameError(f"TM frame of {len(buf)} bytes is shorter than its header")
        version = buf[0] >> 6
        if version != 0:
            raise FrameError(f"TM frame version {version} (expected 0)")
        fecf = None
        if has_fecf:
            if not check_fecf(buf):
                raise FrameError("TM frame fails its FECF (CRC-16)")
            fecf = int.from_bytes(buf[-2:], "big")
        status = buf[4] << 8 | buf[5]
        pos = TM_PRIMARY_HEADER_LENGTH
        secondary = None
        if status & 0x8000:
            sec_len = (buf[pos] & 0x3F) + 1
            secondary = buf[pos : pos + sec_len]
            pos += sec_len
        end = len(buf) - (FECF_LENGTH if has_fecf else 0)
        ocf = None
        if buf[1] & 1:
            ocf = buf[end - _OCF_LENGTH : end]
            end -= _OCF_LENGTH
        if pos > end:
            raise FrameError("TM frame secondary header overruns the frame")
        return cls(
            spacecraft_id=(buf[0] & 0x3F) << 4 | buf[1] >> 4,
            virtual_channel_id=buf[1] >> 1 & 0x07,
            master_channel_frame_count=buf[2],
            virtual_channel_frame_count=buf[3],
            first_header_pointer=status & 0x07FF,
            data_field=buf[pos:end],
            ocf=ocf,
            secondary_header=secondary,
            sync_flag=bool(status & 0x4000),
            packet_order_flag=bool(status & 0x2000),
            segment_length_id=status >> 11 & 0x03,
            version=version,
            fecf=fecf,
        )

    def to_bytes(self, *, with_fecf: bool = False) -> bytes:
        """Encode the frame; ``with_fecf`` appends a freshly computed FECF."""
        if self.ocf is not None and len(self.ocf) != _OCF_LENGTH:
            raise ValueError(f"OCF must be 4 bytes, not {len(self.ocf)}")
        status = (
            (0x8000 if self.secondary_header else 0)
            | (0x4000 if self.sync_flag else 0)
            | (0x2000 if self.packet_order_flag else 0)
            | (self.segment_length_id & 0x03) << 11
            | (self.first_header_pointer & 0x07FF)
        )
        header = bytes(
            [
                (self.version & 0x03) << 6 | (self.spacecraft_id >> 4 & 0x3F),
                (self.spacecraft_id & 0x0F) << 4
                | (self.virtual_channel_id & 0x07) << 1
                | (self.ocf is not None),
                self.master_channel_frame_count & 0xFF,
                self.virtual_channel_frame_count & 0xFF,
                status >> 8,
                status & 0xFF,
            ]
        )
        frame = header + (self.secondary_header or b"") + self.data_field + (self.ocf or b"")
        return append_fecf(frame) if with_fecf else frame
