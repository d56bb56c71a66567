from __future__ import annotations

from zorka.control.packetextraction import PacketExtractor
from zorka.control.tmframe import FHP_IDLE, FHP_NO_PACKET_START


def _packet(apid: int, size: int) -> bytes:
    return (
        bytes([apid >> 8, apid & 0xFF, 0xC0, 0]) + (size - 7).to_bytes(2, "big") + bytes(size - 6)
    )


def test_packet_spanning_three_frames() -> None:
    a, b = _packet(1, 250), _packet(2, 20)
    stream = a + b + _packet(3, 100)
    ex = PacketExtractor()
    assert ex.push(stream[:100], 0) == []
    assert ex.push(stream[100:200], FHP_NO_PACKET_START) == []
    assert ex.push(stream[200:300], 50) == [a, b]
    assert ex.packets_invalid == 0


def test_gap_drops_the_partial_packet() -> None:
    a = _packet(1, 150)
    ex = PacketExtractor()
    ex.push(a[:100], 0)
    assert ex.push(a[100:] + _packet(2, 50), 50, continuous=False) == [_packet(2, 50)]
    assert ex.packets_invalid == 1


def test_fhp_contradicting_length_and_idle_frames() -> None:
    ex = PacketExtractor()
    ex.push(_packet(1, 150)[:100], 0)
    assert ex.push(bytes(60) + _packet(2, 40), 60) == [_packet(2, 40)]  # 160 != 150
    assert ex.packets_invalid == 1
    assert ex.push(b"\x55" * 100, FHP_IDLE) == []
    assert ex.push(b"\xff" * 10, 0) == []  # not a version-0 header
    assert ex.packets_invalid == 2
