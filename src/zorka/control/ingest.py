"""Telemetry ingest: frames or packets in, decoded samples, alarms and events into the archive.

:class:`TelemetryIngester` is the processing chain of a control centre's receiving side. Each
call of :meth:`~TelemetryIngester.ingest_packets` decodes a batch of packets with the mission
database, times every packet (correlated on-board time where the database defines it, else
reception time), checks limits, and writes packets, samples, alarm changes and the input's
position to the archive in one transaction. :meth:`~TelemetryIngester.ingest_file` runs a file
of CADUs/frames (through :class:`~zorka.control.downlink.DownlinkDecoder`) or of packets back to
back through it in pieces, resuming where an earlier, interrupted run stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from zorka.control.alarms import AlarmEvent, AlarmServer
from zorka.control.archive import Archive, ArchivedPacket, Event
from zorka.control.decoding import PacketDecoder
from zorka.control.downlink import DownlinkConfig, DownlinkDecoder
from zorka.control.mdb.model import MissionDatabase
from zorka.control.spacepacket import (
    PRIMARY_HEADER_LENGTH,
    PacketSequenceCounter,
    packet_apid,
    packet_length,
)
from zorka.control.timecorrelation import TimeCorrelation, packet_times

__all__ = ["IngestCounts", "InputKind", "TelemetryIngester"]

log = logging.getLogger(__name__)

InputKind = Literal["tm", "aos", "none"]
"""What a file holds: TM or AOS frames (CADUs), or space packets back to back (``none``)."""

CHUNK_BYTES = 1 << 20


@dataclass
class IngestCounts:
    """What an ingest saw and stored."""

    frames: int = 0
    frames_bad: int = 0
    frames_missing: int = 0
    packets: int = 0
    packets_bad: int = 0
    packets_unmatched: int = 0
    packets_missing: int = 0
    bytes_skipped: int = 0
    samples: int = 0
    alarms_raised: int = 0
    alarm_events: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts by name, in a stable order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class TelemetryIngester:
    """Decodes packets with a mission database and archives them with their samples and alarms.

    The alarm state is read from the archive when the ingester starts and written back with
    every batch, so that alarms persist across runs and ``zorka tm alarms`` can act on them.
    ``clock`` gives the reception time (Unix seconds) of packets that come without one.
    """

    def __init__(
        self,
        mdb: MissionDatabase,
        archive: Archive,
        *,
        correlation: TimeCorrelation | None = None,
        source: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.mdb = mdb
        self.archive = archive
        self.correlation = correlation or TimeCorrelation.from_database(mdb)
        self.source = source
        self.clock = clock
        self.decoder = PacketDecoder(mdb)
        self.alarms = AlarmServer({a.parameter: a for a in archive.load_alarms()})
        self.counts = IngestCounts()

    def ingest_packets(
        self,
        packets: Sequence[bytes],
        *,
        received_unix_s: float | npt.NDArray[np.float64] | None = None,
        events: Sequence[Event] = (),
        progress: int | None = None,
    ) -> list[AlarmEvent]:
        """Decode and archive one batch of packets; returns the alarm changes it caused.

        ``progress`` (a byte offset in :attr:`source`) is recorded in the same transaction, so
        a restart knows what was archived.
        """
        n = len(packets)
        if received_unix_s is None:
            received_unix_s = self.clock()
        received = np.broadcast_to(np.asarray(received_unix_s, np.float64), (n,))
        batches = self.decoder.decode(packets)
        packet_time = received.copy()
        container: list[str | None] = [None] * n
        alarm_events: list[AlarmEvent] = []
        timed = []
        for batch in batches:
            times, _ = packet_times(batch, received, self.mdb.onboard_time, self.correlation)
            packet_time[batch.index] = times
            for i in batch.index.tolist():
                container[i] = batch.container
            timed.append((batch, times))
        if self.alarms.alarms:
            # operators may have acknowledged or shelved alarms in another process meanwhile
            self.alarms.adopt(self.archive.load_alarms())
        # alarms follow time, whatever container a parameter came in
        for batch, times in sorted(timed, key=lambda bt: float(bt[1].min()) if len(bt[1]) else 0):
            alarm_events += self.alarms.process(batch, times)
        archived = [
            ArchivedPacket(
                float(packet_time[i]), float(received[i]), packet_apid(p),
                (p[2] & 0x3F) << 8 | p[3], bytes(p), self.source, container[i],
            )
            for i, p in enumerate(packets)
        ]  # fmt: skip
        with self.archive.transaction():
            self.archive.add_packets(archived)
            samples = sum(self.archive.add_samples(batch, times) for batch, times in timed)
            self.archive.add_events(events)
            self.archive.add_alarm_events(alarm_events)
            if alarm_events:
                self.archive.save_alarms(self.alarms.alarms.values())
            if progress is not None:
                self.archive.set_progress(self.source, progress)
        counts = self.counts
        counts.packets += n
        counts.packets_unmatched += len(self.decoder.unmatched)
        counts.samples += samples
        counts.alarm_events += len(alarm_events)
        counts.alarms_raised += sum(e.kind == "raised" for e in alarm_events)
        return alarm_events

    def ingest_file(
        self,
        path: str | Path,
        kind: InputKind = "none",
        *,
        config: DownlinkConfig | None = None,
        resume: bool = True,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> Iterator[int]:
        """Archive a file in pieces; yields the byte offset reached after each piece.

        ``kind`` says what the file holds; frames are decoded with ``config`` (its
        ``frame_type`` is set from ``kind``). With ``resume``, a file this archive has seen
        continues from the last piece committed (a frame stream restarts its synchroniser
        there; a packet cut by the restart is lost and counted by the sequence check).
        """
        path = Path(path)
        if not self.source:
            self.source = str(path.resolve())
        size = path.stat().st_size
        start = self.archive.progress(self.source) if resume else 0
        if start >= size:
            yield size
            return
        frames: DownlinkDecoder | None = None
        if kind != "none":
            base = config or DownlinkConfig()
            frames = DownlinkDecoder(replace(base, frame_type=kind))
        sequence = PacketSequenceCounter()
        carry = b""
        offset = start
        with open(path, "rb") as f:
            f.seek(start)
            while piece := f.read(chunk_bytes):
                end = offset + len(piece)
                events: list[Event] = []
                if frames is not None:
                    gaps_before = len(frames.gaps)
                    packets = [p.data for p in frames.feed(piece)]
                    now = self.clock()
                    for gap in frames.gaps[gaps_before:]:
                        events.append(
                            Event(now, self.source, "frame_gap",
                                  f"VC {gap.virtual_channel_id}: {gap.missing} frame(s) missing "
                                  f"before count {gap.received} (stream byte {start + gap.offset})",
                                  "warning")
                        )  # fmt: skip
                    committed = end
                else:
                    data = carry + piece
                    packets, carry, skipped = _cut_packets(data, end - len(data), final=end >= size)
                    self.counts.bytes_skipped += skipped
                    if skipped:
                        events.append(
                            Event(self.clock(), self.source, "bad_packet",
                                  f"{skipped} bytes skipped from byte {end - len(carry) - skipped}",
                                  "warning")
                        )  # fmt: skip
                    committed = end - len(carry)
                    for p in packets:
                        sequence.update(packet_apid(p), (p[2] & 0x3F) << 8 | p[3])
                self.ingest_packets(packets, events=events, progress=committed)
                offset = end
                yield end
        if frames is not None:
            stats = frames.stats
            self.counts.frames += stats.frames
            self.counts.frames_bad += stats.frames_invalid  # RS failures included
            self.counts.frames_missing += stats.frames_missing
            self.counts.packets_bad += stats.packets_invalid
            self.counts.packets_missing += stats.packets_missing
            self.counts.bytes_skipped += frames.bytes_skipped
        else:
            self.counts.packets_missing += sequence.missing
        if carry:
            log.warning("%s: %d bytes at the end are not a whole packet", path, len(carry))


def _cut_packets(data: bytes, offset: int, *, final: bool) -> tuple[list[bytes], bytes, int]:
    """Whole packets of ``data``, the bytes to carry into the next piece, bytes skipped.

    ``offset`` is the stream position of ``data`` (for messages). A primary header whose version
    is not 0 means the stream lost its alignment; since nothing after it can be trusted, the rest
    of the piece is skipped.
    """
    packets: list[bytes] = []
    pos = 0
    end = len(data)
    while pos < end:
        if data[pos] >> 5 != 0:
            log.warning(
                "packet stream: version %d at byte %d, rest of the piece skipped",
                data[pos] >> 5,
                offset + pos,
            )
            return packets, b"", end - pos
        if end - pos < PRIMARY_HEADER_LENGTH:
            break
        length = packet_length(data[pos : pos + PRIMARY_HEADER_LENGTH])
        if pos + length > end:
            break
        packets.append(data[pos : pos + length])
        pos += length
    if final:
        return packets, b"", end - pos
    return packets, data[pos:], 0
