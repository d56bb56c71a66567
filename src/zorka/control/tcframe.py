"""TC transfer frames (CCSDS 232.0-B): parse and build, with the optional segment header.

A TC frame is a 5-byte primary header (version, bypass and control-command flags, spacecraft
ID, virtual channel, frame length minus one, frame sequence number), the data field - which,
when the mission uses MAP multiplexing, starts with a 1-byte segment header (sequence flags and
MAP ID) - and an optional FECF. The frame carries its own length, so a frame taken out of a CLTU
with fill bytes after it is cut at that length.
"""

from __future__ import annotations

from dataclasses import dataclass

from zorka.control.errors import FrameError
from zorka.control.fecf import FECF_LENGTH, append_fecf, check_fecf

__all__ = ["TC_MAX_FRAME_LENGTH", "TC_PRIMARY_HEADER_LENGTH", "TcFrame"]

TC_PRIMARY_HEADER_LENGTH = 5
TC_MAX_FRAME_LENGTH = 1024
_UNSEGMENTED = 0b11


@dataclass(frozen=True, slots=True)
class TcFrame:
    """One TC transfer frame, fields as in 232.0-B §4.1.

    ``segment_header`` is the raw segment header byte, or None when the VC does not use one;
    ``data`` is the frame data field after it.
    """

    spacecraft_id: int
    virtual_channel_id: int
    frame_sequence_number: int
    data: bytes
    bypass_flag: bool = False
    control_command_flag: bool = False
    segment_header: int | None = None
    version: int = 0
    fecf: int | None = None

    @property
    def map_id(self) -> int | None:
        """The MAP ID from the segment header, if there is one."""
        return None if self.segment_header is None else self.segment_header & 0x3F

    @property
    def sequence_flags(self) -> int:
        """Segment sequence flags (0b11: a whole service data unit), 0b11 without a header."""
        return _UNSEGMENTED if self.segment_header is None else self.segment_header >> 6

    @classmethod
    def from_bytes(
        cls,
        data: bytes | bytearray | memoryview,
        *,
        has_segment_header: bool = False,
        has_fecf: bool = False,
    ) -> TcFrame:
        """Parse one frame; bytes after the length the header announces are ignored (fill)."""
        buf = bytes(data)
        if len(buf) < TC_PRIMARY_HEADER_LENGTH:
            raise FrameError(f"TC frame of {len(buf)} bytes is shorter than its header")
        version = buf[0] >> 6
        if version != 0:
            raise FrameError(f"TC frame version {version} (expected 0)")
        length = ((buf[2] & 0x03) << 8 | buf[3]) + 1
        minimum = (
            TC_PRIMARY_HEADER_LENGTH
            + (1 if has_segment_header else 0)
            + (FECF_LENGTH if has_fecf else 0)
        )
        if length > len(buf) or length < minimum:
            raise FrameError(f"TC frame length field says {length} bytes, {len(buf)} available")
        buf = buf[:length]
        fecf = None
        end = length
        if has_fecf:
            if not check_fecf(buf):
                raise FrameError("TC frame fails its FECF (CRC-16)")
            fecf = int.from_bytes(buf[-2:], "big")
            end -= FECF_LENGTH
        pos = TC_PRIMARY_HEADER_LENGTH
        segment = None
        if has_segment_header:
            segment = buf[pos]
            pos += 1
        return cls(
            spacecraft_id=(buf[0] & 0x03) << 8 | buf[1],
            virtual_channel_id=buf[2] >> 2,
            frame_sequence_number=buf[4],
            data=buf[pos:end],
            bypass_flag=bool(buf[0] & 0x20),
            control_command_flag=bool(buf[0] & 0x10),
            segment_header=segment,
            version=version,
            fecf=fecf,
        )

    def to_bytes(self, *, with_fecf: bool = False) -> bytes:
        """Encode the frame (length field computed); ``with_fecf`` appends a FECF."""
        body = (b"" if self.segment_header is None else bytes([self.segment_header])) + self.data
        length = TC_PRIMARY_HEADER_LENGTH + len(body) + (FECF_LENGTH if with_fecf else 0)
        if length > TC_MAX_FRAME_LENGTH:
            raise ValueError(f"TC frame of {length} bytes exceeds {TC_MAX_FRAME_LENGTH}")
        header = bytes(
            [
                (self.version & 0x03) << 6
                | (0x20 if self.bypass_flag else 0)
                | (0x10 if self.control_command_flag else 0)
                | (self.spacecraft_id >> 8 & 0x03),
                self.spacecraft_id & 0xFF,
                (self.virtual_channel_id & 0x3F) << 2 | (length - 1) >> 8,
                (length - 1) & 0xFF,
                self.frame_sequence_number & 0xFF,
            ]
        )
        frame = header + body
        return append_fecf(frame) if with_fecf else frame
