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
from zorka.control.mdb import default_mdb, parse_mdb

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
