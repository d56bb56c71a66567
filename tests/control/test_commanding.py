"""Commanding: validation, PUS-C encoding, uplink wrapping, and verification by stages.

The end-to-end tests send CLTUs over UDP on 127.0.0.1 to a tiny fake spacecraft (in this file;
the real simulator is a later piece) that answers with PUS service 1 reports in TM packets.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from zorka.control.archive import SqliteArchive
from zorka.control.cltu import decode_cltu
from zorka.control.commanding import (
    CommandEncoder,
    Commander,
    CommandError,
    UplinkConfig,
    validate_command,
)
from zorka.control.encoding import encode_packet
from zorka.control.links import UdpTcLink, UdpTmLink
from zorka.control.mdb import MissionDatabase, default_mdb, dump_mdb, parse_mdb
from zorka.control.spacepacket import PusTc
from zorka.control.tcframe import TcFrame
from zorka.control.timecorrelation import TimeCorrelation

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC).timestamp()
SPACECRAFT_ID = 0x2A


def _mdb() -> MissionDatabase:
    """BKA with a start-of-execution verifier and its on-board time declared."""
    data = yaml.safe_load(dump_mdb(default_mdb()))
    (pus_tc,) = [c for c in data["commands"] if c["name"] == "PUS_TC"]
    pus_tc["verifiers"].insert(1, {"stage": "started", "container": "pus1_started", "stop_s": 30})
    data["onboard_time"] = {"coarse": "OBT_COARSE", "fine": "OBT_FINE", "epoch": "2024-01-01"}
    return parse_mdb(data)


MDB = _mdb()


# -- validation and encoding -------------------------------------------------------------------


def test_validation_fills_defaults_and_assignments() -> None:
    resolved = validate_command(MDB, "SLEW", {"ROLL_DEG": 10.5})
    assert resolved.values == {
        "APID": 200, "ACK_FLAGS": 9, "SERVICE": 8, "SUBTYPE": 1, "SOURCE_ID": 1,
        "FUNCTION_ID": 10, "ROLL_DEG": 10.5, "PITCH_DEG": 0.0, "DURATION_S": 60,
    }  # fmt: skip
    assert [v.stage for v in resolved.verifiers()] == [
        "accepted",
        "started",
        "failed",
        "completed",
        "failed",
    ]


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("SLEW", {"ROLL_DEG": 60.0}, "ROLL_DEG = 60.0 is outside its range -45 to 45 deg"),
        ("SLEW", {"DURATION_S": 5}, "DURATION_S = 5 is outside its range 10 to 300 s"),
        ("SLEW", {"DURATION_S": 20.5}, "DURATION_S = 20.5 is not a whole number"),
        ("SLEW", {"ROLL_DEG": "ten"}, "ROLL_DEG = 'ten' is not a number"),
        ("SLEW", {"ROLL_DEG": True}, "ROLL_DEG = True is not a number"),
        ("SLEW", {"FUNCTION_ID": 11}, "FUNCTION_ID is fixed to 10 by the command"),
        ("SLEW", {"YAW_DEG": 1.0}, "unknown argument(s) YAW_DEG"),
        ("SLEW", {"SOURCE_ID": 70000}, "SOURCE_ID = 70000: 70000 does not fit in 16 unsigned bits"),
        ("IMAGING_ON", {}, "DURATION_S is required (integer from 1 to 600 s)"),
        ("IMAGING_ON", {"DURATION_S": 10, "GAIN": "MAX"}, "GAIN = 'MAX' is not one of LOW, NORMAL"),
        ("BKA_FUNCTION", {}, "an abstract command cannot be sent"),
        ("SLEWING", {}, "no such command in the database BKA"),
        ("slew", {}, "did you mean SLEW"),
    ],
)  # fmt: skip
def test_validation_refuses_with_argument_value_and_rule(
    name: str, arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(CommandError) as info:
        validate_command(MDB, name, arguments)
    assert message in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(CommandError) as info:
        validate_command(MDB, "DOWNLINK_ON", {"RATE": "FAST", "STATION_ID": 0})
    assert len(info.value.issues) == 2


def test_pus_packet_from_spacepackets_matches_the_database_layout() -> None:
    resolved = validate_command(MDB, "SLEW", {"ROLL_DEG": -12.5, "PITCH_DEG": 3.0})
    encoder = CommandEncoder(MDB)
    packet = encoder.encode(resolved, sequence_count=77)
    tc = PusTc.unpack(packet)  # checks the CRC too
    assert (tc.apid, tc.service, tc.message_subtype) == (200, 8, 1)
    assert (tc.seq_count, tc.source_id) == (77, 1)
    assert tc.app_data == struct.pack(">HffH", 10, -12.5, 3.0, 60)
    # the database's own layout gives the same bytes, less what only the sender fills in
    from_entries = bytearray(encoder.encode_entries(resolved))
    from_entries[2:6] = packet[2:6]  # sequence count and length
    assert bytes(from_entries) == packet[:-2]
    bare = CommandEncoder(MDB, checksum=False).encode(resolved, 77)
    assert bare[:4] + bare[6:] == packet[:4] + packet[6:-2]
    assert int.from_bytes(bare[4:6], "big") == len(bare) - 7


def test_uplink_wrapping_round_trips() -> None:
    packet = CommandEncoder(MDB).encode(validate_command(MDB, "IMAGING_OFF"), 1)
    for config in (UplinkConfig(SPACECRAFT_ID), UplinkConfig(7, 2, None, False, True)):
        cltu = config.cltu(packet, 5)
        data = decode_cltu(cltu, derandomize=config.randomize).data
        frame = TcFrame.from_bytes(
            data, has_segment_header=config.map_id is not None, has_fecf=config.fecf
        )
        assert frame.data == packet and frame.spacecraft_id == config.spacecraft_id
        assert frame.bypass_flag and frame.frame_sequence_number == 5


# -- a fake spacecraft on loopback ----------------------------------------------------------------


@dataclass
class FakeSpacecraft:
    """Receives CLTUs on UDP and answers with PUS-1 reports; keeps a PUS-11 schedule.

    Behaviour by PUS-8 function ID: 30 with station 13 is rejected (illegal argument), 40 starts
    and fails, 21 is lost (no answer at all); anything else is accepted, started and completed,
    each report only when the command's ack flags ask for it.
    """

    mdb: MissionDatabase
    tm_port: int
    received: list[PusTc] = field(default_factory=list)
    schedule: list[tuple[float, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.05)
        self.port = self.socket.getsockname()[1]
        self.tm = UdpTcLink("spacecraft-tm", "127.0.0.1", self.tm_port)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeSpacecraft:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()
        self.tm.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                cltu = self.socket.recv(65536)
            except TimeoutError:
                continue
            frame = TcFrame.from_bytes(
                decode_cltu(cltu).data, has_segment_header=True, has_fecf=True
            )
            self.execute(frame.data)

    def report(self, container: str, packet: bytes, **extra: object) -> None:
        request = {
            "TC_PACKET_ID": int.from_bytes(packet[0:2], "big"),
            "TC_SEQUENCE": int.from_bytes(packet[2:4], "big"),
        }
        self.tm.send(encode_packet(self.mdb, container, {**request, **extra}))

    def execute(self, packet: bytes) -> None:
        tc = PusTc.unpack(packet)
        self.received.append(tc)
        flags = packet[6] & 0x0F
        function = int.from_bytes(tc.app_data[:2], "big") if tc.service == 8 else None
        if function == 21:
            return  # lost on the way
        if function == 30 and tc.app_data[3] == 13:
            self.report("pus1_rejected", packet, TC_FAILURE_CODE="ILLEGAL_ARGUMENT")
            return
        if flags & 0b1000:
            self.report("pus1_accepted", packet)
        if tc.service == 11 and tc.message_subtype == 4:
            coarse, fine, size = struct.unpack(">IHH", tc.app_data[1:9])
            self.schedule.append((coarse + fine / 65536, tc.app_data[9 : 9 + size]))
        if flags & 0b0100:
            self.report("pus1_started", packet)
        if function == 40:
            self.report("pus1_failed", packet, TC_FAILURE_CODE="EXECUTION_FAILED")
        elif flags & 0b0001:
            self.report("pus1_completed", packet)

    def run_schedule(self) -> None:
        """Execute the stored commands (their on-board time has come)."""
        for _, packet in sorted(self.schedule):
            self.execute(packet)
        self.schedule.clear()


class Clock:
    """A clock the test moves by hand, for timeouts without waiting."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


