"""The receive chain on the dariol83 dumps, with the counts dariol83/ccsds's own tests expect."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zorka.control.downlink import DownlinkConfig, DownlinkDecoder
from zorka.control.framesync import ASM
from zorka.control.hexdump import read_hex_dump
from zorka.control.randomizer import randomize_tm
from zorka.control.reedsolomon import ReedSolomon
from zorka.control.spacepacket import PusTm
from zorka.control.tmframe import FHP_NO_PACKET_START, TmFrame

# The parity in dumpFile_tm_1 is not CCSDS RS of the frames it follows (the AOS dump's and
# dariol83's published vector are); dariol83's own test strips it unchecked, and so does this one.
TM1 = DownlinkConfig(rs_interleave=5, rs_check=False)
AOS1 = DownlinkConfig(frame_type="aos", frame_length=892, rs_interleave=4, aos_has_ocf=True)


def test_tm_dump(dariol83: Path) -> None:
    decoder = DownlinkDecoder(TM1)
    packets = decoder.feed_units(read_hex_dump(dariol83 / "dumpFile_tm_1.hex"))
    stats = decoder.stats.to_dict()
    assert stats["cadus"] == stats["frames"] == 152
    assert stats["frames_by_vcid"] == {0: 122, 7: 30}
    assert stats["frame_sequence_errors"] == 0
    # dariol83 TmReceiverVirtualChannelTest: 613 good packets on VC 0, none bad, none on VC 7.
    assert stats["packets"] == len(packets) == 613
    assert stats["packets_invalid"] == 0
    assert stats["packets_by_apid"] == {1130: 613}


def test_tm_dump_as_a_byte_stream_in_odd_pieces(dariol83: Path) -> None:
    stream = b"\x00\x17garbage" + b"".join(read_hex_dump(dariol83 / "dumpFile_tm_1.hex"))
    decoder = DownlinkDecoder(TM1)
    count = 0
    for start in range(0, len(stream), 997):
        count += len(decoder.feed(stream[start : start + 997]))
    assert count == 613 and decoder.stats.cadus == 152
    assert decoder.bytes_skipped == 9


def test_tm_gap_dump(dariol83: Path) -> None:
    decoder = DownlinkDecoder(DownlinkConfig(asm=None))
    decoder.feed_units(read_hex_dump(dariol83 / "dumpFile_tm_gap_1.hex"))
    stats = decoder.stats
    # Frames 4, 7, 9 and 10 of VC 0 were removed from the dump.
    assert stats.frames == 11 and stats.frame_sequence_errors == 3 and stats.frames_missing == 4
    assert [(g.expected, g.received, g.missing) for g in decoder.gaps] == [
        (4, 5, 1),
        (7, 8, 1),
        (9, 11, 2),
    ]
    assert stats.packets == 5 and stats.packets_invalid == 2


def test_encapsulation_dump(dariol83: Path) -> None:
    decoder = DownlinkDecoder(DownlinkConfig(asm=None, packet_kind="encapsulation"))
    packets = decoder.feed_units(read_hex_dump(dariol83 / "dumpFile_tm_encapsulation.hex"))
    # dariol83 testTmVc0EncapsulationPacket: 13 packets, headers 4,4,4,4,2,4,4,4,4,4,1,4,8 bytes.
    assert len(packets) == 13 and decoder.stats.packets_invalid == 0
    assert [p.data[0] & 3 for p in packets] == [2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 0, 2, 3]
    assert len(packets[5].data) == 1115 - 4 - 6 - 1


def test_aos_dump(dariol83: Path) -> None:
    decoder = DownlinkDecoder(AOS1)
    packets = decoder.feed_units(read_hex_dump(dariol83 / "dumpFile_aos_1.hex"))
    stats = decoder.stats
    assert stats.rs_corrected == 0 and stats.rs_uncorrectable == 0
    assert dict(stats.frames_by_vcid) == {0: 11, 1: 6, 63: 13}
    # dariol83 AosReceiverVirtualChannelTest: 23 packets on VC 0.
    assert sum(p.virtual_channel_id == 0 for p in packets) == 23
    assert stats.packets == 36 and stats.packets_invalid == 0


def test_aos_dump_with_injected_errors_is_corrected(dariol83: Path) -> None:
    units = read_hex_dump(dariol83 / "dumpFile_aos_1.hex")
    rng = np.random.default_rng(5)
    noisy = []
    for unit in units:
        body = bytearray(unit[4:])
        for codeword in range(4):  # 12 symbol errors in each of the 4 interleaved codewords
            for pos in rng.choice(255, 12, replace=False) * 4 + codeword:
                body[pos] ^= int(rng.integers(1, 256))
        noisy.append(bytes(body))
    decoder = DownlinkDecoder(AOS1)
    assert len(decoder.feed_units(noisy)) == 36
    assert decoder.stats.rs_corrected == 12 * 4 * 30 and decoder.stats.rs_uncorrectable == 0


def _own_stream(n: int) -> tuple[bytes, list[bytes]]:
    """n randomised, RS-coded TM CADUs carrying PUS packets that span frames."""
    packets = [
        bytes(
            PusTm(
                service=3,
                message_subtype=25,
                apid=42,
                seq_count=i,
                timestamp=bytes(7),
                source_data=bytes([i % 256]) * (50 + 37 * i % 400),
            ).pack()
        )
        for i in range(n * 6)
    ]
    stream = b"".join(packets)
    zone_length = 1115 - 6
    rs = ReedSolomon(5)
    cadus, pos, starts = [], 0, []
    offsets = np.cumsum([0] + [len(p) for p in packets])
    for count in range(n):
        zone = stream[pos : pos + zone_length]
        zone += bytes(zone_length - len(zone))
        inside = [o - pos for o in offsets if pos <= o < pos + zone_length]
        fhp = inside[0] if inside else FHP_NO_PACKET_START
        starts.append(fhp)
        frame = TmFrame(123, 0, count % 256, count % 256, fhp, zone).to_bytes()
        cadus.append(ASM + randomize_tm(rs.encode(frame)[0].tobytes()))
        pos += zone_length
    complete = [p for p, o in zip(packets, offsets, strict=False) if o + len(p) <= pos]
    return b"".join(cadus), complete


def test_own_randomised_rs_stream_decodes_bit_exactly() -> None:
    stream, expected = _own_stream(40)
    decoder = DownlinkDecoder(DownlinkConfig(derandomize=True, rs_interleave=5))
    packets = decoder.feed(stream)
    # the last packet may be cut off by the end of the stream, all others come back exactly
    assert [p.data for p in packets] == expected[: len(packets)]
    assert len(packets) >= len(expected) - 1
    assert decoder.stats.packet_sequence_errors == 0 and decoder.stats.frames_invalid == 0


def test_corrupt_cadus_are_counted_and_skipped() -> None:
    stream, _ = _own_stream(20)
    cadu = len(stream) // 20
    damaged = bytearray(stream)
    for pos in range(3 * cadu + 10, 3 * cadu + 10 + 200):  # CADU 3 beyond repair
        damaged[pos] ^= 0xFF
    damaged[7 * cadu + 100] ^= 0x01  # CADU 7: one bit, corrected
    decoder = DownlinkDecoder(DownlinkConfig(derandomize=True, rs_interleave=5))
    packets = decoder.feed(bytes(damaged))
    stats = decoder.stats
    assert stats.cadus == 20 and stats.frames == 19 and stats.frames_invalid == 1
    assert stats.rs_uncorrectable >= 1 and stats.rs_corrected == 1
    assert stats.frame_sequence_errors == 1 and stats.frames_missing == 1
    assert packets and stats.packets_invalid >= 1


def test_fuzzed_streams_never_crash() -> None:
    rng = np.random.default_rng(11)
    configs = [
        DownlinkConfig(asm=None),
        DownlinkConfig(asm=None, has_fecf=True, packet_kind="encapsulation"),
        DownlinkConfig(asm=None, frame_type="aos", frame_length=892, aos_has_ocf=True),
        DownlinkConfig(derandomize=True, rs_interleave=5),
    ]
    for config in configs:
        decoder = DownlinkDecoder(config)
        for _ in range(20):
            chunk = rng.integers(0, 256, int(rng.integers(1, 3000)), dtype=np.uint8).tobytes()
            if rng.random() < 0.3:
                chunk = ASM + chunk
            decoder.feed(chunk)
        units = [
            rng.integers(0, 256, config.body_length, dtype=np.uint8).tobytes() for _ in range(30)
        ]
        for unit in units:  # a plausible header on random bodies exercises the packet paths
            decoder.feed_units([bytes([0x07 if config.frame_type == "tm" else 0x5E]) + unit[1:]])
        assert decoder.stats.cadus > 0
