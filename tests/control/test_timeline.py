"""Command timelines from plans: validated, time-ordered, slews done before imaging, executed.

A real plan (the greedy planner on the embedded mission and the demo requests, 2024-09-05..07)
and small hand-made ones become time-tagged commands checked against the BKA database; the last
test sends a short timeline to the simulator on loopback and waits for every command's
completion report.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import zorka.cli.commands_timeline  # noqa: F401 - registers `zorka commands`
from zorka.cli.app import app
from zorka.control.commanding import CommandEncoder, Commander, UplinkConfig
from zorka.control.downlink import DownlinkDecoder
from zorka.control.links import UdpTcLink, UdpTmLink
from zorka.control.mdb import default_mdb
from zorka.control.timeline import (
    TimedCommand,
    TimelineConventions,
    TimelineError,
    command_timeline,
    held_attitude,
    issue_timeline,
)
from zorka.mission import Mission, default_mission
from zorka.planning.plan import Acquisition, Downlink, Plan
from zorka.planning.requests import RequestSet, demo_requests_path, read_requests
from zorka.planning.resources import slew_angle_deg, slew_time_s
from zorka.simulator import SatelliteSimulator, fleet_simulators
from zorka.simulator.simulator import DEFAULT_DOWNLINK

MDB = default_mdb()
SAT = "Kanopus-V 1"
T0 = datetime(2024, 9, 5, 10, 0, tzinfo=UTC)
runner = CliRunner()


def _acquisition(
    id: str, start: datetime, seconds: float, roll: float, pitch: float = 0.0
) -> Acquisition:
    return Acquisition(
        id=id, satellite=SAT, request=f"r-{id}", kind="point", start=start,
        end=start + timedelta(seconds=seconds), roll_deg=roll, pitch_deg=pitch,
        end_roll_deg=roll, end_pitch_deg=pitch, volume_gbit=0.5,
    )  # fmt: skip


def _downlink(id: str, start: datetime, seconds: float, station: str = "Minsk") -> Downlink:
    return Downlink(
        id=id, satellite=SAT, station=station, start=start,
        end=start + timedelta(seconds=seconds), volume_gbit=1.0, acquisitions=[],
    )  # fmt: skip


def _plan(acquisitions: list[Acquisition], downlinks: list[Downlink] | None = None) -> Plan:
    return Plan(
        mission="by", start=T0 - timedelta(hours=1), end=T0 + timedelta(hours=5), objective=1.0,
        acquisitions=acquisitions, downlinks=downlinks or [], requests=RequestSet(),
    )  # fmt: skip


@pytest.fixture(scope="module")
def mission() -> Mission:
    return default_mission()


@pytest.fixture(scope="module")
def real_plan(mission: Mission) -> Plan:
    from zorka.planning.greedy import plan_requests

    requests, _ = read_requests(demo_requests_path())
    start = datetime(2024, 9, 5, tzinfo=UTC)
    plan = plan_requests(
        mission, requests, start, start + timedelta(days=2), time_limit_s=2.0, seed=0
    )
    assert plan.acquisitions and plan.downlinks, "the demo plan should image and downlink"
    return plan


def _check_timeline(plan: Plan, mission: Mission, commands: list[TimedCommand]) -> None:
    """Validated, encodable, time-ordered, and every slew done (settled) before its image."""
    agility = mission.satellites[0].agility
    assert agility is not None
    encoder = CommandEncoder(MDB)
    for command in commands:
        assert command.resolved.command.time_taggable
        assert encoder.encode(command.resolved, 0)  # only valid commands encode
    times = [c.time for c in commands]
    assert times == sorted(times)
    by_source: dict[str, dict[str, TimedCommand]] = {}
    for command in commands:
        by_source.setdefault(command.source, {})[command.name] = command
    previous: Acquisition | None = None
    attitude = (0.0, 0.0)
    for acquisition in plan.acquisitions_of(SAT):
        mine = by_source[f"acquisition {acquisition.id}"]
        assert mine["IMAGING_ON"].time == acquisition.start
        assert mine["IMAGING_OFF"].time == acquisition.end
        assert mine["IMAGING_ON"].arguments["DURATION_S"] >= acquisition.duration_s
        held = held_attitude(acquisition)
        angle = slew_angle_deg(*attitude, *held)
        if angle > 1e-6:
            slew = mine["SLEW"]
            args = slew.arguments
            assert (args["ROLL_DEG"], args["PITCH_DEG"]) == pytest.approx(held, abs=1e-6)
            # the commanded turn is no faster than the spacecraft can turn ...
            turn = slew_time_s(angle, agility) - agility.settling_time_s
            assert args["DURATION_S"] >= turn - 1e-3
            # ... ends, settled, by the start of the image, and starts after the last one
            settled = slew.time + timedelta(seconds=args["DURATION_S"] + agility.settling_time_s)
            assert settled <= acquisition.start + timedelta(milliseconds=1)
            if previous is not None:
                assert slew.time >= previous.end
        else:
            assert "SLEW" not in mine
        attitude = held
        previous = acquisition
    for downlink in plan.downlinks:
        mine = by_source[f"downlink {downlink.id}"]
        assert mine["DOWNLINK_ON"].time == downlink.start
        assert mine["DOWNLINK_ON"].arguments["STATION_ID"] == 1  # Minsk, first in the mission
        margin = timedelta(seconds=TimelineConventions().downlink_margin_s)
        assert mine["DOWNLINK_OFF"].time == downlink.end + margin


def test_timeline_of_a_real_plan(real_plan: Plan, mission: Mission) -> None:
    timelines = command_timeline(real_plan, mission)
    assert list(timelines) == [SAT]
    commands = timelines[SAT]
    assert len([c for c in commands if c.name == "IMAGING_ON"]) == len(real_plan.acquisitions)
    assert len([c for c in commands if c.name == "DOWNLINK_OFF"]) == len(real_plan.downlinks)
    _check_timeline(real_plan, mission, commands)


def test_timeline_of_a_hand_made_plan(mission: Mission) -> None:
    plan = _plan(
        [
            _acquisition("a1", T0, 10.0, roll=20.0, pitch=5.0),
            _acquisition("a2", T0 + timedelta(seconds=80), 8.0, roll=-10.0),
            _acquisition("a3", T0 + timedelta(seconds=200), 4.0, roll=-10.0),  # no turn
        ],
        [_downlink("d1", T0 + timedelta(seconds=5), 30.0)],
    )
    (commands,) = command_timeline(plan, mission, databases={SAT: MDB}).values()
    _check_timeline(plan, mission, commands)
    names = [(c.name, c.source.split()[-1]) for c in commands]
    assert names == [
        ("SLEW", "a1"),
        ("IMAGING_ON", "a1"),
        ("DOWNLINK_ON", "d1"),
        ("IMAGING_OFF", "a1"),
        ("SLEW", "a2"),  # 4 s after a1 ends: a 30.4° turn takes 50.4 s, then 15 s settling
        ("DOWNLINK_OFF", "d1"),
        ("IMAGING_ON", "a2"),
        ("IMAGING_OFF", "a2"),
        ("IMAGING_ON", "a3"),
        ("IMAGING_OFF", "a3"),
    ]
    slew = commands[4]
    assert slew.time == T0 + timedelta(seconds=80 - 51 - 15)
    assert slew.arguments["DURATION_S"] == 51
    assert slew.to_dict()["arguments"] == {"ROLL_DEG": -10.0, "PITCH_DEG": 0.0, "DURATION_S": 51}


def test_commands_at_one_instant_end_before_they_start(mission: Mission) -> None:
    plan = _plan(
        [
            _acquisition("a1", T0, 10.0, roll=0.0),
            _acquisition("a2", T0 + timedelta(seconds=10), 5.0, roll=0.0),
        ]
    )
    (commands,) = command_timeline(plan, mission).values()
    assert [c.name for c in commands] == ["IMAGING_ON", "IMAGING_OFF", "IMAGING_ON", "IMAGING_OFF"]
    assert commands[1].source == "acquisition a1" and commands[2].source == "acquisition a2"


def test_errors_name_the_acquisition_or_downlink_and_the_argument(mission: Mission) -> None:
    plan = _plan(
        [
            _acquisition("a1", T0, 10.0, roll=50.0),  # beyond the database's ±45°
            _acquisition("a2", T0 + timedelta(seconds=30), 5.0, roll=-20.0),  # no time to turn
            _acquisition("a3", T0 + timedelta(hours=1), 900.0, roll=0.0),  # too long an image
        ],
        [_downlink("d1", T0, 60.0, station="Atlantis")],
    )
    with pytest.raises(TimelineError) as raised:
        command_timeline(plan, mission)
    issues = raised.value.issues
    assert any(i.startswith("acquisition a1: SLEW: ROLL_DEG = 50.0") for i in issues), issues
    assert any(
        i.startswith("acquisition a2: SLEW: DURATION_S") and "do not fit" in i for i in issues
    ), issues
    assert any(i.startswith("acquisition a3: IMAGING_ON: DURATION_S = 900") for i in issues), issues
    assert any(
        i.startswith("downlink d1: DOWNLINK_ON: STATION_ID") and "Atlantis" in i for i in issues
    ), issues


def test_a_satellite_without_a_database_is_reported(mission: Mission) -> None:
    bare = mission.model_copy(deep=True)
    bare.satellites[0].database = None
    with pytest.raises(TimelineError, match=r"satellites\[0\]\.database"):
        command_timeline(_plan([_acquisition("a1", T0, 5.0, roll=0.0)]), bare)
    # a database given by the caller needs none in the mission
    assert command_timeline(_plan([]), bare, databases={SAT: MDB}) == {}


# -- the command line --------------------------------------------------------------------------


def test_commands_cli_json_and_table(tmp_path: Path, mission: Mission) -> None:
    plan = _plan(
        [_acquisition("a1", T0, 10.0, roll=20.0)], [_downlink("d1", T0 + timedelta(minutes=5), 20)]
    )
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json(), encoding="utf-8")
    result = runner.invoke(app, ["commands", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mission"] == "by"
    rows = data["satellites"][SAT]
    assert [r["command"] for r in rows] == [
        "SLEW", "IMAGING_ON", "IMAGING_OFF", "DOWNLINK_ON", "DOWNLINK_OFF",
    ]  # fmt: skip
    assert rows[1] == {
        "time": "2024-09-05T10:00:00Z", "satellite": SAT, "command": "IMAGING_ON",
        "arguments": {"DURATION_S": 10, "GAIN": "NORMAL", "CHANNELS": "PAN_MS"},
        "source": "acquisition a1", "note": "point for request r-a1, 10.0 s",
    }  # fmt: skip
    assert rows[3]["arguments"] == {"RATE": "R_122_MBPS", "STATION_ID": 1}
    table = runner.invoke(app, ["commands", str(path)])
    assert table.exit_code == 0, table.output
    assert "time-tagged commands" in table.stdout and "DOWNLINK_OFF" in table.stdout


def test_commands_cli_reports_every_problem(tmp_path: Path) -> None:
    plan = _plan([_acquisition("a1", T0, 10.0, roll=50.0)], [_downlink("d1", T0, 5, "Atlantis")])
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json(), encoding="utf-8")
    result = runner.invoke(app, ["commands", str(path)])
    assert result.exit_code == 1
    assert "acquisition a1: SLEW: ROLL_DEG" in result.stderr
    assert "downlink d1: DOWNLINK_ON: STATION_ID" in result.stderr
    missing = runner.invoke(app, ["commands", str(tmp_path / "nope.json")])
    assert missing.exit_code != 0


# -- executed by the simulator -----------------------------------------------------------------

FACTOR = 20.0


@dataclass
class Loop:
    sim: SatelliteSimulator
    commander: Commander


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[Loop]:
    units: queue.Queue[bytes] = queue.Queue()
    downlink = UdpTmLink("downlink", "127.0.0.1", 0, units.put)
    (sim,), problems = fleet_simulators(
        default_mission(), MDB, tm_port=downlink.address[1], tc_port=0, time_factor=FACTOR,
        payload_dir=tmp_path / "payload",
    )  # fmt: skip
    assert not problems
    uplink = UdpTcLink("uplink", "127.0.0.1", sim.tc_port)
    commander = Commander(
        MDB, uplink, UplinkConfig(sim.spacecraft_id), clock=sim.clock.now_unix_s,
        auto_release=True, origin="timeline test",
    )  # fmt: skip
    decoder = DownlinkDecoder(DEFAULT_DOWNLINK)
    stop = threading.Event()

    def receive() -> None:
        while not stop.is_set():
            try:
                unit = units.get(timeout=0.05)
            except queue.Empty:
                continue
            commander.process_packets([p.data for p in decoder.feed_units([unit])])

    worker = threading.Thread(target=receive, daemon=True)
    downlink.start()
    worker.start()
    sim.start()
    try:
        yield Loop(sim, commander)
    finally:
        sim.stop()
        stop.set()
        worker.join(5)
        downlink.close()
        uplink.close()


def test_simulator_executes_a_timeline_with_completion_verification(
    loop: Loop, mission: Mission
) -> None:
    sim, commander = loop.sim, loop.commander
    now = datetime.fromtimestamp(sim.now_unix_s, UTC)
    start = now + timedelta(seconds=80)
    plan = _plan(
        [_acquisition("a1", start, 6.0, roll=10.0)],
        [_downlink("d1", start + timedelta(seconds=10), 10.0)],
    )
    (commands,) = command_timeline(plan, mission).values()
    assert [c.name for c in commands] == [
        "SLEW", "IMAGING_ON", "IMAGING_OFF", "DOWNLINK_ON", "DOWNLINK_OFF",
    ]  # fmt: skip
    assert commands[0].time > now  # the first command is still to come when it goes up
    wrappers = issue_timeline(commander, commands)
    for wrapper in wrappers:
        done = commander.wait(wrapper.command_id, timeout_s=10)
        assert done.status == "completed", f"{done.name}: {done.message}"
    for wrapper, command in zip(wrappers, commands, strict=True):
        inner = wrapper.carried
        assert inner is not None and inner.name == command.name
        # the last one runs 100 simulated seconds from now: 5 s of wall time
        done = commander.wait(inner.command_id, timeout_s=30)
        assert done.status == "completed", f"{done.name}: {done.message}"
        assert inner.execute_unix_s == pytest.approx(command.time.timestamp())
    (acquisition,) = sim.model.acquisitions
    assert abs((acquisition.start - start).total_seconds()) <= 1.0
    assert acquisition.roll_deg == pytest.approx(10.0)  # slewed and settled before imaging
    assert sim.counts.commands_failed == 0 and not sim.model.xband_on
