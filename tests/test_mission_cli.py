"""``zorka mission check|list|show`` and ``zorka schema``, through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import zorka.cli.mission  # registers the commands on the app
from zorka.cli.app import app
from zorka.mission import default_mission_path, mission_json_schema

DATA = Path(__file__).parent / "data" / "mission"
runner = CliRunner()


def test_check_good_file() -> None:
    result = runner.invoke(app, ["mission", "check", str(DATA / "good.yaml")])
    assert result.exit_code == 0, result.output
    assert "mission 'every-orbit-kind' is valid: 4 satellites, 2 stations" in result.output


@pytest.mark.parametrize("name", ["by", "by-2015"])
def test_check_embedded_missions(name: str) -> None:
    result = runner.invoke(app, ["mission", "check", str(default_mission_path(name))])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output


def test_check_bad_file_lists_every_error_with_its_path() -> None:
    path = DATA / "bad_values.yaml"
    result = runner.invoke(app, ["mission", "check", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1] == f"{path}: 15 errors"
    assert f"{path}:22: satellites[1].sensor.gsd_m: -2 is out of range" in result.output
    assert f"{path}:41: stations[0].latitude_deg: 95 is out of range" in result.output
    assert len(lines) == 16


def test_check_reports_orbits_that_cannot_be_built() -> None:
    result = runner.invoke(app, ["mission", "check", str(DATA / "bad_orbits.yaml")])
    assert result.exit_code == 1
    assert "satellites[1].orbit: Missing file" in result.output
    assert "2 errors" in result.output


def test_check_strict_fails_on_warnings(tmp_path: Path) -> None:
    text = default_mission_path("by").read_text(encoding="utf-8")
    path = tmp_path / "late.yaml"
    path.write_text(text.replace('start: "2024-09-05T00:00:00Z"', 'start: "2025-09-05T00:00:00Z"'))
    result = runner.invoke(app, ["mission", "check", str(path)])
    assert result.exit_code == 0
    assert "warning: satellites[0].orbit" in result.output
    result = runner.invoke(app, ["mission", "check", "--strict", str(path)])
    assert result.exit_code == 1
    assert "0 errors, 1 warning" in result.output


def test_check_missing_file() -> None:
    result = runner.invoke(app, ["mission", "check", str(DATA / "absent.yaml")])
    assert result.exit_code == 1
    assert "cannot read" in result.output


def test_list_and_show() -> None:
    result = runner.invoke(app, ["mission", "list"])
    assert result.exit_code == 0
    assert result.output.startswith("by (default): ")
    assert "by-2015: " in result.output
    result = runner.invoke(app, ["mission", "show", "by-2015"])
    assert result.exit_code == 0
    assert result.output == default_mission_path("by-2015").read_text(encoding="utf-8")
    result = runner.invoke(app, ["mission", "show", "nowhere"])
    assert result.exit_code == 2


def test_schema_mission_prints_the_schema() -> None:
    result = runner.invoke(app, ["schema", "mission"])
    assert result.exit_code == 0
    assert json.loads(result.output) == mission_json_schema()


def test_schema_lists_names_and_refuses_unknown_ones() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    names = [line.split(":")[0] for line in result.output.splitlines()]
    assert "mission" in names and names == sorted(names)
    result = runner.invoke(app, ["schema", "nothing"])
    assert result.exit_code == 2
    assert "mission" in result.output


def test_load_mission_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert zorka.cli.mission.load_mission_option(None).name == "by"
    assert zorka.cli.mission.load_mission_option(DATA / "good.yaml").name == "every-orbit-kind"
    with pytest.raises(typer.Exit) as info:
        zorka.cli.mission.load_mission_option(DATA / "bad_values.yaml")
    assert info.value.exit_code == 1
    err = capsys.readouterr().err
    assert "satellites[1].sensor.gsd_m" in err
