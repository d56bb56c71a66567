from __future__ import annotations

from pathlib import Path

import pytest

from zorka.control.cltu import CLTU_TAIL, decode_cltu, encode_cltu
from zorka.control.errors import CltuError
from zorka.control.fecf import check_fecf
from zorka.control.hexdump import read_hex_dump
from zorka.control.tcframe import TcFrame

# EXPECTED_CLTU of dariol83/ccsds TcDecoderTest: a randomised CLTU carrying a TC frame of
# SCID 123, VC 1, sequence 0, data 01..0A.
PUBLISHED_CLTU = "EB90FF429A5468E804BEF6688C29A63957C20255555555555556C5C5C5C5C5C5C579"


def test_published_cltu() -> None:
    result = decode_cltu(bytes.fromhex(PUBLISHED_CLTU), derandomize=True)
    frame = TcFrame.from_bytes(result.data)
    assert (frame.spacecraft_id, frame.virtual_channel_id, frame.frame_sequence_number) == (
        123,
        1,
        0,
    )
    assert frame.data == bytes(range(1, 11))
    assert result.corrected_bits == 0


def test_encode_reproduces_published_cltu() -> None:
    frame = TcFrame(
        spacecraft_id=123, virtual_channel_id=1, frame_sequence_number=0, data=bytes(range(1, 11))
    )
    assert encode_cltu(frame.to_bytes(), randomize=True).hex().upper() == PUBLISHED_CLTU


def test_randomised_cltus_of_the_dump(dariol83: Path) -> None:
    frames = []
    for cltu in read_hex_dump(dariol83 / "dumpFile_tc_2.hex"):
        data = decode_cltu(cltu, derandomize=True).data
        frame = TcFrame.from_bytes(data, has_fecf=True)
        length = 5 + len(frame.data) + 2
        assert check_fecf(data[:length])
        frames.append(frame)
    assert len(frames) == 3
    assert frames[0].bypass_flag and frames[0].control_command_flag  # a BC control frame
    assert {f.spacecraft_id for f in frames} == {123}


def test_zero_codeblocks_are_not_valid_bch(dariol83: Path) -> None:
    # dumpFile_tc_1 holds CLTUs of all-zero codeblocks (a test of CLTU cutting, not of BCH):
    # the complemented parity makes an all-zero codeblock invalid.
    cltus = read_hex_dump(dariol83 / "dumpFile_tc_1.hex")
    assert len(cltus) == 7 and all(c.endswith(CLTU_TAIL) for c in cltus)
    for cltu in cltus:
        with pytest.raises(CltuError, match="BCH"):
            decode_cltu(cltu, correct=False)


def test_single_bit_errors_corrected_double_detected() -> None:
    frame = bytes(range(40))
    cltu = bytearray(encode_cltu(frame))
    assert decode_cltu(bytes(cltu)).data[:40] == frame
    for bit in range(0, 63, 5):
        damaged = bytearray(cltu)
        damaged[2 + bit // 8] ^= 0x80 >> (bit % 8)
        result = decode_cltu(bytes(damaged))
        assert result.data[:40] == frame and result.corrected_bits == 1
    # g(x) = (x + 1)(x^6 + x + 1) gives distance 4: every double error is detected.
    damaged = bytearray(cltu)
    damaged[2] ^= 0x01
    damaged[3] ^= 0x01
    with pytest.raises(CltuError):
        decode_cltu(bytes(damaged))
    with pytest.raises(CltuError, match="start"):
        decode_cltu(b"\x00\x00" + bytes(cltu[2:]))
