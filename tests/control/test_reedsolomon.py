from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from zorka.control.hexdump import read_hex_dump
from zorka.control.randomizer import randomize_tm
from zorka.control.reedsolomon import ReedSolomon, conventional_to_dual, dual_to_conventional

# The last 160 bytes (randomised interleaved parity) of EXPECTED_TM in dariol83/ccsds
# TmDecoderTest: the CADU of a 1115-byte TM frame (SCID 123, VC 1, MC 22, VC count 14, sync flag,
# FHP 7FF, zero data, zero OCF), RS(255,223) interleave 5, randomised.
PUBLISHED_PARITY = (
    "E249567843CA1921B540FCCF81769D6A4628A02A22B3949C3E58B92ADF0B5013D7BE755698B916EDDD8E83EA508A"
    "DC278C5767F7ECFC39F6D8CEEB6DE1A77E6E16D635240885C3A7FD520F714ADF606FCE18240CC2B0A9CE49F4D681"
    "7E0E203A0B2E1874A668FCEA2AB71C848D98D398B973CD59A4E3C63186E876B2AF30EBB5BE424F26154C4D3879B0"
    "D27B0CFD2202E3418A1A0295F8CDE9435F2638C2A469"
)


def test_dual_basis_tables_are_inverse() -> None:
    values = np.arange(256, dtype=np.uint8)
    assert (dual_to_conventional(conventional_to_dual(values)) == values).all()
    # 131.0-B Annex F: dual-basis 0x01 is conventional 0xCC.
    assert int(dual_to_conventional([1])[0]) == 0xCC


def test_published_vector_parity() -> None:
    frame = bytes.fromhex("07B3160E47FF") + bytes(1115 - 6)
    cadu = randomize_tm(ReedSolomon(5).encode(frame)[0].tobytes())
    assert cadu[:6].hex().upper() == "F8FB18CEDDF2"
    assert cadu[-160:].hex().upper() == PUBLISHED_PARITY


def test_aos_dump_parity_is_reproduced(dariol83: Path) -> None:
    units = read_hex_dump(dariol83 / "dumpFile_aos_1.hex")
    blocks = np.array([np.frombuffer(u[4:], np.uint8) for u in units])
    rs = ReedSolomon(4)
    assert (rs.encode(blocks[:, : rs.data_length]) == blocks).all()
    result = rs.decode(blocks)
    assert result.corrected.sum() == 0 and result.uncorrectable.sum() == 0


@pytest.mark.parametrize("interleave", [1, 2, 3, 4, 5])
def test_corrects_sixteen_errors_per_codeword_and_flags_seventeen(interleave: int) -> None:
    rng = np.random.default_rng(interleave)
    rs = ReedSolomon(interleave)
    data = rng.integers(0, 256, (20, rs.data_length), dtype=np.uint8)
    blocks = rs.encode(data)
    assert (rs.decode(blocks).data == data).all()
    noisy = blocks.copy()
    for b in range(10):
        for cw in range(interleave):
            pos = rng.choice(255, 16, replace=False) * interleave + cw
            noisy[b, pos] ^= rng.integers(1, 256, 16, dtype=np.uint8)
    for b in range(10, 20):
        pos = rng.choice(255, 17, replace=False) * interleave  # codeword 0 of the block
        noisy[b, pos] ^= rng.integers(1, 256, 17, dtype=np.uint8)
    result = rs.decode(noisy)
    assert (result.data[:10] == data[:10]).all()
    assert (result.corrected[:10] == 16 * interleave).all()
    assert (result.uncorrectable[:10] == 0).all()
    assert (result.uncorrectable[10:] == 1).all()
    assert not result.ok[10:].any()


def test_shortened_code() -> None:
    rs = ReedSolomon.for_frame_length(892, 4)
    assert rs.virtual_fill == 0
    short = ReedSolomon(2, virtual_fill=100)
    rng = np.random.default_rng(7)
    data = rng.integers(0, 256, (5, short.data_length), dtype=np.uint8)
    blocks = short.encode(data)
    blocks[:, 3] ^= 0x5A
    result = short.decode(blocks)
    assert (result.data == data).all() and (result.corrected == 1).all()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="interleave"):
        ReedSolomon(0)
    with pytest.raises(ValueError, match="multiple"):
        ReedSolomon.for_frame_length(1114, 5)
    with pytest.raises(ValueError, match="1275"):
        ReedSolomon(5).decode(bytes(100))
