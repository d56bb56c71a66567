"""``zorka tm decode``, ``zorka tm import-xtce`` and ``zorka schema mdb``."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

import zorka.cli.mission
import zorka.cli.tm  # noqa: F401 - registers the commands on the app
from zorka.cli.app import app
from zorka.control.encoding import encode_packet
from zorka.control.mdb import default_mdb, dump_mdb, parse_mdb

YAMCS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ccsds" / "yamcs"
runner = CliRunner()


def test_decode_bka_packets_with_an_alarm(tmp_path: Path) -> None:
    mdb = default_mdb()
    packets = [
        encode_packet(mdb, "hk_power", {"BAT_VOLTAGE": v, "BAT_SOC": 80, "BAT_TEMP": 20.0})
        for v in (28.0, 23.0, 28.0)
    ]
    path = tmp_path / "tm.bin"
    path.write_bytes(b"".join(packets) + b"\x00\x01")
    result = runner.invoke(app, ["tm", "decode", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["containers"] == {"hk_power": 3}
    assert summary["bytes_left"] == 2
    assert summary["alarms"] == [
        {"parameter": "BAT_VOLTAGE", "severity": "critical", "first_packet": 1, "value": 28.0}
    ]


def test_import_xtce_writes_yaml_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "bogus.yaml"
    result = runner.invoke(
        app, ["tm", "import-xtce", str(YAMCS / "xtce" / "BogusSAT-1.xml"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "MILSTD_1750A" in result.output  # issues go to standard error, mixed in by the runner
    assert parse_mdb(yaml.safe_load(out.read_text())).name == "BogusSAT"


def test_schema_mdb_is_published() -> None:
    result = runner.invoke(app, ["schema", "mdb"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["title"] == "zorka mission database"


def _timed_mdb_file(tmp_path: Path) -> Path:
    """The BKA database with its on-board time declared, as a YAML file."""
    data = yaml.safe_load(dump_mdb(default_mdb()))
    data["onboard_time"] = {"coarse": "OBT_COARSE", "fine": "OBT_FINE", "epoch": "2024-01-01"}
    path = tmp_path / "bka-timed.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_ingest_query_export_and_alarms(tmp_path: Path) -> None:
    mdb = default_mdb()
    packets = [
        encode_packet(mdb, "hk_power", {"OBT_COARSE": 60 + t, "BAT_VOLTAGE": v, "BAT_SOC": 80,
                                        "BAT_TEMP": 20.0})
        for t, v in enumerate((28.0, 23.0, 28.0, 28.5))
    ]  # fmt: skip
    data = tmp_path / "tm.bin"
    data.write_bytes(b"".join(packets) + b"\xe0\x01")
    archive = ["--archive", str(tmp_path / "a.sqlite")]
    mdb_file = str(_timed_mdb_file(tmp_path))
    result = runner.invoke(app, ["tm", "ingest", str(data), "--mdb", mdb_file, *archive])
    assert result.exit_code == 0, result.output
    assert "samples" in result.output and "100" in result.output
    again = runner.invoke(
        app, ["tm", "ingest", str(data), "--mdb", mdb_file, "--format", "json", *archive]
    )
    assert json.loads(again.output)["packets"] == 0  # already archived: resumed at the end

    result = runner.invoke(
        app,
        ["tm", "query", "BAT_VOLTAGE", "--start", "2024-01-01T00:01:01Z",
         "--end", "2024-01-01T00:01:03Z", "--format", "csv", *archive],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "time,raw,eng,valid,level",
        "2024-01-01T00:01:01.000000Z,23000,23.0,1,2",
        "2024-01-01T00:01:02.000000Z,28000,28.0,1,0",
    ]
    result = runner.invoke(app, ["tm", "query", "BAT_VOLTAGE", "--format", "json", *archive])
    assert len(json.loads(result.output)["samples"]) == 4
    assert (
        "BAT_VOLTAGE: 4 samples"
        in runner.invoke(app, ["tm", "query", "BAT_VOLTAGE", *archive]).output
    )
    result = runner.invoke(app, ["tm", "query", "NOPE", *archive])
    assert result.exit_code == 1 and "no samples of 'NOPE'" in result.output

    out = tmp_path / "v.csv"
    result = runner.invoke(
        app, ["tm", "export", "BAT_VOLTAGE", "BAT_SOC", "-o", str(out), *archive]
    )
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 9

    listing = runner.invoke(app, ["tm", "alarms", "--format", "json", *archive])
    (alarm,) = json.loads(listing.output)
    assert (alarm["parameter"], alarm["severity"], alarm["state"]) == (
        "BAT_VOLTAGE", "critical", "in limits",
    )  # fmt: skip
    result = runner.invoke(app, ["tm", "alarms", *archive, "shelve", "BAT_VOLTAGE", "--for", "600"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["tm", "alarms", *archive]).output.strip() == "no alarms"
    assert "BAT_VOLTAGE" in runner.invoke(app, ["tm", "alarms", "--all", *archive]).output
    result = runner.invoke(
        app, ["tm", "alarms", "acknowledge", "BAT_VOLTAGE", "--by", "op", *archive]
    )
    assert result.output.strip() == "BAT_VOLTAGE: acknowledged, cleared"
    result = runner.invoke(app, ["tm", "alarms", "acknowledge", "BAT_VOLTAGE", *archive])
    assert result.exit_code == 1 and "no alarm on 'BAT_VOLTAGE'" in result.output


def test_ingest_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    data = tmp_path / "tm.bin"
    data.write_bytes(b"")
    archive = ["--archive", str(tmp_path / "a.sqlite")]
    result = runner.invoke(app, ["tm", "ingest", str(data), "--frames", "xyz", *archive])
    assert result.exit_code == 1 and "use tm, aos or none" in result.output
    # a database without on-board time fields cannot take a clock epoch
    from zorka.control.mdb import default_mdb, dump_mdb

    untimed = tmp_path / "untimed.yaml"
    untimed.write_text(dump_mdb(default_mdb().model_copy(update={"onboard_time": None})))
    args = ["--obt-epoch", "2024-01-01", "--mdb", str(untimed), *archive]
    result = runner.invoke(app, ["tm", "ingest", str(data), *args])
    assert result.exit_code == 1 and "declares no on-board time" in result.output
