from __future__ import annotations

from zorka.control.framesync import ASM, FrameSynchronizer, find_asm


def test_find_asm() -> None:
    data = b"xx" + ASM + b"yyyy" + ASM
    assert find_asm(data) == [2, 10]


def test_flywheel_tolerates_a_noisy_marker_and_resyncs_after_loss() -> None:
    body = 10
    units = [ASM + bytes([i]) * body for i in range(6)]
    noisy = bytearray(units[2])
    noisy[0] ^= 0x01  # one bit off in the third marker
    lost = b"\x00" * 4 + bytes([3]) * body  # fourth marker gone entirely
    stream = b"junk" + units[0] + units[1] + bytes(noisy) + lost + units[4] + units[5]
    sync = FrameSynchronizer(body, max_bit_errors=1)
    out = []
    for i in range(0, len(stream), 7):
        out += sync.feed(stream[i : i + 7])
    assert [b[0] for _, b in out] == [0, 1, 2, 4, 5]
    assert out[0][0] == 4
    assert sync.sync_losses == 1 and sync.bytes_skipped == 4 + len(lost)
