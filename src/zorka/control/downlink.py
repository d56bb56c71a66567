"""The receive chain: byte stream -> CADUs -> frames -> packets, with the statistics of a pass.

One :class:`DownlinkDecoder` runs the whole CCSDS TM/AOS receive chain of 131.0-B, 132.0-B and
732.0-B: frame synchronisation on the ASM, derandomisation, Reed-Solomon decoding, frame parsing
and FECF check, frame-count tracking per virtual channel (gaps reported), and packet extraction
across frames with per-APID sequence tracking. Every step works in batches where it can (the
randomiser and RS run in numpy over all CADUs of a piece of stream), and nothing in the input
stops it: a unit that fails a step is counted, logged with its stream offset, and skipped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from zorka.control.aosframe import AosFrame
from zorka.control.errors import FrameError
from zorka.control.framesync import ASM, FrameSynchronizer
from zorka.control.packetextraction import PacketExtractor, PacketKind
from zorka.control.randomizer import tm_sequence
from zorka.control.reedsolomon import PARITY_SYMBOLS, ReedSolomon
from zorka.control.spacepacket import IDLE_APID, PacketSequenceCounter, packet_apid
from zorka.control.tmframe import TmFrame

__all__ = ["DownlinkConfig", "DownlinkDecoder", "DownlinkPacket", "DownlinkStats", "FrameGap"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DownlinkConfig:
    """How a mission's downlink is coded.

    ``frame_length`` is the transfer frame length in bytes (without ASM and RS parity).
    ``asm=None`` means the input is already cut into units (one CADU body or frame each).
    ``rs_interleave=0`` means no Reed-Solomon code; ``rs_check=False`` strips the parity
    without checking it, for recordings whose parity is known to be bad.
    """

    frame_type: Literal["tm", "aos"] = "tm"
    frame_length: int = 1115
    asm: bytes | None = ASM
    derandomize: bool = False
    rs_interleave: int = 0
    rs_check: bool = True
    has_fecf: bool = False
    aos_has_ocf: bool = False
    aos_has_fhec: bool = False
    aos_insert_zone_length: int = 0
    packet_kind: PacketKind = "space"

    @property
    def body_length(self) -> int:
        """Bytes after the ASM: the frame plus its RS parity."""
        return self.frame_length + self.rs_interleave * PARITY_SYMBOLS


@dataclass
class DownlinkStats:
    """Counts of a decoded stream; :meth:`to_dict` gives the keys of ``zorka frames decode``."""

    cadus: int = 0
    rs_corrected: int = 0
    rs_uncorrectable: int = 0
    frames: int = 0
    frames_invalid: int = 0
    frames_by_vcid: Counter[int] = field(default_factory=Counter)
    frame_sequence_errors: int = 0
    frames_missing: int = 0
    packets: int = 0
    packets_invalid: int = 0
    packets_by_apid: Counter[int] = field(default_factory=Counter)
    packet_sequence_errors: int = 0
    packets_missing: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with sorted integer-keyed maps, ready for JSON."""
        return {
            "cadus": self.cadus,
            "rs_corrected": self.rs_corrected,
            "rs_uncorrectable": self.rs_uncorrectable,
            "frames": self.frames,
            "frames_invalid": self.frames_invalid,
            "frames_by_vcid": dict(sorted(self.frames_by_vcid.items())),
            "frame_sequence_errors": self.frame_sequence_errors,
            "frames_missing": self.frames_missing,
            "packets": self.packets,
            "packets_invalid": self.packets_invalid,
            "packets_by_apid": dict(sorted(self.packets_by_apid.items())),
            "packet_sequence_errors": self.packet_sequence_errors,
            "packets_missing": self.packets_missing,
        }


@dataclass(frozen=True)
class DownlinkPacket:
    """A packet out of the chain: its virtual channel and the stream offset of its last frame."""

    virtual_channel_id: int
    offset: int
    data: bytes


@dataclass(frozen=True)
class FrameGap:
    """A jump in a virtual channel's frame count."""

    virtual_channel_id: int
    expected: int
    received: int
    missing: int
    offset: int


