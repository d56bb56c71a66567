"""Spacecraft monitoring and control: the CCSDS link layer (receive and send) and links.

Everything public is re-exported here; each concept lives in its own module:
``spacepacket`` (133.0-B, PUS-C via ``spacepackets``), ``encapsulation`` (133.1-B),
``tmframe`` (132.0-B), ``aosframe`` (732.0-B), ``tcframe`` (232.0-B), ``packetextraction``
(packets across frames), ``framesync`` (ASM search), ``randomizer``, ``reedsolomon``,
``fecf`` (CRC-16), ``cltu`` (BCH and CLTUs), ``downlink`` (the whole receive chain),
``hexdump`` (line hex dumps) and ``links`` (TCP, UDP, file replay). The mission database is the
subpackage ``mdb``; ``decoding`` turns packets into parameter samples with it, ``encoding`` does
the reverse, and ``alarms`` turns limit violations into alarms. ``archive`` stores packets,
samples, events, alarms and command history (SQLite), ``timecorrelation`` maps on-board time
to UTC, and ``ingest`` runs frames or packets through decoding and limit checks into the archive.
``commanding`` validates, encodes (PUS-C), wraps, queues, sends and verifies telecommands.
``packettable`` lays decoded packets out as rows (``zorka packets decode``). The spacecraft's
side, for the simulator: ``framing`` packs packets into frames and CADUs, ``commanddecoding``
reads a telecommand back into its command and arguments.
"""

from zorka.control.alarms import Alarm, AlarmEvent, AlarmServer
from zorka.control.aosframe import AOS_IDLE_VCID, AosFrame
from zorka.control.archive import (
    Archive,
    ArchivedPacket,
    CommandRecord,
    CommandStage,
    Event,
    ParameterSeries,
    SqliteArchive,
    export_samples,
)
from zorka.control.cltu import CltuDecodeResult, bch_parity, decode_cltu, encode_cltu
from zorka.control.commanddecoding import CommandDecodeError, DecodedCommand, decode_command
from zorka.control.commanding import (
    CommandEncoder,
    Commander,
    CommandError,
    IssuedCommand,
    PusConventions,
    ResolvedCommand,
    UplinkConfig,
    validate_command,
)
from zorka.control.decoding import ContainerBatch, PacketDecoder, Samples
from zorka.control.downlink import (
    DownlinkConfig,
    DownlinkDecoder,
    DownlinkPacket,
    DownlinkStats,
    FrameGap,
)
from zorka.control.encoding import encode_packet
from zorka.control.errors import CltuError, FrameError, LinkLayerError
from zorka.control.fecf import append_fecf, check_fecf, crc16_ccitt
from zorka.control.framesync import ASM, FrameSynchronizer, find_asm
from zorka.control.framing import TmFramer, encode_cadus, idle_packet
from zorka.control.hexdump import read_hex_dump, write_hex_dump
from zorka.control.ingest import IngestCounts, TelemetryIngester
from zorka.control.links import (
    FileReplayLink,
    Link,
    LinkStatus,
    TcLink,
    TcpTcLink,
    TcpTmLink,
    TmLink,
    UdpTcLink,
    UdpTmLink,
)
from zorka.control.packetextraction import PacketExtractor
from zorka.control.packettable import PacketTable, decode_packet_table
from zorka.control.randomizer import derandomize_tm, randomize_tc, randomize_tm
from zorka.control.reedsolomon import ReedSolomon, RsDecodeResult
from zorka.control.spacepacket import (
    PacketSequenceCounter,
    PusTc,
    PusTm,
    SpacePacketHeader,
    StreamPacket,
    split_packets,
)
from zorka.control.tcframe import TcFrame
from zorka.control.timecorrelation import TimeCorrelation, packet_times
from zorka.control.tmframe import TmFrame

__all__ = [
    "AOS_IDLE_VCID",
    "ASM",
    "Alarm",
    "AlarmEvent",
    "AlarmServer",
    "AosFrame",
    "Archive",
    "ArchivedPacket",
    "CltuDecodeResult",
    "CltuError",
    "CommandDecodeError",
    "CommandEncoder",
    "CommandError",
    "CommandRecord",
    "CommandStage",
    "Commander",
    "ContainerBatch",
    "DecodedCommand",
    "DownlinkConfig",
    "DownlinkDecoder",
    "DownlinkPacket",
    "DownlinkStats",
    "Event",
    "FileReplayLink",
    "FrameError",
    "FrameGap",
    "FrameSynchronizer",
    "IngestCounts",
    "IssuedCommand",
    "Link",
    "LinkLayerError",
    "LinkStatus",
    "PacketDecoder",
    "PacketExtractor",
    "PacketSequenceCounter",
    "PacketTable",
    "ParameterSeries",
    "PusConventions",
    "PusTc",
    "PusTm",
    "ReedSolomon",
    "ResolvedCommand",
    "RsDecodeResult",
    "Samples",
    "SpacePacketHeader",
    "SqliteArchive",
    "StreamPacket",
    "TcFrame",
    "TcLink",
    "TcpTcLink",
    "TcpTmLink",
    "TelemetryIngester",
    "TimeCorrelation",
    "TmFrame",
    "TmFramer",
    "TmLink",
    "UdpTcLink",
    "UdpTmLink",
    "UplinkConfig",
    "append_fecf",
    "bch_parity",
    "check_fecf",
    "crc16_ccitt",
    "decode_cltu",
    "decode_command",
    "decode_packet_table",
    "derandomize_tm",
    "encode_cadus",
    "encode_cltu",
    "encode_packet",
    "export_samples",
    "find_asm",
    "idle_packet",
    "packet_times",
    "randomize_tc",
    "randomize_tm",
    "read_hex_dump",
    "split_packets",
    "validate_command",
    "write_hex_dump",
]
