"""The sending side of the downlink: packets into TM transfer frames, frames into CADUs.

What a spacecraft (or :mod:`zorka.simulator`) does, and the exact inverse of
:class:`~zorka.control.downlink.DownlinkDecoder`: :class:`TmFramer` packs the packets of one
virtual channel into fixed-length frames, a packet spilling over into the next frame and the
first header pointer saying where the first packet of a frame starts (132.0-B §4.1.2.7);
:meth:`TmFramer.flush` completes a partly filled frame with an idle packet so that what is
queued goes out now. :func:`encode_cadus` adds the Reed-Solomon parity, the pseudo-randomiser
and the attached sync marker as a :class:`~zorka.control.downlink.DownlinkConfig` says.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zorka.control.downlink import DownlinkConfig
from zorka.control.fecf import FECF_LENGTH
from zorka.control.randomizer import tm_sequence
from zorka.control.reedsolomon import ReedSolomon
from zorka.control.spacepacket import PRIMARY_HEADER_LENGTH
from zorka.control.tmframe import FHP_NO_PACKET_START, TM_PRIMARY_HEADER_LENGTH, TmFrame

__all__ = ["TmFramer", "encode_cadus", "idle_packet"]

_MIN_IDLE = PRIMARY_HEADER_LENGTH + 1


def idle_packet(length: int) -> bytes:
    """An idle space packet (APID 2047) of ``length`` bytes, at least 7."""
    if length < _MIN_IDLE:
        raise ValueError(f"an idle packet has at least {_MIN_IDLE} bytes, not {length}")
    header = bytes([0x07, 0xFF, 0xC0, 0x00]) + (length - 7).to_bytes(2, "big")
    return header + bytes(length - PRIMARY_HEADER_LENGTH)


class TmFramer:
    """Packs the packets of one virtual channel into TM frames of ``frame_length`` bytes.

    The master channel frame count is shared by the virtual channels of a spacecraft: pass the
    same ``master`` list (a one-element counter) to the framers of one spacecraft.
    """

    def __init__(
        self,
        spacecraft_id: int,
        virtual_channel_id: int = 0,
        *,
        frame_length: int = 1115,
        has_fecf: bool = False,
        master: list[int] | None = None,
    ) -> None:
        self.spacecraft_id = spacecraft_id
        self.virtual_channel_id = virtual_channel_id
        self.frame_length = frame_length
        self.has_fecf = has_fecf
        self.zone_length = (
            frame_length - TM_PRIMARY_HEADER_LENGTH - (FECF_LENGTH if has_fecf else 0)
        )
        if self.zone_length < 1:
            raise ValueError(f"a frame of {frame_length} bytes has no room for data")
        self.master = master if master is not None else [0]
        self.count = 0
        self._zone = bytearray()
        self._first_header: int | None = None

    def push(self, packets: Sequence[bytes]) -> list[bytes]:
        """Queue packets; returns the frames they complete."""
        frames: list[bytes] = []
        for packet in packets:
            view = memoryview(packet)
            if self._first_header is None:
                self._first_header = len(self._zone)
            while view:
                room = self.zone_length - len(self._zone)
                self._zone += view[:room]
                view = view[room:]
                if len(self._zone) == self.zone_length:
                    frames.append(self._emit())
        return frames

    def flush(self) -> list[bytes]:
        """Complete the frame being filled with an idle packet; returns the frames completed."""
        if not self._zone and self._first_header is None:
            return []
        room = self.zone_length - len(self._zone)
        if room == 0:
            return []
        # an idle packet shorter than its header cannot exist: then it fills the next frame too
        length = room if room >= _MIN_IDLE else room + self.zone_length
        return self.push([idle_packet(length)])

    def _emit(self) -> bytes:
        fhp = FHP_NO_PACKET_START if self._first_header is None else self._first_header
        frame = TmFrame(
            self.spacecraft_id,
            self.virtual_channel_id,
            self.master[0],
            self.count,
            fhp,
            bytes(self._zone),
        ).to_bytes(with_fecf=self.has_fecf)
        self.master[0] = (self.master[0] + 1) % 256
        self.count = (self.count + 1) % 256
        self._zone.clear()
        self._first_header = None
        return frame


def encode_cadus(frames: Sequence[bytes], config: DownlinkConfig) -> list[bytes]:
    """Frames as channel access data units: RS parity, randomiser and ASM as ``config`` says."""
    if not frames:
        return []
    block = np.frombuffer(b"".join(frames), np.uint8).reshape(len(frames), -1)
    if block.shape[1] != config.frame_length:
        raise ValueError(f"frames of {block.shape[1]} bytes, the config says {config.frame_length}")
    if config.rs_interleave:
        block = ReedSolomon.for_frame_length(config.frame_length, config.rs_interleave).encode(
            block
        )
    if config.derandomize:
        block = block ^ tm_sequence(config.body_length)
    asm = config.asm or b""
    return [asm + row.tobytes() for row in block]