class DownlinkDecoder:
    """Decodes a downlink stream fed in pieces; keeps :attr:`stats` and :attr:`gaps`."""

    def __init__(self, config: DownlinkConfig) -> None:
        self.config = config
        self.stats = DownlinkStats()
        self.gaps: list[FrameGap] = []
        self._sync = (
            FrameSynchronizer(config.body_length, config.asm) if config.asm is not None else None
        )
        self._rs = (
            ReedSolomon.for_frame_length(config.frame_length, config.rs_interleave)
            if config.rs_interleave
            else None
        )
        self._modulo = 256 if config.frame_type == "tm" else 1 << 24
        self._last_count: dict[int, int] = {}
        self._extractors: dict[int, PacketExtractor] = {}
        self._sequence = PacketSequenceCounter()
        self._raw = bytearray()
        self._raw_offset = 0

    def feed(self, data: bytes | bytearray) -> list[DownlinkPacket]:
        """Add a piece of the byte stream; returns the packets it completes."""
        if self._sync is not None:
            cadus = self._sync.feed(data)
            return self._bodies([body for _, body in cadus], [off for off, _ in cadus])
        # Without an ASM the stream is bodies back to back.
        self._raw += data
        n = len(self._raw) // self.config.body_length
        size = n * self.config.body_length
        bodies = [
            bytes(self._raw[i : i + self.config.body_length])
            for i in range(0, size, self.config.body_length)
        ]
        offsets = [self._raw_offset + i for i in range(0, size, self.config.body_length)]
        del self._raw[:size]
        self._raw_offset += size
        return self._bodies(bodies, offsets)

    def feed_units(self, units: Iterable[bytes]) -> list[DownlinkPacket]:
        """Add pre-cut units (one CADU or frame each, the ASM optional), e.g. hex dump lines."""
        bodies = []
        asm = self.config.asm
        for unit in units:
            if asm is not None and unit.startswith(asm):
                unit = unit[len(asm) :]
            bodies.append(unit)
        return self._bodies(bodies, list(range(len(bodies))))

    @property
    def bytes_skipped(self) -> int:
        """Stream bytes the synchroniser skipped while searching for a marker."""
        return self._sync.bytes_skipped if self._sync is not None else 0

    def _bodies(self, bodies: list[bytes], offsets: list[int]) -> list[DownlinkPacket]:
        cfg = self.config
        self.stats.cadus += len(bodies)
        good = [i for i, b in enumerate(bodies) if len(b) == cfg.body_length]
        for i in set(range(len(bodies))) - set(good):
            log.warning(
                "unit at %d: %d bytes, expected %d", offsets[i], len(bodies[i]), cfg.body_length
            )
            self.stats.frames_invalid += 1
        if not good:
            return []
        block = np.frombuffer(b"".join(bodies[i] for i in good), np.uint8).reshape(len(good), -1)
        if cfg.derandomize:
            block = block ^ tm_sequence(cfg.body_length)
        valid = np.ones(len(good), dtype=bool)
        if self._rs is not None:
            if cfg.rs_check:
                result = self._rs.decode(block)
                self.stats.rs_corrected += int(result.corrected.sum())
                self.stats.rs_uncorrectable += int(result.uncorrectable.sum())
                valid = result.ok
                frames = result.data
            else:
                frames = block[:, : cfg.frame_length]
        else:
            frames = block
        packets: list[DownlinkPacket] = []
        for row, index in enumerate(good):
            if not valid[row]:
                log.warning("CADU at %d: Reed-Solomon uncorrectable, frame dropped", offsets[index])
                self.stats.frames_invalid += 1
                continue
            packets.extend(self._frame(frames[row].tobytes(), offsets[index]))
        return packets

    def _frame(self, raw: bytes, offset: int) -> list[DownlinkPacket]:
        cfg = self.config
        try:
            if cfg.frame_type == "tm":
                tm = TmFrame.from_bytes(raw, has_fecf=cfg.has_fecf)
                vcid, count, fhp, zone, idle = (
                    tm.virtual_channel_id,
                    tm.virtual_channel_frame_count,
                    tm.first_header_pointer,
                    tm.data_field,
                    tm.is_idle,
                )
            else:
                aos = AosFrame.from_bytes(
                    raw,
                    has_fhec=cfg.aos_has_fhec,
                    insert_zone_length=cfg.aos_insert_zone_length,
                    has_ocf=cfg.aos_has_ocf,
                    has_fecf=cfg.has_fecf,
                )
                vcid, count, idle = (
                    aos.virtual_channel_id,
                    aos.virtual_channel_frame_count,
                    aos.is_idle,
                )
                fhp, zone = (0, b"") if idle else (aos.first_header_pointer, aos.packet_zone)
        except FrameError as exc:
            log.warning("frame at %d: %s", offset, exc)
            self.stats.frames_invalid += 1
            return []
        stats = self.stats
        stats.frames += 1
        stats.frames_by_vcid[vcid] += 1
        previous = self._last_count.get(vcid)
        self._last_count[vcid] = count
        continuous = previous is not None
        if previous is not None:
            missing = (count - previous - 1) % self._modulo
            if missing:
                continuous = False
                stats.frame_sequence_errors += 1
                stats.frames_missing += missing
                gap = FrameGap(vcid, (previous + 1) % self._modulo, count, missing, offset)
                self.gaps.append(gap)
                log.info("VC %d: %d frame(s) missing before count %d", vcid, missing, count)
        if idle:
            return []
        extractor = self._extractors.get(vcid)
        if extractor is None:
            extractor = self._extractors[vcid] = PacketExtractor(cfg.packet_kind)
        before = extractor.packets_invalid
        out = []
        for packet in extractor.push(zone, fhp, continuous=continuous):
            if cfg.packet_kind == "space":
                apid = packet_apid(packet)
                if apid == IDLE_APID:
                    continue
                stats.packets_by_apid[apid] += 1
                self._sequence.update(apid, (packet[2] & 0x3F) << 8 | packet[3])
            stats.packets += 1
            out.append(DownlinkPacket(vcid, offset, packet))
        stats.packets_invalid += extractor.packets_invalid - before
        stats.packet_sequence_errors = self._sequence.errors
        stats.packets_missing = self._sequence.missing
        return out
