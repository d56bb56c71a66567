from __future__ import annotations

from pathlib import Path

import pytest

from zorka.control.aosframe import AosFrame
from zorka.control.errors import FrameError
from zorka.control.fecf import append_fecf, check_fecf, crc16_ccitt
from zorka.control.hexdump import read_hex_dump
from zorka.control.spacepacket import StreamPacket, split_packets
from zorka.control.tcframe import TcFrame
from zorka.control.tmframe import FHP_IDLE, TmFrame


def test_crc16_check_value() -> None:
    # The catalogue check value of CRC-16/IBM-3740 (CCITT-FALSE) over "123456789".
    assert crc16_ccitt(b"123456789") == 0x29B1
    assert check_fecf(append_fecf(b"frame"))
    assert not check_fecf(append_fecf(b"frame")[:-1] + b"\x00")


def test_tm_frames_of_the_dump(dariol83: Path) -> None:
    frames = [TmFrame.from_bytes(u[4:1119]) for u in read_hex_dump(dariol83 / "dumpFile_tm_1.hex")]
    assert len(frames) == 152
    assert {f.spacecraft_id for f in frames} == {123}
    assert {f.virtual_channel_id for f in frames} == {0, 7}
    idle = [f for f in frames if f.virtual_channel_id == 7]
    assert all(f.is_idle and f.first_header_pointer == FHP_IDLE for f in idle)
    assert all(f.ocf is not None and len(f.data_field) == 1115 - 10 for f in frames)


def test_tm_round_trip_with_fecf() -> None:
    frame = TmFrame(
        spacecraft_id=0x2A5,
        virtual_channel_id=5,
        master_channel_frame_count=200,
        virtual_channel_frame_count=17,
        first_header_pointer=12,
        data_field=bytes(range(100)),
        ocf=b"\x01\x02\x03\x04",
        secondary_header=b"\x03abc",
        packet_order_flag=True,
        segment_length_id=3,
    )
    raw = frame.to_bytes(with_fecf=True)
    back = TmFrame.from_bytes(raw, has_fecf=True)
    assert back.to_bytes(with_fecf=True) == raw
    assert back.secondary_header == b"\x03abc" and back.data_field == bytes(range(100))
    with pytest.raises(FrameError, match="FECF"):
        TmFrame.from_bytes(raw[:-1] + b"\x00", has_fecf=True)
    with pytest.raises(FrameError, match="shorter"):
        TmFrame.from_bytes(raw[:3])


def test_aos_frames_of_the_dump(dariol83: Path) -> None:
    units = read_hex_dump(dariol83 / "dumpFile_aos_1.hex")
    frames = [AosFrame.from_bytes(u[4:896], has_ocf=True) for u in units]
    assert [sum(f.virtual_channel_id == vc for f in frames) for vc in (0, 1, 63)] == [11, 6, 13]
    assert {f.spacecraft_id for f in frames} == {123}
    raw = units[0][4:896]
    assert frames[0].to_bytes() == raw


def test_aos_round_trip() -> None:
    frame = AosFrame(
        spacecraft_id=200,
        virtual_channel_id=9,
        virtual_channel_frame_count=0xABCDEF,
        data_field=b"\x00\x00" + bytes(50),
        frame_count_cycle_in_use=True,
        frame_count_cycle=3,
        insert_zone=b"IZ",
        ocf=b"OCF!",
    )
    raw = frame.to_bytes(with_fecf=True)
    back = AosFrame.from_bytes(raw, insert_zone_length=2, has_ocf=True, has_fecf=True)
    assert back.full_frame_count == 3 << 24 | 0xABCDEF
    assert back.insert_zone == b"IZ" and back.first_header_pointer == 0
    assert back.to_bytes(with_fecf=True) == raw
    with pytest.raises(FrameError, match="version"):
        AosFrame.from_bytes(bytes(20))


def test_tc_plain_dump(dariol83: Path) -> None:
    units = read_hex_dump(dariol83 / "dumpFile_tc_plain_1.hex")
    frames = [TcFrame.from_bytes(u, has_segment_header=True) for u in units]
    assert len(frames) == 10
    assert [f.map_id for f in frames] == list(range(10))
    assert all(f.spacecraft_id == 123 and f.virtual_channel_id == 0 for f in frames)
    packets = [p for f in frames for p in split_packets(f.data)]
    assert len(packets) == 30 and all(isinstance(p, StreamPacket) for p in packets)
    assert frames[3].to_bytes() == units[3]


def test_tc_round_trip() -> None:
    frame = TcFrame(
        spacecraft_id=0x3FF,
        virtual_channel_id=63,
        frame_sequence_number=255,
        data=b"command",
        bypass_flag=True,
        segment_header=0xC5,
    )
    raw = frame.to_bytes(with_fecf=True)
    back = TcFrame.from_bytes(raw + b"\x55\x55", has_segment_header=True, has_fecf=True)
    assert back.map_id == 5 and back.sequence_flags == 3 and back.data == b"command"
    assert back.to_bytes(with_fecf=True) == raw
    with pytest.raises(FrameError, match="length"):
        TcFrame.from_bytes(raw[:8])
