"""The archive: packets, samples, events, alarms and command history in SQLite; time; export."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from zorka.control.archive import (
    ArchivedPacket,
    CommandRecord,
    CommandStage,
    Event,
    SqliteArchive,
    default_archive_path,
    export_samples,
    unix_s,
)
from zorka.control.decoding import PacketDecoder
from zorka.control.downlink import DownlinkConfig
from zorka.control.encoding import encode_packet
from zorka.control.framesync import ASM
from zorka.control.ingest import TelemetryIngester
from zorka.control.mdb import MissionDatabase, OnboardTime, default_mdb
from zorka.control.timecorrelation import TimeCorrelation
from zorka.control.tmframe import TmFrame

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
RECEIVED = unix_s("2024-06-01T12:00:00Z")


def _timed_mdb() -> MissionDatabase:
    """The BKA database with its CUC time fields declared (epoch 2024-01-01, a 1 ppm slow clock)."""
    onboard = OnboardTime(coarse="OBT_COARSE", fine="OBT_FINE", epoch=EPOCH, rate=1.000001)
    return default_mdb().model_copy(update={"onboard_time": onboard})


def _power(mdb: MissionDatabase, obt_s: float, volts: float, **extra: object) -> bytes:
    values = {
        "OBT_COARSE": int(obt_s),
        "OBT_FINE": round((obt_s % 1) * 65536),
        "BAT_VOLTAGE": volts,
        "BAT_SOC": 90,
        "BAT_TEMP": 20.0,
        **extra,
    }
    return encode_packet(mdb, "hk_power", values)


def _link(mdb: MissionDatabase, obt_s: float) -> bytes:
    values = {"OBT_COARSE": int(obt_s), "OBSW_VERSION": "v1.2", "XBAND_TX_ON": "ON"}
    return encode_packet(mdb, "hk_link", values)


def test_time_correlation_epoch_and_rate() -> None:
    tc = TimeCorrelation(EPOCH, rate=1.000001)
    assert tc.utc(0.0) == EPOCH
    # a clock 1 ppm slow: 10^6 on-board seconds are 10^6 + 1 UTC seconds
    assert tc.unix_s(1e6) == pytest.approx(unix_s(EPOCH) + 1e6 + 1.0, abs=1e-6)
    assert tc.obt_s(tc.utc(123456.5)) == pytest.approx(123456.5, abs=1e-5)
    with pytest.raises(ValueError, match="positive"):
        TimeCorrelation(EPOCH, rate=0.0)


def test_default_archive_lives_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZORKA_DATA_DIR", str(tmp_path / "data"))
    assert default_archive_path() == tmp_path / "data" / "archive.sqlite"
    with SqliteArchive() as archive:
        assert archive.path == tmp_path / "data" / "archive.sqlite"
        (mode,) = archive._db.execute("PRAGMA journal_mode").fetchone()
        assert mode == "wal"


def test_samples_round_trip_with_on_board_time(tmp_path: Path) -> None:
    mdb = _timed_mdb()
    packets = [_power(mdb, 1000.0 + i + 0.5, 28.0 + i / 10) for i in range(10)]
    packets += [_link(mdb, 2000.0)]
    with SqliteArchive(tmp_path / "a.sqlite") as archive:
        ingester = TelemetryIngester(mdb, archive, source="test")
        ingester.ingest_packets(packets, received_unix_s=RECEIVED)
        assert ingester.counts.packets == 11 and ingester.counts.packets_unmatched == 0
        tc = TimeCorrelation(EPOCH, rate=1.000001)
        series = archive.samples("BAT_VOLTAGE", tc.utc(1002.0), tc.utc(1005.0))
        assert len(series) == 3
        np.testing.assert_allclose(series.time_unix_s, tc.unix_s([1002.5, 1003.5, 1004.5]))
        np.testing.assert_allclose(series.eng, [28.2, 28.3, 28.4])
        np.testing.assert_array_equal(series.raw, [28200, 28300, 28400])
        assert series.valid.all() and (series.level == 0).all()
        everything = archive.samples("BAT_VOLTAGE")
        assert len(everything) == 10
        # enumerations keep their labels, booleans their truth, strings their text and bytes
        mode = archive.samples("POWER_MODE")
        assert mode.eng.tolist() == ["NOMINAL"] * 10 and mode.raw.tolist() == [0] * 10
        version = archive.samples("OBSW_VERSION")
        assert version.eng.tolist() == ["v1.2"]
        assert version.raw.tolist() == [b"v1.2\x00\x00\x00\x00"]
        assert archive.samples("XBAND_TX_ON").eng.tolist() == [True]
        rows = list(archive.samples("OBSW_VERSION").rows())
        assert rows[0]["time"].startswith(tc.utc(2000.0).strftime("%Y-%m-%dT%H:%M:%S"))
        assert rows[0]["raw"] == "76312e3200000000"
        with pytest.raises(KeyError, match="did you mean BAT_VOLTAGE"):
            archive.samples("VOLTAGE")


def test_reception_time_without_on_board_time_and_packet_replay(tmp_path: Path) -> None:
    # without an on-board time declared, samples take reception time
    mdb = default_mdb().model_copy(update={"onboard_time": None})
    first = [_power(mdb, 5.0, 28.0), _power(mdb, 6.0, 28.1)]
    second = [_power(mdb, 7.0, 28.2), b"\x00\x01\xc0\x00\x00\x01\xaa\xbb"]  # unmatched
    with SqliteArchive(tmp_path / "a.sqlite") as archive:
        ingester = TelemetryIngester(mdb, archive, source="link-a")
        ingester.ingest_packets(first, received_unix_s=RECEIVED)
        ingester.ingest_packets(second, received_unix_s=np.array([RECEIVED + 10, RECEIVED + 11]))
        assert ingester.counts.packets_unmatched == 1
        series = archive.samples("BAT_VOLTAGE")
        np.testing.assert_array_equal(series.time_unix_s, [RECEIVED, RECEIVED, RECEIVED + 10])
        replay = list(archive.packets(RECEIVED + 5, RECEIVED + 100))
        assert [p.data for p in replay] == second
        assert [p.container for p in replay] == ["hk_power", None]
        assert replay[1].apid == 1 and replay[1].source == "link-a"
        assert replay[0].time == datetime.fromtimestamp(RECEIVED + 10, UTC)
        # a replay decodes again to the archived samples
        (batch,) = PacketDecoder(mdb).decode([p.data for p in archive.packets(apid=100)])
        np.testing.assert_allclose(batch.parameters["BAT_VOLTAGE"].eng, series.eng)
        assert len(list(archive.packets(end=RECEIVED))) == 0  # end is exclusive
        with pytest.raises(ValueError, match="ends"):
            archive.samples("BAT_VOLTAGE", RECEIVED, RECEIVED - 1)


def test_alarms_persist_with_their_lifecycle(tmp_path: Path) -> None:
    mdb = _timed_mdb()
    path = tmp_path / "a.sqlite"
    with SqliteArchive(path) as archive:
        ingester = TelemetryIngester(mdb, archive)
        events = ingester.ingest_packets(
            [_power(mdb, t, v) for t, v in ((10, 28.0), (11, 25.5), (12, 23.0))]
        )
        assert [e.kind for e in events] == ["raised", "updated"]
        assert ingester.counts.alarms_raised == 1
    with SqliteArchive(path) as archive:
        (alarm,) = archive.load_alarms()
        assert (alarm.parameter, alarm.severity, alarm.value) == ("BAT_VOLTAGE", 2, 23.0)
        # a new ingester (another run) continues the same alarm: back in limits, not cleared
        ingester = TelemetryIngester(mdb, archive)
        events = ingester.ingest_packets([_power(mdb, 13, 28.0)])
        assert [e.kind for e in events] == ["returned"]
        history = archive.alarm_history(parameter="BAT_VOLTAGE")
        assert [e.kind for e in history] == ["raised", "updated", "returned"]
        tc = TimeCorrelation.from_database(mdb)
        assert tc is not None and history[0].time_s == pytest.approx(float(tc.unix_s(11.0)))
        assert archive.alarm_history(start=tc.utc(12.5))[0].kind == "returned"


def test_events_commands_and_rollback(tmp_path: Path) -> None:
    with SqliteArchive(tmp_path / "a.sqlite") as archive:
        archive.add_events([Event(20.0, "link", "frame_gap", "2 missing", "warning")])
        archive.add_events([Event(10.0, "ops", "note", "pass start")])
        assert [e.kind for e in archive.events()] == ["note", "frame_gap"]
        assert archive.events(15.0)[0].severity == "warning"
        record = CommandRecord("c1", "SLEW", {"ROLL_DEG": 10.0}, 100.0, b"\x18\xc8", "op")
        archive.add_command(record)
        for t, stage in ((100.0, "queued"), (101.0, "released"), (102.0, "accepted")):
            archive.add_command_stage(CommandStage("c1", t, stage, "ok"))
        archive.add_command_stage(CommandStage("c2", 100.5, "queued", "ok"))
        assert archive.commands() == [record]
        assert [s.stage for s in archive.command_history("c1")] == [
            "queued",
            "released",
            "accepted",
        ]
        assert len(archive.command_history()) == 4
        packet = ArchivedPacket(1.0, 1.0, 100, 0, b"\x00" * 7)
        with pytest.raises(RuntimeError), archive.transaction():
            archive.add_packets([packet])
            archive.set_progress("file", 7)
            raise RuntimeError("crash in the middle")
        assert archive.count_packets() == 0 and archive.progress("file") == 0


def test_export_csv_and_parquet(tmp_path: Path) -> None:
    mdb = _timed_mdb()
    with SqliteArchive(tmp_path / "a.sqlite") as archive:
        TelemetryIngester(mdb, archive).ingest_packets(
            [_power(mdb, t, 28.0, POWER_MODE="SAFE") for t in (1.0, 2.0)]
        )
        out = io.StringIO()
        rows = export_samples(archive, ["BAT_VOLTAGE", "POWER_MODE"], out)
        assert rows == 4
        table = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert table[0] == {
            "time": "2024-01-01T00:00:01.000001Z",
            "parameter": "BAT_VOLTAGE",
            "raw": "28000",
            "eng": "28.0",
            "valid": "1",
            "level": "0",
        }
        assert (table[2]["eng"], table[2]["level"]) == ("SAFE", "1")
        pq = pytest.importorskip("pyarrow.parquet")
        path = tmp_path / "s.parquet"
        assert export_samples(archive, ["BAT_VOLTAGE"], path, format="parquet") == 2
        back = pq.read_table(path).to_pydict()
        assert back["eng"] == [28.0, 28.0] and back["parameter"] == ["BAT_VOLTAGE"] * 2
        assert back["time"][0] == datetime(2024, 1, 1, 0, 0, 1, 1, tzinfo=UTC)
        export_samples(archive, ["BAT_VOLTAGE", "POWER_MODE"], path, format="parquet")
        assert pq.read_table(path).to_pydict()["eng"][2:] == ["SAFE", "SAFE"]


def _tm_cadus(packets: list[bytes], frame_length: int = 223) -> bytes:
    """Packets into TM frames (first header pointers, idle fill) with ASMs: a small downlink."""
    zone = frame_length - 6
    stream = b"".join(packets)
    fill = -len(stream) % zone
    fill += zone if fill < 7 else 0  # one idle packet fills the last frame
    stream += b"\x07\xff\xc0\x00" + (fill - 7).to_bytes(2, "big") + b"\x55" * (fill - 6)
    starts, pos = set(), 0
    for p in packets:
        starts.add(pos)
        pos += len(p)
    starts.add(pos)
    cadus = []
    for count, at in enumerate(range(0, len(stream), zone)):
        first = min((s for s in starts if at <= s < at + zone), default=None)
        fhp = 0x7FF if first is None else first - at
        frame = TmFrame(42, 0, count % 256, count % 256, fhp, stream[at : at + zone])
        cadus.append(ASM + frame.to_bytes())
    return b"".join(cadus)


def test_ingest_files_of_packets_and_of_frames_and_resume(tmp_path: Path) -> None:
    mdb = _timed_mdb()
    packets = [_power(mdb, float(t), 28.0) for t in range(200)]
    packet_file = tmp_path / "packets.bin"
    packet_file.write_bytes(b"".join(packets) + b"\xff\x00\x01")  # junk at the end
    frame_file = tmp_path / "frames.bin"
    frame_file.write_bytes(_tm_cadus(packets[:50]))
    with SqliteArchive(tmp_path / "a.sqlite") as archive:
        ingester = TelemetryIngester(mdb, archive)
        offsets = list(ingester.ingest_file(packet_file, "none", chunk_bytes=1000))
        assert offsets[-1] == packet_file.stat().st_size and len(offsets) > 5
        counts = ingester.counts
        assert (counts.packets, counts.bytes_skipped, counts.samples) == (200, 3, 200 * 25)
        assert archive.progress(str(packet_file.resolve())) == packet_file.stat().st_size
        # the same file again resumes at its end: nothing is archived twice
        again = TelemetryIngester(mdb, archive)
        list(again.ingest_file(packet_file, "none"))
        assert again.counts.packets == 0
        assert archive.count_packets() == 200
        frames = TelemetryIngester(mdb, archive, source="frames")
        config = DownlinkConfig(frame_length=223)
        list(frames.ingest_file(frame_file, "tm", config=config, chunk_bytes=500))
        assert frames.counts.frames == frame_file.stat().st_size // 227
        assert frames.counts.packets == 50 and frames.counts.frames_bad == 0
        assert len(archive.samples("BAT_VOLTAGE")) == 250


def test_ingest_resumes_after_a_piece_that_was_not_committed(tmp_path: Path) -> None:
    mdb = _timed_mdb()
    packets = [_power(mdb, float(t), 28.0) for t in range(60)]
    path = tmp_path / "packets.bin"
    path.write_bytes(b"".join(packets))
    with SqliteArchive(tmp_path / "a.sqlite") as archive:
        run = TelemetryIngester(mdb, archive).ingest_file(path, "none", chunk_bytes=700)
        next(run)
        next(run)
        run.close()  # the process dies here: two pieces committed, the rest never read
        done = archive.count_packets()
        assert 0 < done < 60
        list(TelemetryIngester(mdb, archive).ingest_file(path, "none", chunk_bytes=700))
        times = archive.samples("OBT_COARSE").raw
        assert times.tolist() == list(range(60))  # every packet once, none twice


_KILLED_INGEST = """
import sys
from datetime import UTC, datetime
from zorka.control.archive import SqliteArchive
from zorka.control.ingest import TelemetryIngester
from zorka.control.mdb import OnboardTime, default_mdb
onboard = OnboardTime(coarse="OBT_COARSE", epoch=datetime(2024, 1, 1, tzinfo=UTC))
mdb = default_mdb().model_copy(update={"onboard_time": onboard})
with SqliteArchive(sys.argv[2]) as archive:
    for offset in TelemetryIngester(mdb, archive).ingest_file(sys.argv[1], chunk_bytes=300):
        pass
"""


def test_sigkill_during_ingest_loses_nothing_committed(tmp_path: Path) -> None:
    mdb = _timed_mdb()
    packets = [_power(mdb, float(t), 28.0) for t in range(20000)]
    path = tmp_path / "packets.bin"
    path.write_bytes(b"".join(packets))
    db = tmp_path / "a.sqlite"
    child = subprocess.Popen([sys.executable, "-c", _KILLED_INGEST, str(path), str(db)])
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline and child.poll() is None:
            if db.exists():
                with SqliteArchive(db) as probe:
                    if probe.progress(str(path.resolve())) > 0:
                        break
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"
    with SqliteArchive(db) as archive:
        committed = archive.progress(str(path.resolve()))
        # what was acknowledged (the committed position) is exactly what is there
        assert archive.count_packets() * len(packets[0]) == committed < path.stat().st_size
        list(TelemetryIngester(mdb, archive).ingest_file(path))
        assert archive.samples("OBT_COARSE").raw.tolist() == list(range(20000))
