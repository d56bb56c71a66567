from __future__ import annotations

from pathlib import Path

from zorka.control.spacepacket import (
    PacketSequenceCounter,
    PusTc,
    PusTm,
    SpacePacketHeader,
    StreamPacket,
    split_packets,
)


def test_yamcs_packet_viewer_file(yamcs_packets: Path) -> None:
    data = yamcs_packets.read_bytes()
    packets = [p for p in split_packets(data) if isinstance(p, StreamPacket)]
    assert len(packets) == 1800
    assert {p.apid for p in packets} == {100}
    assert sum(len(p.data) for p in packets) == len(data)
    header = packets[0].header()
    assert isinstance(header, SpacePacketHeader)
    assert header.apid == 100 and header.seq_count == 0
    counter = PacketSequenceCounter()
    for p in packets:
        counter.update(p.apid, p.sequence_count)
    assert counter.errors == 0 and counter.missing == 0


def test_truncated_stream_reports_where_it_stops() -> None:
    good = PusTc(service=17, message_subtype=1, apid=5, seq_count=1).pack()
    items = list(split_packets(bytes(good) + bytes(good)[:9], offset=100))
    assert isinstance(items[0], StreamPacket) and items[0].offset == 100
    assert items[1] == 100 + len(good)


def test_sequence_gaps() -> None:
    counter = PacketSequenceCounter()
    for count in (0, 1, 4, 5, 16383, 0):
        counter.update(7, count)
    assert counter.errors == 2  # 1 -> 4 and 5 -> 16383
    assert counter.missing == 2  # 5 -> 16383 reads as a restart, not a loss of 16,377
    assert counter.update(0x7FF, 99) == 0  # idle packets are not followed


def test_pus_round_trip_through_spacepackets() -> None:
    tc = PusTc(service=8, message_subtype=1, apid=0x42, seq_count=3, app_data=b"\x01\x02")
    back = PusTc.unpack(tc.pack())
    assert (back.service, back.message_subtype, back.app_data) == (8, 1, b"\x01\x02")
    tm = PusTm(service=3, message_subtype=25, apid=0x42, timestamp=bytes(7), source_data=b"hk")
    decoded = PusTm.unpack(tm.pack(), timestamp_len=7)
    assert (decoded.service, decoded.source_data) == (3, b"hk")
