from __future__ import annotations

import numpy as np

from zorka.control.randomizer import (
    derandomize_tm,
    randomize_tc,
    randomize_tm,
    tc_sequence,
    tm_sequence,
)


def test_tm_sequence_starts_as_in_131_0_b() -> None:
    # 131.0-B §10.4: the TM sequence begins FF 48 0E C0 9A 0D 70 BC and repeats every 255 bits.
    assert tm_sequence(8).tobytes().hex() == "ff480ec09a0d70bc"
    bits = np.unpackbits(tm_sequence(255 * 2))
    assert (bits[:255] == bits[255:510]).all()


def test_tc_sequence_starts_as_in_231_0_b() -> None:
    assert tc_sequence(5).tobytes().hex() == "ff399e5a68"


def test_randomising_twice_is_identity() -> None:
    data = bytes(range(256)) * 5
    assert derandomize_tm(randomize_tm(data)) == data
    assert randomize_tc(randomize_tc(data)) == data
    assert randomize_tm(bytes(4)) == bytes.fromhex("ff480ec0")