Loop = tuple[Commander, FakeSpacecraft, SqliteArchive, Clock]


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[Loop]:
    clock = Clock()
    archive = SqliteArchive(tmp_path / "a.sqlite")
    holder: list[Commander] = []
    downlink = UdpTmLink("downlink", "127.0.0.1", 0, lambda unit: holder[0].process_packets([unit]))
    with FakeSpacecraft(MDB, downlink.address[1]) as spacecraft:
        uplink = UdpTcLink("uplink", "127.0.0.1", spacecraft.port)
        commander = Commander(
            MDB, uplink, UplinkConfig(SPACECRAFT_ID), archive=archive, clock=clock, origin="test"
        )
        holder.append(commander)
        downlink.start()
        try:
            yield commander, spacecraft, archive, clock
        finally:
            downlink.close()
            uplink.close()
            archive.close()


def _history(archive: SqliteArchive, command_id: str) -> list[tuple[str, str]]:
    return [(s.stage, s.status) for s in archive.command_history(command_id)]


def test_command_is_queued_released_sent_and_verified_by_stages(loop: Loop) -> None:
    commander, spacecraft, archive, _ = loop
    command = commander.issue("SLEW", {"ROLL_DEG": 10.0, "ACK_FLAGS": 15})
    assert command.status == "queued" and commander.queue == [command.command_id]
    assert commander.release(command.command_id)
    done = commander.wait(command.command_id, timeout_s=5)
    assert done.status == "completed", done.message
    assert [(s.verifier.stage, s.status) for s in done.stages] == [
        ("accepted", "ok"), ("started", "ok"), ("failed", "cancelled"), ("completed", "ok"),
        ("failed", "cancelled"),
    ]  # fmt: skip
    assert _history(archive, command.command_id) == [
        ("queued", "ok"), ("released", "ok"), ("sent", "ok"), ("accepted", "ok"),
        ("started", "ok"), ("completed", "ok"), ("result", "completed"),
    ]  # fmt: skip
    (record,) = archive.commands()
    assert record.name == "SLEW" and record.binary == command.packet
    assert record.arguments["ROLL_DEG"] == 10.0 and record.origin == "test"
    # default ack flags (acceptance and completion): no start report is asked for or awaited
    second = commander.issue("SLEW", {"ROLL_DEG": 10.0})
    commander.release_all()
    assert commander.wait(second.command_id, timeout_s=5).status == "completed"
    assert second.stage("started") is None
    assert spacecraft.received[1].seq_count == spacecraft.received[0].seq_count + 1


