"""The simulator: its model alone, then end to end with the control side on 127.0.0.1.

The end-to-end test runs the embedded mission's satellite (Kanopus-V 1, real TLE) 20 times
faster than real time, commands a short timeline through :class:`Commander` (one command
time-tagged), ingests its telemetry into an archive with limit checks, and injects each fault.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import zorka.cli.simulate
import zorka.cli.tm  # noqa: F401 - registers the commands on the app
from zorka.cli.app import app
from zorka.control.alarms import AlarmEvent
from zorka.control.archive import SqliteArchive
from zorka.control.commanding import Commander, UplinkConfig
from zorka.control.downlink import DownlinkDecoder
from zorka.control.ingest import TelemetryIngester
from zorka.control.links import UdpTcLink, UdpTmLink
from zorka.control.mdb import default_mdb
from zorka.mission.defaults import default_mission
from zorka.simulator import SatelliteSimulator, SpacecraftModel, fleet_simulators
from zorka.simulator.simulator import DEFAULT_DOWNLINK
from zorka.simulator.spacecraft import CommandRefusedError

MDB = default_mdb()
FACTOR = 20.0
runner = CliRunner()


# -- the model alone ---------------------------------------------------------------------------


def _steps(model: SpacecraftModel, seconds: int, *, sunlit: bool) -> None:
    start = datetime(2024, 9, 5, tzinfo=UTC).timestamp()
    r, v = np.array([7000.0, 0, 0]), np.array([0, 7.5, 0])
    for i in range(seconds):
        model.step(datetime.fromtimestamp(start + i + 1, UTC), 1.0, sunlit, r, v)


def test_battery_drains_in_eclipse_and_charges_in_sunlight() -> None:
    model = SpacecraftModel("sat")
    start = model.battery_wh
    _steps(model, 600, sunlit=False)
    assert model.battery_wh == pytest.approx(start - 150 * 600 / 3600)
    power = model.housekeeping()["hk_power"]
    assert power["BAT_CURRENT"] < 0 and power["HEATER_BAT_ON"] is True
    _steps(model, 60, sunlit=True)
    assert model.housekeeping()["hk_power"]["BAT_CURRENT"] > 0


def test_imaging_fills_memory_and_downlink_drains_it() -> None:
    model = SpacecraftModel("sat")
    utc = datetime(2024, 9, 5, tzinfo=UTC)
    model.execute("IMAGING_ON", {"DURATION_S": 10, "GAIN": "HIGH"}, utc)
    _steps(model, 12, sunlit=True)
    assert model.camera == "STANDBY" and model.memory_used_mbit == pytest.approx(1228.8)
    (acquisition,) = model.acquisitions
    assert acquisition.gain == "HIGH" and len(acquisition.data) == 2 * 256 * 80
    model.execute("DOWNLINK_ON", {"RATE": "R_61_MBPS", "STATION_ID": 1}, utc)
    _steps(model, 30, sunlit=True)
    assert model.memory_used_mbit == 0 and acquisition.downlinked
    assert model.housekeeping()["hk_memory"]["MEM_FILES"] == 0


def test_slew_turns_through_slew_mode_to_target_pointing() -> None:
    model = SpacecraftModel("sat")
    model.execute("SLEW", {"ROLL_DEG": 20.0, "PITCH_DEG": 0.0, "DURATION_S": 40}, datetime.now(UTC))
    _steps(model, 10, sunlit=True)
    assert model.adcs_mode == "SLEW" and model.rates_deg_s[0] == pytest.approx(0.5)
    _steps(model, 30, sunlit=True)
    assert model.adcs_mode == "TARGET_POINTING" and model.roll_deg == 20.0
    q = np.array(model.quaternion())
    assert np.linalg.norm(q) == pytest.approx(1.0)


def test_commands_refused_in_the_wrong_mode() -> None:
    model = SpacecraftModel("sat")
    model.execute("SET_POWER_MODE", {"MODE": "SAFE"}, datetime.now(UTC))
    with pytest.raises(CommandRefusedError) as refused:
        model.execute("IMAGING_ON", {"DURATION_S": 10}, datetime.now(UTC))
    assert refused.value.code == "WRONG_MODE"
    with pytest.raises(ValueError, match="unknown fault"):
        model.inject("meteorite")


# -- end to end on loopback --------------------------------------------------------------------


@dataclass
class Ground:
    """The control side: uplink, commander, downlink decoder, ingester, archive."""

    sim: SatelliteSimulator
    commander: Commander
    archive: SqliteArchive
    ingester: TelemetryIngester
    events: list[AlarmEvent]

    def wait_for(self, predicate: object, timeout_s: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if callable(predicate) and predicate():
                return True
            time.sleep(0.05)
        return False

    def raised(self, parameter: str) -> list[AlarmEvent]:
        return [e for e in self.events if e.parameter == parameter and e.kind == "raised"]


@pytest.fixture
def ground(tmp_path: Path) -> Iterator[Ground]:
    units: queue.Queue[bytes] = queue.Queue()
    downlink = UdpTmLink("downlink", "127.0.0.1", 0, units.put)
    (sim,), problems = fleet_simulators(
        default_mission(), MDB, tm_port=downlink.address[1], tc_port=0, time_factor=FACTOR,
        payload_dir=tmp_path / "payload",
    )  # fmt: skip
    assert not problems
    archive = SqliteArchive(tmp_path / "archive.sqlite")
    uplink = UdpTcLink("uplink", "127.0.0.1", sim.tc_port)
    commander = Commander(
        MDB, uplink, UplinkConfig(sim.spacecraft_id), archive=archive,
        clock=sim.clock.now_unix_s, auto_release=True, origin="test",
    )  # fmt: skip
    ingester = TelemetryIngester(MDB, archive, source="loopback")
    events: list[AlarmEvent] = []
    decoder = DownlinkDecoder(DEFAULT_DOWNLINK)
    stop = threading.Event()

    def receive() -> None:  # the ground's processing thread
        while not stop.is_set():
            try:
                unit = units.get(timeout=0.05)
            except queue.Empty:
                continue
            packets = [p.data for p in decoder.feed_units([unit])]
            commander.process_packets(packets)
            events.extend(ingester.ingest_packets(packets, received_unix_s=sim.now_unix_s))

    worker = threading.Thread(target=receive, daemon=True)
    downlink.start()
    worker.start()
    sim.start()
    try:
        result = Ground(sim, commander, archive, ingester, events)
        # command only once the spacecraft is heard: on a busy machine its loop may start late
        assert result.wait_for(lambda: ingester.counts.packets > 0, timeout_s=30.0)
        yield result
    finally:
        sim.stop()
        stop.set()
        worker.join(5)
        downlink.close()
        uplink.close()
        archive.close()
    assert decoder.stats.frames_invalid == 0 and decoder.stats.packet_sequence_errors == 0


def test_timeline_executes_with_completion_verification(ground: Ground, tmp_path: Path) -> None:
    sim, commander = ground.sim, ground.commander
    soon = datetime.fromtimestamp(sim.now_unix_s + 40, UTC)
    timeline = [
        commander.issue("SLEW", {"ROLL_DEG": 15.0, "DURATION_S": 20}),
        commander.issue("IMAGING_ON", {"DURATION_S": 10, "GAIN": "LOW"}, execute_at=soon),
        commander.issue("DOWNLINK_ON", {"STATION_ID": 2}),
    ]
    for command in timeline:
        done = commander.wait(command.command_id, timeout_s=10)
        assert done.status == "completed", f"{done.name}: {done.message}"
    inner = timeline[1].carried
    assert inner is not None
    done = commander.wait(inner.command_id, timeout_s=10)
    assert done.status == "completed", done.message
    stages = [(s.stage, s.status) for s in ground.archive.command_history(inner.command_id)]
    assert ("accepted", "ok") in stages and ("completed", "ok") in stages
    # it ran on board at its time: the acquisition starts within a step of the tag
    assert ground.wait_for(lambda: sim.model.acquisitions and sim.model.acquisitions[0].data)
    acquisition = sim.model.acquisitions[0]
    assert abs((acquisition.start - soon).total_seconds()) <= 1.0
    # the simulator writes the raw file a step after the data is complete
    raw = tmp_path / "payload" / "Kanopus-V_1_0001.raw"
    assert ground.wait_for(lambda: raw.exists() and raw.stat().st_size == len(acquisition.data))
    # the housekeeping tells the same story, with on-board times in simulated UTC
    assert ground.wait_for(lambda: len(ground.archive.samples("IMAGES_TAKEN")) > 0)
    series = ground.archive.samples("ADCS_MODE")
    assert "TARGET_POINTING" in set(series.eng.tolist())
    assert abs(float(series.time_unix_s[-1]) - sim.now_unix_s) < 5 * FACTOR
    assert sim.model.tc_accepted == 4 and sim.counts.commands_failed == 0
    assert not ground.events  # a nominal timeline raises no alarm


def test_injected_faults_raise_the_right_alarms(ground: Ground) -> None:
    sim = ground.sim
    sim.inject("battery_undervoltage")
    assert ground.wait_for(lambda: ground.raised("BAT_VOLTAGE"))
    (event,) = ground.raised("BAT_VOLTAGE")
    assert event.severity == "critical" and event.value < 24.0
    sim.inject("stuck_wheel", wheel=2)
    assert ground.wait_for(lambda: any(e.level == 2 for e in ground.raised("RATE_Y")) or any(
        e.parameter == "RATE_Y" and e.kind == "updated" and e.level == 2 for e in ground.events
    ))  # fmt: skip
    assert ground.raised("RW2_SPEED") == []  # a seized wheel reads 0 rpm: in limits
    assert {e.parameter for e in ground.events if e.kind == "raised"} == {"BAT_VOLTAGE", "RATE_Y"}
    stored = {a.parameter for a in ground.archive.load_alarms()}
    assert stored == {"BAT_VOLTAGE", "RATE_Y"}


def test_a_lost_command_times_out(ground: Ground) -> None:
    ground.sim.inject("lost_command")
    lost = ground.commander.issue("IMAGING_OFF")
    assert ground.wait_for(lambda: ground.sim.counts.tc_lost == 1)
    done = ground.commander.wait(lost.command_id, timeout_s=5)  # 10 s on board: 0.5 s here
    assert done.status == "timeout" and "no accepted report" in done.message
    again = ground.commander.issue("IMAGING_OFF")
    assert ground.commander.wait(again.command_id, timeout_s=5).status == "completed"


def test_a_command_for_another_spacecraft_is_ignored(ground: Ground) -> None:
    other = UplinkConfig(ground.sim.spacecraft_id + 1)
    with UdpTcLink("wrong", "127.0.0.1", ground.sim.tc_port) as link:
        assert isinstance(link, UdpTcLink)
        link.send(other.cltu(b"\x18\xc8\xc0\x00\x00\x01\x29\x08\x01\x00\x01", 0))
        link.send(b"not a CLTU")
    assert ground.wait_for(lambda: ground.sim.counts.tc_bad == 2)


# -- the command line -------------------------------------------------------------------------


def test_simulate_and_ingest_link_cli(tmp_path: Path) -> None:
    with UdpTmLink("probe", "127.0.0.1", 0, lambda unit: None) as probe:
        assert isinstance(probe, UdpTmLink)
        tm_port = probe.address[1]
    # the simulator in a thread of this process, the live ingest on the command line
    (sim,), _ = fleet_simulators(
        default_mission(), MDB, tm_port=tm_port, tc_port=0, time_factor=FACTOR
    )
    sim.inject("battery_undervoltage", after_s=20)
    result_box: list[object] = []

    args = [
        "tm", "ingest", "--link", f"udp://127.0.0.1:{tm_port}", "--frames", "tm",
        "--derandomize", "--rs-interleave", "5", "--duration", "3",
        "--archive", str(tmp_path / "live.sqlite"), "--format", "json",
    ]  # fmt: skip

    def ingest() -> None:
        result_box.append(runner.invoke(app, args))

    thread = threading.Thread(target=ingest)
    thread.start()
    time.sleep(0.3)  # let the ingest bind its port
    with sim:
        thread.join(15)
    result = result_box[0]
    assert getattr(result, "exit_code", None) == 0, getattr(result, "output", "")
    report = json.loads(getattr(result, "stdout", ""))
    assert report["counts"]["packets"] > 100 and report["counts"]["frames_bad"] == 0
    assert report["values"]["POWER_MODE"] == "NOMINAL"
    assert [a["parameter"] for a in report["alarms"]] == ["BAT_VOLTAGE"]


def test_simulate_cli_runs_and_reports() -> None:
    result = runner.invoke(
        app,
        ["simulate", "--time-factor", "50", "--duration", "20", "--tm-port", "0", "--tc-port",
         "0", "--fault", "stuck_wheel@5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "zorka tm ingest --link udp://127.0.0.1:" in result.output
    assert "Kanopus-V 1:" in result.output and "steps" in result.output
    bad = runner.invoke(app, ["simulate", "--fault", "gremlins"])
    assert bad.exit_code == 1 and "battery_undervoltage" in bad.output


def test_ingest_link_refuses_other_hosts() -> None:
    result = runner.invoke(app, ["tm", "ingest", "--link", "udp://10.0.0.1:5000"])
    assert result.exit_code == 1 and "loopback" in result.output
