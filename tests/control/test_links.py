"""Links on loopback (127.0.0.1 only) and file replay."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from zorka.control.downlink import DownlinkConfig, DownlinkDecoder
from zorka.control.hexdump import read_hex_dump
from zorka.control.links import (
    FileReplayLink,
    LinkStatus,
    TcpTcLink,
    TcpTmLink,
    UdpTcLink,
    UdpTmLink,
)
from zorka.control.spacepacket import PusTm

HOST = "127.0.0.1"


def _until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _packets(n: int) -> list[bytes]:
    return [
        bytes(
            PusTm(
                service=3,
                message_subtype=25,
                apid=7,
                seq_count=i,
                timestamp=bytes(7),
                source_data=bytes(i),
            ).pack()
        )
        for i in range(n)
    ]


def test_tcp_tm_link_cuts_packets_and_reconnects() -> None:
    server = socket.create_server((HOST, 0))
    port = server.getsockname()[1]
    received: list[bytes] = []
    link = TcpTmLink("tm", HOST, port, received.append, reconnect_s=0.05)
    assert link.status is LinkStatus.UNAVAILABLE
    link.start()
    packets = _packets(30)
    try:
        for round_ in range(2):  # the second round needs a reconnection
            conn, _ = server.accept()
            with conn:
                stream = b"".join(packets)
                for i in range(0, len(stream), 13):  # arbitrary TCP segmentation
                    conn.sendall(stream[i : i + 13])
                assert _until(lambda r=round_: len(received) == 30 * (r + 1))
                assert link.status is LinkStatus.OK
        assert received == packets + packets
        assert link.data_in_count == 60
        server.close()  # the link may have connected again already; with no server it cannot
        assert _until(lambda: link.status is LinkStatus.UNAVAILABLE)
    finally:
        link.close()
        server.close()


def test_udp_links_and_disable() -> None:
    received: list[bytes] = []
    rx = UdpTmLink("rx", HOST, 0, received.append)
    rx.start()
    tx = UdpTcLink("tx", *rx.address)
    try:
        assert tx.send(b"one") and tx.send(b"two")
        assert _until(lambda: len(received) == 2)
        rx.disable()
        assert rx.status is LinkStatus.DISABLED
        tx.send(b"dropped")
        assert _until(lambda: rx.data_dropped_count == 1)
        tx.disable()
        assert not tx.send(b"refused") and tx.data_out_count == 3
        tx.enable()
        rx.enable()
        tx.send(b"three")
        assert _until(lambda: received[-1:] == [b"three"])
        assert b"dropped" not in received
    finally:
        rx.close()
        tx.close()


def test_tcp_tc_link_sends_and_reports_unavailable_peer() -> None:
    server = socket.create_server((HOST, 0))
    port = server.getsockname()[1]
    got = bytearray()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(4096):
                got.extend(chunk)

    thread = threading.Thread(target=serve)
    thread.start()
    link = TcpTcLink("tc", HOST, port)
    assert link.send(b"\xeb\x90cltu") and link.status is LinkStatus.OK
    link.close()
    thread.join(5)
    server.close()
    assert bytes(got) == b"\xeb\x90cltu"
    dead = TcpTcLink("tc", HOST, port, timeout_s=0.5)
    assert not dead.send(b"x") and dead.errors == 1
    assert dead.status is LinkStatus.UNAVAILABLE


def test_file_replay_feeds_the_downlink_decoder(dariol83: Path, tmp_path: Path) -> None:
    units = read_hex_dump(dariol83 / "dumpFile_tm_1.hex")
    recording = tmp_path / "pass.bin"
    recording.write_bytes(b"".join(units))
    decoder = DownlinkDecoder(DownlinkConfig(rs_interleave=5, rs_check=False))
    link = FileReplayLink("replay", recording, decoder.feed, unit_length=len(units[0]))
    link.start()
    assert link.wait(10)
    assert link.data_in_count == 152 and decoder.stats.packets == 613
    assert link.status is LinkStatus.UNAVAILABLE


def test_failing_sink_is_counted_not_fatal() -> None:
    seen: list[bytes] = []

    def sink(unit: bytes) -> None:
        if unit == b"bad":
            raise ValueError("corrupt")
        seen.append(unit)

    link = FileReplayLink("replay", [b"a", b"bad", b"b"], sink, rate_hz=200)
    link.start()
    assert link.wait(5)
    assert seen == [b"a", b"b"] and link.errors == 1 and link.data_in_count == 3
    assert link.status is not LinkStatus.FAILED
    link.reset_counters()
    assert link.data_in_count == 0