def test_rejected_failed_lost_and_unsendable_commands(loop: Loop) -> None:
    commander, _, archive, clock = loop
    commander.auto_release = True
    rejected = commander.issue("DOWNLINK_ON", {"STATION_ID": 13})
    commander.wait(rejected.command_id, timeout_s=5)
    assert rejected.status == "failed"
    assert rejected.message == "pus1_rejected: ILLEGAL_ARGUMENT"
    with pytest.raises(CommandError, match="needs confirmation"):
        commander.issue("SET_POWER_MODE", {"MODE": "SAFE"})
    failed = commander.issue("SET_POWER_MODE", {"MODE": "SAFE", "ACK_FLAGS": 15}, confirmed=True)
    commander.wait(failed.command_id, timeout_s=5)
    assert (failed.status, failed.message) == ("failed", "pus1_failed: EXECUTION_FAILED")
    assert ("started", "ok") in _history(archive, failed.command_id)

    lost = commander.issue("IMAGING_OFF")
    assert commander.check_timeouts() == []
    clock.now += 10.5  # past the acceptance window
    assert commander.check_timeouts() == [lost]
    assert (lost.status, lost.message) == ("timeout", "no accepted report within 10 s")
    assert _history(archive, lost.command_id)[-2:] == [
        ("accepted", "timeout"),
        ("result", "timeout"),
    ]

    commander.link.disable()
    unsent = commander.issue("IMAGING_OFF")
    assert unsent.status == "failed" and "disabled" in unsent.message
    assert ("sent", "failed") in _history(archive, unsent.command_id)
    commander.auto_release = False
    cancelled = commander.issue("IMAGING_OFF")
    commander.cancel(cancelled.command_id)
    assert cancelled.status == "cancelled" and commander.queue == []


def test_time_tagged_command_runs_on_board_at_its_time(loop: Loop) -> None:
    commander, spacecraft, archive, clock = loop
    execute_at = datetime(2024, 6, 1, 12, 30, 0, 250000, tzinfo=UTC)
    wrapper = commander.issue("IMAGING_ON", {"DURATION_S": 30}, execute_at=execute_at)
    inner = wrapper.carried
    assert inner is not None and inner.status == "scheduled"
    commander.release(wrapper.command_id)
    assert commander.wait(wrapper.command_id, timeout_s=5).status == "completed"
    ((obt, packet),) = spacecraft.schedule
    assert packet == inner.packet
    assert obt == pytest.approx(TimeCorrelation(EPOCH).obt_s(execute_at), abs=1 / 65536)
    # nothing can time out before the command's on-board time
    clock.now = execute_at.timestamp() - 1
    assert commander.check_timeouts() == [] and inner.status == "scheduled"
    spacecraft.run_schedule()
    assert commander.wait(inner.command_id, timeout_s=5).status == "completed"
    assert _history(archive, inner.command_id) == [
        ("scheduled", "ok"), ("accepted", "ok"), ("completed", "ok"), ("result", "completed"),
    ]  # fmt: skip
    records = {r.name: r for r in archive.commands()}
    assert records["IMAGING_ON"].release_unix_s == execute_at.timestamp()
    assert records["TIME_TAGGED"].arguments["TC_PACKET"] == inner.packet.hex()
    with pytest.raises(CommandError, match="cannot be time-tagged"):
        commander.issue("SET_POWER_MODE", {"MODE": "SAFE"}, execute_at=execute_at, confirmed=True)


def test_a_rejected_time_tag_cancels_the_command_it_carries(loop: Loop) -> None:
    commander, spacecraft, archive, _ = loop
    spacecraft.execute = lambda packet: spacecraft.report(  # type: ignore[method-assign]
        "pus1_rejected", packet, TC_FAILURE_CODE="WRONG_MODE"
    )
    wrapper = commander.issue("IMAGING_OFF", execute_at="2024-06-01T13:00:00Z")
    commander.release(wrapper.command_id)
    assert commander.wait(wrapper.command_id, timeout_s=5).status == "failed"
    assert wrapper.carried is not None and wrapper.carried.status == "cancelled"
    assert _history(archive, wrapper.carried.command_id)[-1] == ("result", "cancelled")
