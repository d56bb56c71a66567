"""Limit alarms: raise, update, return to normal, acknowledge, clear, shelve."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zorka.control.alarms import AlarmServer
from zorka.control.decoding import PacketDecoder
from zorka.control.encoding import encode_packet
from zorka.control.mdb import default_mdb


def _power(voltages: list[float], modes: list[str] | None = None) -> list[bytes]:
    mdb = default_mdb()
    modes = modes or ["NOMINAL"] * len(voltages)
    return [
        encode_packet(mdb, "hk_power", {"BAT_VOLTAGE": v, "BAT_SOC": 90, "POWER_MODE": m,
                                        "BAT_TEMP": 20.0})
        for v, m in zip(voltages, modes, strict=True)
    ]  # fmt: skip


def test_alarm_lifecycle() -> None:
    decoder = PacketDecoder(default_mdb())
    server = AlarmServer()
    # 28 V normal, 25.5 V warning, 23 V critical, back to normal
    (batch,) = decoder.decode(_power([28.0, 25.5, 23.0, 28.0]))
    times = np.array([0.0, 1.0, 2.0, 3.0])
    events = [e for e in server.process(batch, times) if e.parameter == "BAT_VOLTAGE"]
    assert [(e.kind, e.severity, e.time_s) for e in events] == [
        ("raised", "warning", 1.0),
        ("updated", "critical", 2.0),
        ("returned", "warning", 3.0),
    ]
    # back in limits but not acknowledged: still shown, at its worst severity
    (alarm,) = server.active(3.0)
    assert alarm.parameter == "BAT_VOLTAGE" and alarm.severity == 2 and alarm.in_limits
    kinds = [e.kind for e in server.acknowledge("BAT_VOLTAGE", 4.0, by="op")]
    assert kinds == ["acknowledged", "cleared"]
    assert server.active(4.0) == []


def test_acknowledged_alarm_clears_when_back_in_limits_and_shelving() -> None:
    decoder = PacketDecoder(default_mdb())
    server = AlarmServer()
    (batch,) = decoder.decode(_power([25.0, 25.0], ["SAFE", "SAFE"]))
    events = server.process(batch, np.array([0.0, 1.0]))
    assert {(e.parameter, e.kind, e.severity) for e in events} == {
        ("BAT_VOLTAGE", "raised", "warning"),
        ("POWER_MODE", "raised", "warning"),  # an enumeration state alarm
    }
    server.acknowledge("BAT_VOLTAGE", 1.5)
    server.shelve("POWER_MODE", 1.5, duration_s=60)
    assert [a.parameter for a in server.active(2.0)] == ["BAT_VOLTAGE"]
    assert len(server.active(2.0, include_shelved=True)) == 2
    assert [a.parameter for a in server.active(100.0)] == ["BAT_VOLTAGE", "POWER_MODE"]
    (batch,) = decoder.decode(_power([28.0]))
    events = server.process(batch, np.array([5.0]))
    assert ("BAT_VOLTAGE", "cleared") in {(e.parameter, e.kind) for e in events}
    assert ("POWER_MODE", "returned") in {(e.parameter, e.kind) for e in events}
    server.unshelve("POWER_MODE", 6.0)
    assert [a.parameter for a in server.active(6.0)] == ["POWER_MODE"]


def test_a_steady_stream_in_limits_makes_no_events() -> None:
    decoder = PacketDecoder(default_mdb())
    (batch,) = decoder.decode(_power([28.0] * 500))
    assert AlarmServer().process(batch, np.arange(500.0)) == []


def test_an_acknowledgement_made_elsewhere_survives_the_next_batch(tmp_path: Path) -> None:
    """The console (or ``zorka tm alarms``) acknowledges in the archive while ``zorka tm
    ingest`` runs with its own alarm state: the ingester's next save keeps it."""
    from zorka.control.archive import SqliteArchive
    from zorka.control.ingest import TelemetryIngester

    archive = SqliteArchive(tmp_path / "archive.sqlite")
    ingester = TelemetryIngester(default_mdb(), archive)
    ingester.ingest_packets(_power([23.0]), received_unix_s=1000.0)  # critical
    # another process acknowledges it in the archive
    elsewhere = AlarmServer({a.parameter: a for a in archive.load_alarms()})
    elsewhere.acknowledge("BAT_VOLTAGE", 1001.0, by="ops")
    archive.save_alarms(elsewhere.alarms.values())
    # the ingester's next batch changes another alarm and saves its state
    ingester.ingest_packets(_power([23.0], ["SAFE"]), received_unix_s=1002.0)
    stored = {a.parameter: a for a in archive.load_alarms()}
    assert stored["BAT_VOLTAGE"].acknowledged and stored["BAT_VOLTAGE"].acknowledged_by == "ops"
    assert "POWER_MODE" in stored
    # back in limits, the acknowledged alarm clears
    ingester.ingest_packets(_power([28.0]), received_unix_s=1003.0)
    assert "BAT_VOLTAGE" not in {a.parameter for a in archive.load_alarms()}
    archive.close()
